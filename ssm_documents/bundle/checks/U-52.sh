# shellcheck shell=sh
# edition: KISA-2026
# code: U-52
# severity: medium
# title_ko: Telnet 서비스 비활성화
# title_en: Disable Telnet
# legacy: KISA-2021:U-60
# good: 원격 접속 시 Telnet 프로토콜을 비활성화하고 있는 경우
# vulnerable: 원격 접속 시 Telnet 프로토콜을 사용하는 경우
# rule: telnet.socket (RHEL telnet-server), an xinetd "service telnet" stanza not disabled, an inetd
# rule: telnet line, or, live, an in.telnetd/telnetd process. The telnet client is not a service.

check_U_52() {
    cce_svc_judge_disabled 'Telnet server' -p in.telnetd -p telnetd telnet.socket telnet@.service telnetd.service xinetd:telnet inetd:telnet sysv:telnetd
}
