# shellcheck shell=sh
# edition: KISA-2026
# code: U-19
# severity: high
# title_ko: /etc/hosts 파일 소유자 및 권한 설정
# title_en: /etc/hosts owner and permissions
# legacy: KISA-2021:U-09
# good: /etc/hosts 파일의 소유자가 root이고, 권한이 644 이하인 경우
# vulnerable: /etc/hosts 파일의 소유자가 root가 아니거나, 권한이 644 이하가 아닌 경우
# rule: owner uid 0; mode must have no bit outside 0644 (the 2026 edition relaxed 600 to
# rule: 644); a link is judged by its target inside the scanned root; no /etc/hosts at
# rule: all is NOT_APPLICABLE.

check_U_19() {
    printf '/etc/hosts\n' | files_stat | files_judge 0644 0 |
        files_decide_simple NA "/etc/hosts does not exist in the scanned root" "/etc/hosts"
}
