# shellcheck shell=sh
# edition: KISA-2026
# code: U-44
# severity: high
# title_ko: tftp, talk 서비스 비활성화
# title_en: Disable tftp, talk and ntalk
# legacy: KISA-2021:U-29
# good: tftp, talk, ntalk 서비스가 비활성화된 경우
# vulnerable: tftp, talk, ntalk 서비스가 활성화된 경우
# rule: tftp: tftp.socket/tftp.service (RHEL tftp-server), tftpd-hpa, atftpd units or sysv scripts; talk
# rule: and ntalk: xinetd stanzas or inetd lines, talk/ntalk units; live, in.tftpd/atftpd/in.talkd/in.ntalkd
# rule: processes. Any of them enabled is VULNERABLE.

check_U_44() {
    cce_svc_judge_disabled 'tftp/talk' -p in.tftpd -p atftpd -p in.talkd -p in.ntalkd tftp.socket tftp.service tftp-server.socket tftpd-hpa.service atftpd.service talk.socket ntalk.socket xinetd:tftp xinetd:talk xinetd:ntalk inetd:tftp inetd:talk inetd:ntalk sysv:tftpd-hpa sysv:atftpd
}
