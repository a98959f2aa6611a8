# shellcheck shell=sh
# edition: KISA-2026
# code: U-10
# severity: medium
# title_ko: 동일한 UID 금지
# title_en: No duplicate UIDs
# legacy: KISA-2021:U-52
# good: 동일한 UID로 설정된 사용자 계정이 존재하지 않는 경우
# vulnerable: 동일한 UID로 설정된 사용자 계정이 존재하는 경우
# rule: UIDs are compared as numbers ("01000" is 1000); any UID shared by two accounts is VULNERABLE.

check_U_10() {
    local dups
    cce_require_text /etc/passwd || return 0
    if ! cce_read /etc/passwd > /dev/null 2>&1; then
        cce_error "/etc/passwd is missing or unreadable in the scanned root"
        return 0
    fi
    dups=$(cce_passwd_entries | awk -F: '
        $3 ~ /^[0-9]+$/ { u = $3 + 0; names[u] = names[u] (names[u] == "" ? "" : ",") $1; cnt[u]++ }
        END { for (u in cnt) if (cnt[u] > 1) printf "%s%d: %s", (k++ ? "; " : ""), u, names[u] }')
    if [ -n "$dups" ]; then
        cce_evidence "shared UIDs: $dups"
        cce_vulnerable "accounts share a UID: $dups"
    else
        cce_good "every account has its own UID"
    fi
}
