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
# rule: states it. Owner: uid 0 only, as the guide's criterion says ("소유자가 root"): files of
# rule: the account rsyslog writes as (syslog on Ubuntu, $PrivDropToUser / $FileOwner) or of a
# rule: service account in its own subdirectory (/var/log/mysql, /var/log/postgresql) are
# rule: VULNERABLE like any other owner; the evidence names rsyslog's account when it explains
# rule: the owner. /var/log itself must be owned by root and not writable by others. No
# rule: /var/log is NOT_APPLICABLE.

check_U_67() {
    if ! _walk=$(cce_walk_slice L); then
        cce_error "the shared filesystem walk failed"
        return 0
    fi
    _d=$(grep -m 1 "	/var/log\$" "$_walk") || {
        cce_na "no /var/log directory"
        return 0
    }
    _rs=
    if _files=$(cce_rsyslog_files 2>/dev/null); then
        for _n in $(cce_rsyslog_directive "$_files" PrivDropToUser) $(cce_rsyslog_directive "$_files" FileOwner); do
            _id=$(cce_passwd_entries 2>/dev/null | awk -F: -v n="$_n" '$1 == n { print $3 + 0; exit }')
            [ -n "$_id" ] && [ "$_id" != 0 ] && _rs="${_rs:+$_rs }$_n(uid $_id)"
        done
    fi
    _out=$(awk -F '\t' '
        $5 == "/var/log" {
            m = $1
            if ($2 + 0 != 0) print "BAD\t/var/log owner uid " $2 " is not root"
            if (substr(m, 4, 1) ~ /[2367]/) print "BAD\t/var/log mode " m " is writable by others"
            next
        }
        index($5, "/var/log/") != 1 { next }
        $4 == "d" { next }
        $4 == "f" {
            total++
            m = $1; bad = ""
            # bits outside 0644: any setid/sticky, owner x, group w/x, other w/x
            if (substr(m, 1, 1) != "0" || substr(m, 2, 1) ~ /[1357]/ || substr(m, 3, 1) ~ /[123567]/ || substr(m, 4, 1) ~ /[123567]/) bad = "mode " m
            u = $2 + 0
            if (u != 0) bad = bad (bad == "" ? "" : ", ") "owner uid " u
            if (bad != "") { nbad++; if (nbad <= 25) print "BAD\t" $5 " " bad }
        }
        END { print "TOTAL\t" total + 0 "\t" nbad + 0 }' "$_walk")
    _total=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "TOTAL" { print $2 }')
    _nbad=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "TOTAL" { print $3 }')
    _list=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "BAD" { print $2 }')
    [ -n "$_rs" ] && cce_evidence "rsyslog writes its files as $_rs (\$PrivDropToUser/\$FileOwner): the guide asks for root"
    if [ -n "$_list" ]; then
        cce_evidence "$_list"
        [ "${_nbad:-0}" -gt 25 ] && cce_evidence "... $((_nbad - 25)) more"
        cce_vulnerable "${_nbad:-0} of ${_total:-0} log files (or /var/log itself) fail root ownership / 0644: $(printf '%s\n' "$_list" | head -n 5 | tr '\n' ';' | sed 's/;$//')"
    else
        cce_good "all ${_total:-0} files under /var/log are within 0644 and owned by root"
    fi
}
