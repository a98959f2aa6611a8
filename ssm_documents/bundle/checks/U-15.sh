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
    _ku=$(cce_known_uids)
    _kg=$(cce_known_gids)
    if [ -z "$_ku" ] || [ -z "$_kg" ]; then
        cce_error "cannot read the scanned root's /etc/passwd or /etc/group"
        return 0
    fi
    # the walk's O slice: entries whose uid or gid is absent from passwd/group
    _o=$(cce_walk_slice O) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _total=$(cce_walk_entries)
    if [ ! -s "$_o" ]; then
        cce_good "every one of $_total walked entries has an owner and group known to passwd/group"
        return 0
    fi
    # nsswitch.conf: directory sources for accounts ("passwd: sss ...", sorted, each followed by
    # a blank) and whether nss-systemd is listed (Debian/Ubuntu default "passwd: files systemd"
    # only adds DynamicUser= accounts, whose ids come from 61184..65519: not reported as orphans)
    _nsd=$(awk '$1 == "passwd:" || $1 == "group:" {
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^(sss|ldap|nis|nisplus|winbind|db|extrausers)$/ && !(($1 " " $i) in seen)) { seen[$1 " " $i] = 1; L[++n] = $1 " " $i }
                if ($1 == "passwd:" && $i == "systemd") dyn = 1
            }
        }
        END {
            for (i = 2; i <= n; i++) { v = L[i]; for (j = i - 1; j >= 1 && L[j] > v; j--) L[j + 1] = L[j]; L[j + 1] = v }
            s = ""; for (i = 1; i <= n; i++) s = s L[i] " "
            printf "%d|%s", dyn + 0, s
        }' "$(cce_path /etc/nsswitch.conf)" 2>/dev/null)
    _dyn=${_nsd%%|*}
    _ns=${_nsd#*|}
    _known_u=""
    _known_g=""
    if [ -n "$_ns" ]; then
        if ! cce_is_live; then
            _out=$(awk -F '\t' '{ n++; if (n <= 40) print "E\t" $5 " uid " $2 " gid " $3 " (" $1 ")" } END { print "S\t" n + 0 }' "$_o")
            files_report "$_out"
            cce_manual "$FILES_SUM entries have an owner/group absent from the local passwd/group, but nsswitch.conf also uses ($_ns) which an offline scan cannot query"
            return 0
        fi
        # live: ask the name service about each distinct unknown id (bounded)
        _q=$(awk -F '\t' '{ u[$2 + 0] = 1; g[$3 + 0] = 1 } END { for (k in u) print "u\t" k; for (k in g) print "g\t" k }' "$_o" | head -n 50)
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
    # which of the two ids is unknown (the slice only says "one of them")
    # shellcheck disable=SC2086  # one id per line
    _out=$({ printf 'U\t%s\n' $_ku; printf 'G\t%s\n' $_kg; printf 'E\n'; } |
        awk -F '\t' -v ku="$_known_u" -v kg="$_known_g" -v dyn="${_dyn:-0}" '
        BEGIN { n = split(ku, a, " "); for (i = 1; i <= n; i++) id["U", a[i] + 0] = 1
                n = split(kg, a, " "); for (i = 1; i <= n; i++) id["G", a[i] + 0] = 1 }
        !body { if ($1 == "E") { body = 1; next }; id[$1, $2 + 0] = 1; next }
        {
            w = ""
            if (dyn && $2 + 0 >= 61184 && $2 + 0 <= 65519) { d++; next }
            if (!(("U" SUBSEP ($2 + 0)) in id)) w = "no owner uid " $2 + 0
            if (!(("G" SUBSEP ($3 + 0)) in id)) w = w (w == "" ? "" : ", ") "no group gid " $3 + 0
            if (w != "") { c++; if (c <= 40) print "E\t" $5 " (" $4 ", " w ")" }
        }
        END {
            if (d) print "E\t" d " entries owned by systemd DynamicUser ids (61184-65519) not counted"
            print "S\t" c + 0
        }' - "$_o")
    files_report "$_out"
    _c=$FILES_SUM
    [ -n "$_ns" ] && cce_evidence "nsswitch also uses: $_ns; ids resolved by getent:${_known_u:- none} /${_known_g:- none}"
    if [ "${_c:-0}" -gt 0 ]; then
        cce_vulnerable "$_c file(s)/directories whose owner or group does not exist (of $_total walked)"
    elif [ -n "$_ns" ]; then
        cce_good "entries with ids absent from the local files all resolve through the name service ($_ns)"
    else
        cce_good "the only ids absent from passwd/group are systemd DynamicUser ids (nss-systemd)"
    fi
}
