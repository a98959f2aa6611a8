# shellcheck shell=sh
# edition: KISA-2026
# code: U-17
# severity: high
# title_ko: 시스템 시작 스크립트 권한 설정
# title_en: System startup script permissions
# legacy:
# good: 시스템 시작 스크립트 파일의 소유자가 root이고, 일반 사용자의 쓰기 권한이 제거된 경우
# vulnerable: 시스템 시작 스크립트 파일의 소유자가 root가 아니거나, 일반 사용자의 쓰기 권한이 부여된 경우
# rule: startup scripts are, as in the guide's readlink -f examples, the entries of
# rule: /etc/rc.d/init.d, /etc/init.d, /etc/rc[0-6S].d, /etc/rc.d/rc[0-6].d, /etc/rc.local,
# rule: /etc/rc.d/rc.local and of /etc/systemd/system (with its *.wants/*.d subdirectories),
# rule: /usr/lib/systemd/system, /lib/systemd/system (when not the same directory) and
# rule: /usr/local/lib/systemd/system; links are followed inside the scanned root and
# rule: their targets judged.
# rule: VULNERABLE when a script, unit or one of these directories is owned by a uid
# rule: other than 0, is writable by other, or is writable by a group other than gid 0
# rule: ("일반 사용자의 쓰기 권한"). Masked units (links to /dev/null) are skipped; dangling
# rule: links are reported as evidence only. None of
# rule: these locations present: NOT_APPLICABLE.

check_U_17() {
    _dirs="/etc/rc.d/init.d /etc/init.d /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d"
    _dirs="$_dirs /etc/rc.d/rc0.d /etc/rc.d/rc1.d /etc/rc.d/rc2.d /etc/rc.d/rc3.d /etc/rc.d/rc4.d /etc/rc.d/rc5.d /etc/rc.d/rc6.d"
    _dirs="$_dirs /etc/systemd/system /usr/lib/systemd/system /usr/local/lib/systemd/system"
    # /lib is a link to usr/lib on merged-/usr systems: do not judge the same files twice
    [ -h "$(cce_path /lib)" ] || _dirs="$_dirs /lib/systemd/system"
    _list=$(
        printf '%s\n' /etc/rc.local /etc/rc.d/rc.local
        for _d in $_dirs; do
            _pd=$(cce_path "$_d")
            [ -d "$_pd" ] || continue
            printf '%s\n' "$_d"
            for _f in "$_pd"/* "$_pd"/*/*; do
                [ -e "$_f" ] || [ -h "$_f" ] || continue
                printf '%s\n' "$_d${_f#"$_pd"}"
            done
        done
    )
    _st=$(printf '%s\n' "$_list" | files_stat)
    _out=$({ files_names; printf '@@END@@\n'; printf '%s\n' "$_st"; } | awk -F '\t' "$FILES_AWK_LIB"'
        $0 == "@@END@@" { body = 1; next }
        !body { NAMES[$1, $2] = $3; next }
        NF >= 6 {
            lp = $1; m = $2; uid = $3; gid = $4; t = $5; rp = $6
            if (rp == "/dev/null") next     # a masked unit
            if (t == "-") { if (lp != rp) print "D\t" lp " -> " rp " (dangling link)"; next }
            if (t == "?" || t == "L") { print "D\t" lp ": " tname(t); next }
            n++
            if (rp in seen) next
            seen[rp] = 1
            why = ""
            if (uid + 0 != 0) why = "owner " who("U", uid)
            if (other_w(m)) why = why (why == "" ? "" : ", ") "writable by other"
            else if (group_w(m) && gid + 0 != 0) why = why (why == "" ? "" : ", ") "writable by group " who("G", gid)
            if (why != "") print "V\t" rp (rp != lp ? " (via " lp ")" : "") " " m " " who("U", uid) ":" who("G", gid) " -- " why
        }
        END { print "N\t" n + 0 }')
    _n=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "N" { print $2 }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "bad: " $2 }' | head -n 40)"
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "D" { print "note: " $2 }' | head -n 10)"
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v startup script(s)/unit(s)/directories not owned by root or writable by ordinary users: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ .*/, "", $2); printf "%s%s", sep, $2; sep = ", "; if (++c == 5) exit }')"
    elif [ "${_n:-0}" -gt 0 ]; then
        cce_good "$_n startup scripts, units and their directories are owned by root and not writable by ordinary users"
    else
        cce_na "no init scripts, rc directories or systemd unit directories in the scanned root"
    fi
}
