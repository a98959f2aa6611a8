# shellcheck shell=sh
# edition: KISA-2026
# code: U-26
# severity: high
# title_ko: /dev에 존재하지 않는 device 파일 점검
# title_en: Non-device files in /dev
# legacy: KISA-2021:U-16
# good: /dev 디렉터리에 대한 파일 점검 후 존재하지 않는 device 파일을 제거한 경우
# vulnerable: /dev 디렉터리에 대한 파일 미점검 또는 존재하지 않는 device 파일을 방치한 경우
# rule: regular files under /dev in the shared walk (the guide's find /dev -type f: a file
# rule: there has no major/minor number and is a classic hiding place).  /dev/shm,
# rule: /dev/mqueue and /dev/hugepages are separate filesystems for ordinary files and are
# rule: not part of the walk.  Any regular file: VULNERABLE; none: GOOD.  An offline root
# rule: without /dev: NOT_APPLICABLE.  No walk: ERROR.

check_U_26() {
    if [ ! -d "$(cce_path /dev)" ]; then
        cce_na "the scanned root has no /dev"
        return 0
    fi
    _x=$(cce_walk_slice D) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    [ -s "$_x" ] || { cce_good "no regular file under /dev"; return 0; }
    _out=$(awk -F '\t' '$5 !~ /^\/dev\/(shm|mqueue|hugepages)\// { print $5 " " $1 " uid " $2 " gid " $3 }' "$_x")
    if [ -n "$_out" ]; then
        files_evidence_lines "$(printf '%s\n' "$_out" | head -n 40)"
        cce_vulnerable "$(printf '%s\n' "$_out" | wc -l | tr -d ' ') regular file(s) in /dev: $(printf '%s\n' "$_out" |
            awk '{ printf "%s%s", sep, $1; sep = ", "; if (++c == 5) exit }')"
    else
        cce_good "no regular file under /dev"
    fi
}
