# shellcheck shell=sh
# edition: KISA-2026
# code: U-63
# severity: medium
# title_ko: sudo 명령어 접근 관리
# title_en: /etc/sudoers owner and permissions
# legacy:
# good: /etc/sudoers 파일 소유자가 root이고, 파일 권한이 640인 경우
# vulnerable: /etc/sudoers 파일 소유자가 root가 아니거나, 파일 권한이 640을 초과하는 경우
# rule: /etc/sudoers must be owned by uid 0 with no bit outside 0640 (so the 0440 default is GOOD).
# rule: The files it includes (#include/@include, and #includedir/@includedir entries, skipping names
# rule: with a dot or ending in ~ as sudo does) are the same policy and get the same rule. No
# rule: /etc/sudoers is NOT_APPLICABLE (sudo not installed).

check_U_63() {
    if ! _m=$(cce_mode /etc/sudoers); then
        cce_na "no /etc/sudoers (sudo not installed)"
        return 0
    fi
    if ! _t=$(cce_read /etc/sudoers); then
        cce_error "/etc/sudoers exists but cannot be read"
        return 0
    fi
    _r=$(cce_path /)
    _r=${_r%/}
    _files=/etc/sudoers
    for _inc in $(printf '%s\n' "$_t" | awk '$1 == "#include" || $1 == "@include" { print "F" $2 } $1 == "#includedir" || $1 == "@includedir" { print "D" $2 }'); do
        case $_inc in
            F/*) _files="$_files ${_inc#F}" ;;
            D/*)
                for _f in "$_r${_inc#D}"/*; do
                    [ -f "$_f" ] || continue
                    case ${_f##*/} in *.* | *~) continue ;; esac
                    _files="$_files ${_f#"$_r"}"
                done ;;
        esac
    done
    _bad=''
    for _f in $_files; do
        _m=$(cce_mode "$_f") || continue
        _u=$(cce_uid "$_f")
        cce_evidence "$_f mode $_m owner $(cce_owner_name "$_u") ($_u)"
        [ "$_u" = 0 ] || _bad="$_bad; $_f owner uid $_u is not root"
        cce_mode_within "$_m" 0640 || _bad="$_bad; $_f mode $_m exceeds 0640"
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "sudoers files owned by root within 0640"
    fi
}
