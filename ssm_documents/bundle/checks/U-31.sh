# shellcheck shell=sh
# edition: KISA-2026
# code: U-31
# severity: medium
# title_ko: 홈디렉토리 소유자 및 권한 설정
# title_en: Home directory owner and permissions
# legacy: KISA-2021:U-57
# good: 홈 디렉토리 소유자가 해당 계정이고, 타 사용자 쓰기 권한이 제거된 경우
# vulnerable: 홈 디렉토리 소유자가 해당 계정이 아니거나, 타 사용자 쓰기 권한이 부여된 경우
# rule: accounts judged: root, every account with a login shell (not nologin, false, true,
# rule: sync, shutdown, halt) and every account with UID_MIN <= uid (login.defs, default
# rule: 1000), except nobody (65534); system accounts without a shell keep shared or
# rule: package-owned homes (/bin, /var/lib/...) by design.  The home (link followed inside
# rule: the scanned root) must be owned by the account's numeric uid and have no
# rule: other-write bit ("타 사용자 쓰기 권한").  A home of "/" is not judged (evidence).
# rule: Missing homes are U-32's and are skipped here.  No account to judge: NOT_APPLICABLE.

check_U_31() {
    _acc=$(files_people | awk -F '\t' '$4 ~ /^\// { h = $4; if (h != "/") sub(/\/+$/, "", h); print $1 "\t" $2 "\t" h }')
    _st=$(printf '%s\n' "$_acc" | awk -F '\t' 'NF == 3 && $3 != "/" && !s[$3]++ { print $3 }' | files_stat)
    _out=$({ files_names; printf '@@ACC@@\n'; printf '%s\n' "$_acc"; printf '@@END@@\n'; printf '%s\n' "$_st"; } |
        awk -F '\t' "$FILES_AWK_LIB"'
        $0 == "@@ACC@@" { part = 1; next }
        $0 == "@@END@@" { part = 2; next }
        part == 0 { NAMES[$1, $2] = $3; next }
        part == 1 { if (NF == 3) { na++; AN[na] = $1; AU[na] = $2 + 0; AH[na] = $3 }; next }
        NF >= 6 { M[$1] = $2; U[$1] = $3 + 0; T[$1] = $5; R[$1] = $6 }
        END {
            for (i = 1; i <= na; i++) {
                h = AH[i]
                if (h == "/") { print "I\t" AN[i] ": home is / (not judged)"; continue }
                if (!(h in T) || T[h] == "-") { print "I\t" AN[i] ": home " h " missing (see U-32)"; continue }
                if (T[h] != "d") { print "V\t" AN[i] " home " h " is a " tname(T[h]) ", not a directory"; continue }
                n++
                via = (R[h] != h) ? " (link to " R[h] ")" : ""
                why = ""
                if (U[h] != AU[i]) why = "owner " who("U", U[h]) " is not " AN[i] "(" AU[i] ")"
                if (other_w(M[h])) why = why (why == "" ? "" : "; ") "writable by other"
                line = AN[i] " home " h via " " M[h] " " who("U", U[h])
                print (why == "" ? "G\t" line : "V\t" line " -- " why)
            }
            print "N\t" n + 0
        }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "bad: " $2 } $1 == "G" { print "ok: " $2 } $1 == "I" { print "note: " $2 }' | head -n 60)"
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _n=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "N" { print $2 }')
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v home director(ies) not owned by the account or writable by others: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ --.*/, "", $2); printf "%s%s", sep, $2; sep = "; "; if (++c == 4) exit }')"
    elif [ "${_n:-0}" -gt 0 ]; then
        cce_good "$_n home director(ies) owned by their account without other-write"
    else
        cce_na "no login account with an existing home directory"
    fi
}
