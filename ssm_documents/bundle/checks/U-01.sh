# shellcheck shell=sh
# edition: KISA-2026
# code: U-01
# severity: high
# title_ko: root 계정 원격 접속 제한
# title_en: Restrict remote root login
# legacy: KISA-2021:U-01
# good: 원격터미널 서비스를 사용하지 않거나, 사용 시 root 직접 접속을 차단한 경우
# vulnerable: 원격터미널 서비스 사용 시 root 직접 접속을 허용한 경우
# rule: SSH: the effective global PermitRootLogin (sshd -T on a live host, else the first value
# rule: read through sshd_config and its Include drop-ins; Match blocks do not count) must be "no";
# rule: prohibit-password/without-password/forced-commands-only still let root in with a key and
# rule: are VULNERABLE; absent means the OpenSSH default prohibit-password.
# rule: Telnet (telnet.socket, xinetd or inetd): root must be refused by pam_securetty with no
# rule: pts/ entries in /etc/securetty. No SSH server and no telnet service: GOOD.

check_U_01() {
    local prl where telnet bad
    cce_require_text /etc/ssh/sshd_config || return 0
    telnet=
    bad=
    if command -v cce_service_enabled > /dev/null 2>&1 \
        && cce_service_enabled telnet.socket xinetd:telnet inetd:telnet; then
        telnet=1
        cce_evidence "telnet: enabled (${CCE_SVC_WHY:-})"
        if cce_pam_has login auth pam_securetty.so \
            && ! cce_read /etc/securetty 2> /dev/null | grep -q '^[[:space:]]*pts/'; then
            cce_evidence "telnet: pam_securetty in the login stack and no pts/ in /etc/securetty"
        else
            bad="telnet allows root (no pam_securetty or pts/ listed in /etc/securetty)"
        fi
    fi
    if cce_sshd_present; then
        prl=$(cce_sshd_value PermitRootLogin)
        where=$(cce_sshd_where PermitRootLogin)
        cce_evidence "sshd: PermitRootLogin $prl (from $where)"
        case $prl in
            [Nn][Oo]) ;;
            *) bad="${bad:+$bad; }PermitRootLogin is $prl (from $where)" ;;
        esac
    elif [ -z "$telnet" ]; then
        cce_good "no remote terminal service (no OpenSSH server, telnet not enabled)"
        return 0
    fi
    if [ -n "$bad" ]; then
        cce_vulnerable "$bad"
    elif [ -n "$telnet" ]; then
        cce_good "root cannot log in remotely (sshd PermitRootLogin no; telnet restricted by securetty)"
    elif cce_is_live; then
        cce_good "PermitRootLogin no (from $where)"
    else
        cce_good "PermitRootLogin no (from $where; offline root: sshd -T skipped)"
    fi
}
