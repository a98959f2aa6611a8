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
# rule: read through sshd_config and its Include drop-ins) must be "no", and so must every
# rule: PermitRootLogin inside a Match block (a "Match Address 10.0.0.0/8" block with yes lets root in
# rule: from there; sshd -T does not show Match blocks, so they are always read from the files);
# rule: prohibit-password/without-password/forced-commands-only still let root in with a key and
# rule: are VULNERABLE. Absent means the default of the installed OpenSSH, read from the package
# rule: database (openssh-server): yes before 7.0, prohibit-password since; when the version cannot
# rule: be read (no package database readable from the shell, e.g. an rpm database without an rpm
# rule: binary), the documented default since 7.0, prohibit-password, applies and the evidence says so.
# rule: Telnet (telnet.socket, xinetd or inetd): root must be refused by pam_securetty with no
# rule: pts/ entries in /etc/securetty. No SSH server and no telnet service: GOOD.

# The default PermitRootLogin of the installed OpenSSH: sets CCE_U01_DEFAULT and CCE_U01_WHERE.
_u01_default() {
    local v
    if cce_pkg_version openssh-server > /dev/null; then
        v=$CCE_PKG_UPSTREAM
        if cce_version_at_least "$v" 7.0; then
            CCE_U01_DEFAULT=prohibit-password
            CCE_U01_WHERE="not set: the default of OpenSSH $v since 7.0; $CCE_PKG_NAME $CCE_PKG_VERSION per $CCE_PKG_HOW"
        else
            CCE_U01_DEFAULT=yes
            CCE_U01_WHERE="not set: the default of OpenSSH $v before 7.0; $CCE_PKG_NAME $CCE_PKG_VERSION per $CCE_PKG_HOW"
        fi
        return 0
    fi
    CCE_U01_DEFAULT=prohibit-password
    case $CCE_PKG_HOW in
        dpkg | rpm) v="openssh-server is not in the $CCE_PKG_HOW database" ;;
        *) v="no package database readable here (an rpm database is read only in its sqlite form through an rpm binary)" ;;
    esac
    CCE_U01_WHERE="not set: OpenSSH version unknown ($v); the documented default since OpenSSH 7.0 applies"
}

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
        if [ "$where" = "OpenSSH default" ]; then
            _u01_default
            prl=$CCE_U01_DEFAULT
            where=$CCE_U01_WHERE
        fi
        cce_evidence "sshd: PermitRootLogin $prl (from $where)"
        case $prl in
            [Nn][Oo]) ;;
            *) bad="${bad:+$bad; }PermitRootLogin is $prl (from $where)" ;;
        esac
        _tab=$(printf '\t')
        while IFS=$_tab read -r _src _match _val; do
            [ -n "$_src" ] || continue
            cce_evidence "sshd: $_match: PermitRootLogin $_val ($_src)"
            case $_val in
                [Nn][Oo]) ;;
                *) bad="${bad:+$bad; }$_match sets PermitRootLogin $_val ($_src)" ;;
            esac
        done <<EOF_MATCH
$(cce_sshd_match_values PermitRootLogin)
EOF_MATCH
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
