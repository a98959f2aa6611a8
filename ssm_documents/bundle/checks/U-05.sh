# shellcheck shell=sh
# edition: KISA-2026
# code: U-05
# severity: high
# title_ko: root 이외의 UID가 ‘0’ 금지
# title_en: No UID 0 other than root
# legacy: KISA-2021:U-44
# good: root 계정과 동일한 UID를 갖는 계정이 존재하지 않는 경우
# vulnerable: root 계정과 동일한 UID를 갖는 계정이 존재하는 경우
# rule: UIDs are compared as numbers, so "00" or "000" is UID 0 too.

check_U_05() {
    local others
    cce_require_text /etc/passwd || return 0
    if ! cce_read /etc/passwd > /dev/null 2>&1; then
        cce_error "/etc/passwd is missing or unreadable in the scanned root"
        return 0
    fi
    others=$(cce_passwd_entries | awk -F: '$3 ~ /^[0-9]+$/ && $3 + 0 == 0 && $1 != "root" {
        printf "%s%s (uid field \"%s\")", (n++ ? ", " : ""), $1, $3 }')
    if [ -n "$others" ]; then
        cce_evidence "UID 0 besides root: $others"
        cce_vulnerable "accounts other than root with UID 0: $others"
    else
        cce_good "only root has UID 0"
    fi
}
