# shellcheck shell=sh
# edition: KISA-2026
# code: U-36
# severity: high
# title_ko: r 계열 서비스 비활성화
# title_en: Disable the r-services (rsh, rlogin, rexec)
# legacy: KISA-2021:U-21
# good: 불필요한 r 계열 서비스가 비활성화된 경우
# vulnerable: 불필요한 r 계열 서비스가 활성화된 경우
# rule: every enabled r-service counts as unnecessary (rsh, rlogin, rexec carry passwords and trust in
# rule: clear text; the guide's remedy is to disable them): rsh/rlogin/rexec .socket units, xinetd
# rule: stanzas rsh/rlogin/rexec/shell/login/exec, inetd lines shell/login/exec, or, live, an
# rule: in.rshd/in.rlogind/in.rexecd process. .rhosts and hosts.equiv are judged by U-27.

check_U_36() {
    cce_svc_judge_disabled 'r-services' -p in.rshd -p in.rlogind -p in.rexecd -p rshd -p rlogind -p rexecd rsh.socket rlogin.socket rexec.socket rsh@.service rlogin@.service rexec@.service xinetd:rsh xinetd:rlogin xinetd:rexec xinetd:shell xinetd:login xinetd:exec inetd:shell inetd:login inetd:exec
}
