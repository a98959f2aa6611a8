# shellcheck shell=sh
# edition: KISA-2026
# code: U-32
# severity: medium
# title_ko: 홈 디렉토리로 지정한 디렉토리의 존재 관리
# title_en: Home directories of accounts exist
# legacy: KISA-2021:U-58
# good: 홈 디렉토리가 존재하지 않는 계정이 발견되지 않는 경우
# vulnerable: 홈 디렉토리가 존재하지 않는 계정이 발견된 경우
# rule: accounts judged: root, every account with a login shell (not nologin, false, true,
# rule: sync, shutdown, halt) and every account with UID_MIN <= uid (login.defs, default
# rule: 1000), except nobody (65534).  Their home must exist as a directory (links
# rule: followed inside the scanned root); an empty home field counts as missing (login
# rule: then puts the user in "/").  System accounts without a login shell whose home is
# rule: absent (Debian's /nonexistent, /var/spool/lpd, ...) cannot log in and are listed
# rule: as evidence only.

check_U_32() {
    _all=$(files_passwd)
    if [ -z "$_all" ]; then
        cce_error "cannot read /etc/passwd of the scanned root"
        return 0
    fi
    _ppl=$(files_people | awk -F '\t' '{ print $1 }')
    _st=$(printf '%s\n' "$_all" | awk -F '\t' '$4 ~ /^\// && !s[$4]++ { print $4 }' | files_stat)
    _out=$({ printf '%s\n' "$_ppl"; printf '@@ALL@@\n'; printf '%s\n' "$_all"; printf '@@END@@\n'; printf '%s\n' "$_st"; } |
        awk -F '\t' '
        $0 == "@@ALL@@" { part = 1; next }
        $0 == "@@END@@" { part = 2; next }
        part == 0 { if ($0 != "") P[$0] = 1; next }
        part == 1 { na++; AN[na] = $1; AH[na] = $4; next }
        NF >= 6 { T[$1] = $5 }
        END {
            for (i = 1; i <= na; i++) {
                h = AH[i]; tag = (AN[i] in P) ? "V" : "I"
                if (h == "") { print tag "\t" AN[i] ": empty home field"; continue }
                if (h !~ /^\//) { print tag "\t" AN[i] ": home " h " is not an absolute path"; continue }
                if (!(h in T) || T[h] != "d") {
                    print tag "\t" AN[i] ": home " h (T[h] == "-" || !(h in T) ? " does not exist" : " is not a directory")
                    continue
                }
                if (tag == "V") n++
            }
            print "N\t" n + 0
        }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "missing: " $2 } $1 == "I" { print "no login shell, not judged: " $2 }' | head -n 60)"
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _n=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "N" { print $2 }')
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v login account(s) without a home directory: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/:.*/, "", $2); printf "%s%s", sep, $2; sep = ", "; if (++c == 8) exit }')"
    else
        cce_good "every login account (${_n:-0}) has an existing home directory"
    fi
}
