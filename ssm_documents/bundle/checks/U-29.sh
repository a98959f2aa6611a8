# shellcheck shell=sh
# edition: KISA-2026
# code: U-29
# severity: low
# title_ko: hosts.lpd 파일 소유자 및 권한 설정
# title_en: /etc/hosts.lpd owner and permissions
# legacy: KISA-2021:U-55
# good: /etc/hosts.lpd 파일이 존재하지 않거나, 불가피하게 사용 시 /etc/hosts.lpd 파일의 소유자가 root이고, 권한이 600 이하인 경우
# vulnerable: /etc/hosts.lpd 파일이 존재하며, 파일의 소유자가 root가 아니거나, 권한이 600 이하가 아닌 경우
# rule: absence is GOOD as the guide says; when present, owner uid 0 and no bit outside
# rule: 0600 (bits); a link is judged by its target inside the scanned root.

check_U_29() {
    printf '/etc/hosts.lpd\n' | files_stat | files_judge 0600 0 |
        files_decide_simple GOOD "/etc/hosts.lpd does not exist" "/etc/hosts.lpd"
}
