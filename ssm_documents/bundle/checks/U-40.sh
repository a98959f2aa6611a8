# shellcheck shell=sh
# edition: KISA-2026
# code: U-40
# severity: high
# title_ko: NFS 접근 통제
# title_en: NFS access control
# legacy: KISA-2021:U-25 KISA-2021:U-69
# good: 접근 통제가 설정되어 있으며 NFS 설정 파일 접근 권한이 644 이하인 경우
# vulnerable: 접근 통제가 설정되어 있지 않고 NFS 설정 파일 접근 권한이 644를 초과하는 경우
# rule: judged only when an NFS server is enabled (else NOT_APPLICABLE). Either failure is
# rule: VULNERABLE (the guide's "and" in 취약 is read as the negation of 양호): an export to every
# rule: host ("*", 0.0.0.0/0, ::/0, "(opts)" with no host before it, or a path with no client), or
# rule: an export file (/etc/exports, /etc/exports.d/*.exports) not owned by root or with a bit
# rule: outside 0644. Exports are read as exportfs does (continuations, comments, quoted paths,
# rule: "-opts" defaults). no_root_squash and insecure are shown in the evidence, not judged.
# rule: A server with no export file exports nothing: GOOD.

check_U_40() {
    if ! cce_nfs_server_enabled; then
        _note=''
        cce_is_live || _note='; offline root: running processes not checked'
        cce_na "NFS server not enabled${CCE_SVC_WHY:+ ($CCE_SVC_WHY)}$_note"
        return 0
    fi
    cce_evidence "NFS: $CCE_SVC_WHY"
    _files=$(cce_nfs_export_files)
    if [ -z "$_files" ]; then
        cce_good "NFS server enabled but no /etc/exports or /etc/exports.d/*.exports: nothing exported"
        return 0
    fi
    _bad=''
    for _f in $_files; do
        if ! _m=$(cce_mode "$_f") || ! _u=$(cce_uid "$_f"); then
            cce_error "cannot stat $_f"
            return 0
        fi
        cce_evidence "$_f mode $_m owner $(cce_owner_name "$_u") ($_u)"
        [ "$_u" = 0 ] || _bad="$_bad; $_f owner uid $_u is not root"
        cce_mode_within "$_m" 0644 || _bad="$_bad; $_f mode $_m exceeds 0644"
    done
    if ! _ex=$(cce_nfs_exports); then
        cce_error "an NFS export file cannot be read"
        return 0
    fi
    if [ -n "$_ex" ]; then
        cce_evidence "exports (file:line, path, client, options):" "$_ex"
    fi
    _world=$(printf '%s\n' "$_ex" | while IFS="$(printf '\t')" read -r _at _p _cl _o; do
        [ -n "$_at" ] || continue
        cce_nfs_client_is_world "$_cl" && printf '%s to %s [%s]; ' "$_p" "$_cl" "$_at"
    done)
    [ -n "$_world" ] && _bad="$_bad; exported to every host: ${_world%; }"
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    elif [ -z "$_ex" ]; then
        cce_good "export files are root-owned within 0644 and export nothing"
    else
        cce_good "every export names its clients; export files root-owned within 0644"
    fi
}
