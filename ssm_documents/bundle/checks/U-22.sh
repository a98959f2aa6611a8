# shellcheck shell=sh
# edition: KISA-2026
# code: U-22
# severity: high
# title_ko: /etc/services 파일 소유자 및 권한 설정
# title_en: /etc/services owner and permissions
# legacy: KISA-2021:U-12
# good: /etc/services 파일의 소유자가 root(또는 bin, sys)이고, 권한이 644 이하인 경우
# vulnerable: /etc/services 파일의 소유자가 root(또는 bin, sys)가 아니거나, 권한이 644 이하가 아닌 경우
# rule: permitted owners are uid 0 and the uids of the accounts named bin and sys in the
# rule: scanned root's own passwd; mode must have no bit outside 0644 (bits); a link is
# rule: judged by its target; no /etc/services is NOT_APPLICABLE.

check_U_22() {
    printf '/etc/services\n' | files_stat | files_judge 0644 "$(files_uids_named bin sys)" |
        files_decide_simple NA "/etc/services does not exist in the scanned root" "/etc/services"
}
