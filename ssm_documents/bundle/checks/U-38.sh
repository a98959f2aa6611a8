# shellcheck shell=sh
# edition: KISA-2026
# code: U-38
# severity: high
# title_ko: DoS 공격에 취약한 서비스 비활성화
# title_en: Disable services prone to DoS (echo, discard, daytime, chargen)
# legacy: KISA-2021:U-23
# good: DoS 공격에 취약한 서비스가 비활성화된 경우
# vulnerable: DoS 공격에 취약한 서비스가 활성화된 경우
# rule: the guide's list: echo, discard, daytime and chargen, TCP or UDP, as xinetd stanzas (RHEL names
# rule: the files echo-stream/echo-dgram but the service is "echo") or inetd lines, each counted only
# rule: when its super-server is enabled. NTP, DNS and SNMP have their own items (U-65, U-49..U-51, U-58).

check_U_38() {
    cce_svc_judge_disabled 'DoS-prone simple services' xinetd:echo xinetd:discard xinetd:daytime xinetd:chargen inetd:echo inetd:discard inetd:daytime inetd:chargen
}
