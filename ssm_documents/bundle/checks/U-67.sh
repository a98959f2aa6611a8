# shellcheck shell=sh
# edition: KISA-2026
# code: U-67
# severity: medium
# title_ko: 로그 디렉터리 소유자 및 권한 설정
# title_en: Log directory and file owner and permissions
# legacy:
# good: 디렉터리 내 로그 파일의 소유자가 root이고, 권한이 644 이하인 경우
# vulnerable: 디렉터리 내 로그 파일의 소유자가 root가 아니거나, 권한이 644를 초과하는 경우
# rule: every regular file under /var/log (from the shared walk, so subdirectories and rotated logs
# rule: count) needs no bit outside 0644 - wtmp/lastlog (0664) and btmp (0660) included, as the guide
# rule: states it. Owner: uid 0, or the account rsyslog writes as ($PrivDropToUser / $FileOwner, e.g.
# rule: syslog on Ubuntu), or, for files in a service's own subdirectory, the system account
# rule: (uid below 1000) that owns that subdirectory or whose primary group owns it (e.g.
# rule: /var/log/mysql, /var/log/postgresql root:postgres 1775). /var/log itself must be
# rule: owned by root and not writable by others. No /var/log is NOT_APPLICABLE.

check_U_67() {
    if ! _walk=$(cce_walk); then
        cce_error "the shared filesystem walk failed"
        return 0
    fi
    _d=$(grep -m 1 "	/var/log\$" "$_walk") || {
        cce_na "no /var/log directory"
        return 0
    }
    _allowed=0
    if _files=$(cce_rsyslog_files 2>/dev/null); then
        for _n in $(cce_rsyslog_directive "$_files" PrivDropToUser) $(cce_rsyslog_directive "$_files" FileOwner); do
            _id=$(cce_passwd_entries 2>/dev/null | awk -F: -v n="$_n" '$1 == n { print $3 + 0; exit }')
            [ -n "$_id" ] && _allowed="$_allowed $_id"
        done
    fi
    _pgid=$(cce_passwd_entries 2>/dev/null | awk -F: '$3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ { printf "%d:%d ", $3, $4 }')
    _out=$(grep -F "$(printf '\t')/var/log" "$_walk" | awk -F '\t' -v allowed="$_allowed" -v pgid="$_pgid" '
        BEGIN {
            n = split(allowed, a, " "); for (i = 1; i <= n; i++) ok[a[i] + 0] = 1
            n = split(pgid, a, " "); for (i = 1; i <= n; i++) { split(a[i], p, ":"); prim[p[1] + 0] = p[2] + 0 }
        }
        $5 == "/var/log" {
            m = $1
            if ($2 + 0 != 0) print "BAD\t/var/log owner uid " $2 " is not root"
            if (substr(m, 4, 1) ~ /[2367]/) print "BAD\t/var/log mode " m " is writable by others"
            next
        }
        index($5, "/var/log/") != 1 { next }
        $4 == "d" { downer[$5] = $2 + 0; dgroup[$5] = $3 + 0; next }
        $4 == "f" {
            total++
            m = $1; bad = ""
            # bits outside 0644: any setid/sticky, owner x, group w/x, other w/x
            if (substr(m, 1, 1) != "0" || substr(m, 2, 1) ~ /[1357]/ || substr(m, 3, 1) ~ /[123567]/ || substr(m, 4, 1) ~ /[123567]/) bad = "mode " m
            u = $2 + 0
            if (u != 0 && !(u in ok)) {
                top = $5; sub(/^\/var\/log\//, "", top)
                if (index(top, "/")) { top = "/var/log/" substr(top, 1, index(top, "/") - 1) } else top = ""
                svc = (top != "" && (top in downer) && u < 1000 && (downer[top] == u || ((u in prim) && dgroup[top] == prim[u])))
                if (!svc)
                    bad = bad (bad == "" ? "" : ", ") "owner uid " u
            }
            if (bad != "") { nbad++; if (nbad <= 25) print "BAD\t" $5 " " bad }
        }
        END { print "TOTAL\t" total + 0 "\t" nbad + 0 }')
    _total=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "TOTAL" { print $2 }')
    _nbad=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "TOTAL" { print $3 }')
    _list=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "BAD" { print $2 }')
    [ "$_allowed" != 0 ] && cce_evidence "log owners accepted besides root (rsyslog): uid${_allowed#0}"
    if [ -n "$_list" ]; then
        cce_evidence "$_list"
        [ "${_nbad:-0}" -gt 25 ] && cce_evidence "... $((_nbad - 25)) more"
        cce_vulnerable "${_nbad:-0} of ${_total:-0} log files (or /var/log itself) fail root ownership / 0644: $(printf '%s\n' "$_list" | head -n 5 | tr '\n' ';' | sed 's/;$//')"
    else
        cce_good "all ${_total:-0} files under /var/log are within 0644 and owned by root or their logger"
    fi
}
