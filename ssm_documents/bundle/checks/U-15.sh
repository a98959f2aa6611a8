# shellcheck shell=sh
# edition: KISA-2026
# code: U-15
# severity: high
# title_ko: 파일 및 디렉터리 소유자 설정
# title_en: Files and directories without an existing owner
# legacy: KISA-2021:U-06
# good: 소유자가 존재하지 않는 파일 및 디렉터리가 존재하지 않는 경우
# vulnerable: 소유자가 존재하지 않는 파일 및 디렉터리가 존재하는 경우
# rule: the shared walk (local filesystems; /proc, /sys, /run, /dev/pts skipped) is compared
# rule: with the numeric uids of the scanned root's passwd and gids of its group (the
# rule: guide's find -nouser -o -nogroup). Entries of every type count, symlinks included.
# rule: When nsswitch.conf also takes accounts from a directory (sss, ldap, nis, winbind,
# rule: extrausers), a live scan asks getent about each distinct unknown id (at most 50)
# rule: and drops the known ones; an offline scan cannot ask and says MANUAL. With
# rule: nss-systemd listed, owners in the DynamicUser range 61184-65519 are not counted.
# rule: No walk: ERROR.

check_U_15() {
    if [ -z "$(cce_known_uids | head -n 1)" ] || [ -z "$(cce_known_gids | head -n 1)" ]; then
        cce_error "cannot read the scanned root's /etc/passwd or /etc/group"
        return 0
    fi
    _x=$(files_extract) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _n=$(awk -F '\t' '$1 == "O"' "$_x" | wc -l)
    _total=$(awk -F '\t' '$1 == "N" { print $2 }' "$_x")
    if [ "$_n" -eq 0 ]; then
        cce_good "every one of $_total walked entries has an owner and group known to passwd/group"
        return 0
    fi
    _ids=$(awk -F '\t' '$1 == "O" { print $3 + 0 "\t" $4 + 0 }' "$_x" | awk -F '\t' '{ u[$1] = 1; g[$2] = 1 }
        END { for (k in u) print "u\t" k; for (k in g) print "g\t" k }')
    _ns=$(awk '$1 == "passwd:" || $1 == "group:" { for (i = 2; i <= NF; i++) if ($i ~ /^(sss|ldap|nis|nisplus|winbind|db|extrausers)$/) print $1 " " $i }' \
        "$(cce_path /etc/nsswitch.conf)" 2>/dev/null | sort -u | tr '\n' ' ')
    _known_u=""
    _known_g=""
    _dyn=0
    # nss-systemd (Debian/Ubuntu default "passwd: files systemd") only adds DynamicUser=
    # accounts, whose ids come from 61184..65519: those ids are not reported as orphans.
    if awk '$1 == "passwd:" { for (i = 2; i <= NF; i++) if ($i == "systemd") f = 1 } END { exit !f }' \
        "$(cce_path /etc/nsswitch.conf)" 2>/dev/null; then
        _dyn=1
    fi
    if [ -n "$_ns" ]; then
        if ! cce_is_live; then
            files_evidence_lines "$(awk -F '\t' '$1 == "O" { print $6 " uid " $3 " gid " $4 " (" $2 ")" }' "$_x" | head -n 40)"
            cce_manual "$_n entries have an owner/group absent from the local passwd/group, but nsswitch.conf also uses ($_ns) which an offline scan cannot query"
            return 0
        fi
        # live: ask the name service about each distinct id (bounded)
        _q=$(printf '%s\n' "$_ids" | head -n 50)
        while IFS="$(printf '\t')" read -r _k _id; do
            [ -n "$_id" ] || continue
            if [ "$_k" = u ]; then
                getent passwd "$_id" >/dev/null 2>&1 && _known_u="$_known_u $_id"
            else
                getent group "$_id" >/dev/null 2>&1 && _known_g="$_known_g $_id"
            fi
        done <<EOF
$_q
EOF
    fi
    # which of the two ids is unknown (the extract only says "one of them")
    _report=$(
        { cce_known_uids | awk '{ print "U\t" $1 }'; cce_known_gids | awk '{ print "G\t" $1 }'; printf 'E\n'; awk -F '\t' '$1 == "O"' "$_x"; } |
            awk -F '\t' -v ku="$_known_u" -v kg="$_known_g" -v dyn="$_dyn" '
            BEGIN { n = split(ku, a, " "); for (i = 1; i <= n; i++) id["U", a[i] + 0] = 1
                    n = split(kg, a, " "); for (i = 1; i <= n; i++) id["G", a[i] + 0] = 1 }
            !body { if ($1 == "E") { body = 1; next }; id[$1, $2 + 0] = 1; next }
            {
                w = ""
                if (dyn && $3 + 0 >= 61184 && $3 + 0 <= 65519) { d++; next }
                if (!(("U" SUBSEP ($3 + 0)) in id)) w = "no owner uid " $3 + 0
                if (!(("G" SUBSEP ($4 + 0)) in id)) w = w (w == "" ? "" : ", ") "no group gid " $4 + 0
                if (w != "") { c++; if (c <= 40) print "R\t" $6 " (" $5 ", " w ")" }
            }
            END { print "C\t" c + 0; if (d) print "R\t" d " entries owned by systemd DynamicUser ids (61184-65519) not counted" }')
    _c=$(printf '%s\n' "$_report" | awk -F '\t' '$1 == "C" { print $2 }')
    files_evidence_lines "$(printf '%s\n' "$_report" | awk -F '\t' '$1 == "R" { print $2 }')"
    [ -n "$_ns" ] && cce_evidence "nsswitch also uses: $_ns; ids resolved by getent:${_known_u:- none} /${_known_g:- none}"
    if [ "${_c:-0}" -gt 0 ]; then
        cce_vulnerable "$_c file(s)/directories whose owner or group does not exist (of $_total walked)"
    elif [ -n "$_ns" ]; then
        cce_good "entries with ids absent from the local files all resolve through the name service ($_ns)"
    else
        cce_good "the only ids absent from passwd/group are systemd DynamicUser ids (nss-systemd)"
    fi
}
