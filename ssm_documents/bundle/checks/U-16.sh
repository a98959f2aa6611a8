# shellcheck shell=sh
# edition: KISA-2026
# code: U-16
# severity: high
# title_ko: /etc/passwd 파일 소유자 및 권한 설정
# title_en: /etc/passwd owner and permissions
# legacy: KISA-2021:U-07
# good: /etc/passwd 파일의 소유자가 root이고, 권한이 644 이하인 경우
# vulnerable: /etc/passwd 파일의 소유자가 root가 아니거나, 권한이 644 이하가 아닌 경우
# rule: owner is compared as a number (uid 0); the mode must have no bit outside 0644
# rule: (compared bit by bit, so 0077 or 4644 are not "644 이하"); a symbolic link is
# rule: judged by its target inside the scanned root; a missing /etc/passwd is ERROR.

check_U_16() {
    _r=$(printf '/etc/passwd\n' | files_stat | files_judge 0644 0)
    case $_r in
        MISSING*) cce_error "/etc/passwd does not exist in the scanned root" ; return 0 ;;
    esac
    printf '%s\n' "$_r" | files_decide_simple NA "" "/etc/passwd"
}
