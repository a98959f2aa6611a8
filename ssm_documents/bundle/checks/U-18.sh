# shellcheck shell=sh
# edition: KISA-2026
# code: U-18
# severity: high
# title_ko: /etc/shadow 파일 소유자 및 권한 설정
# title_en: /etc/shadow owner and permissions
# legacy: KISA-2021:U-08
# good: /etc/shadow 파일의 소유자가 root이고, 권한이 400 이하인 경우
# vulnerable: /etc/shadow 파일의 소유자가 root가 아니거나, 권한이 400 이하가 아닌 경우
# rule: owner uid 0; mode must have no bit outside 0400 (bits, not decimal). The guide
# rule: leaves no room for the Debian/Ubuntu default 0640 root:shadow, so it is reported
# rule: VULNERABLE and the evidence says so (there unix_chkpwd is setgid shadow and needs
# rule: the group read bit for non-root password checks such as screen lockers).
# rule: No /etc/shadow at all is NOT_APPLICABLE here (passwords then sit in /etc/passwd,
# rule: which U-04 reports).

check_U_18() {
    _r=$(printf '/etc/shadow\n' | files_stat | files_judge 0400 0)
    case $_r in
        BAD*" 0640 "*":shadow("*)
            cce_evidence "Debian/Ubuntu ship /etc/shadow as 0640 root:shadow; the guide requires 400 or less"
            ;;
    esac
    printf '%s\n' "$_r" | files_decide_simple NA "/etc/shadow does not exist (shadow passwords not in use; see U-04)" "/etc/shadow"
}
