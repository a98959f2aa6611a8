# shellcheck shell=sh
# edition: KISA-2026
# code: U-41
# severity: high
# title_ko: 불필요한 automountd 제거
# title_en: Disable the automounter (autofs)
# legacy: KISA-2021:U-26
# good: automountd 서비스가 비활성화된 경우
# vulnerable: automountd 서비스가 활성화된 경우
# rule: autofs.service enabled, the autofs sysv script with an S link, or, live, an automount process.

check_U_41() {
    cce_svc_judge_disabled 'automounter (autofs)' -p automount -p automountd autofs.service sysv:autofs
}
