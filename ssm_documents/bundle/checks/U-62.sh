# shellcheck shell=sh
# edition: KISA-2026
# code: U-62
# severity: low
# title_ko: 로그인 시 경고 메시지 설정
# title_en: Login warning banner
# legacy: KISA-2021:U-68
# good: 서버 및 Telnet, FTP, SMTP, DNS 서비스에 로그온 시 경고 메시지가 설정된 경우
# vulnerable: 서버 및 Telnet, FTP, SMTP, DNS 서비스에 로그온 시 경고 메시지가 설정되어 있지 않은 경우
# rule: server: /etc/motd, /etc/issue or /etc/issue.net holds a warning, i.e. text with a word such
# rule: as authorized, unauthorized, warning, monitored, prohibited, 경고, 허가, 인가, 무단, 금지 (the
# rule: distributions' default "\S Kernel \r" lines are not warnings). Each enabled service needs its
# rule: own banner: Telnet /etc/issue.net with a warning; FTP vsftpd ftpd_banner/banner_file or proftpd
# rule: ServerIdent text or DisplayConnect; SMTP sendmail SmtpGreetingMessage, postfix smtpd_banner
# rule: or exim smtp_banner changed from the default. SSH (ssh/sshd service or socket enabled): the
# rule: effective global Banner (sshd -T on a live host, else the first value read through sshd_config
# rule: and its Include drop-ins; OpenSSH's default is none) must name a file holding a warning.
# rule: DNS (named enabled): options must set "version" (any text, or none), as the guide's example
# rule: does with a warning text; without it named tells its own version to anyone who asks for
# rule: version.bind. Any missing banner is VULNERABLE.

_u62_warns() {
    awk '{ l = tolower($0) }
        l ~ /authori[sz]ed|unauthori|warning|monitor|prohibit|forbidden|legal|prosecut|criminal|경고|허가|인가|무단|금지|처벌/ { f = 1 }
        END { exit !f }'
}

check_U_62() {
    _bad=''
    _srv=''
    for _f in /etc/motd /etc/issue /etc/issue.net; do
        if _t=$(cce_read "$_f") && printf '%s\n' "$_t" | _u62_warns; then
            _srv="$_srv $_f"
        fi
    done
    if [ -n "$_srv" ]; then
        cce_evidence "server warning banner in:$_srv"
    else
        _bad="$_bad; no warning text in /etc/motd, /etc/issue or /etc/issue.net"
    fi
    if cce_service_enabled -p in.telnetd telnet.socket xinetd:telnet inetd:telnet; then
        if cce_read /etc/issue.net 2>/dev/null | _u62_warns; then
            cce_evidence "telnet: /etc/issue.net has a warning"
        else
            _bad="$_bad; Telnet enabled without a warning in /etc/issue.net"
        fi
    fi
    if cce_service_enabled -p sshd ssh.service sshd.service ssh.socket sshd.socket sysv:ssh sysv:sshd; then
        _b=$(cce_sshd_value Banner)
        _w=$(cce_sshd_where Banner)
        case $_b in
            '' | [Nn][Oo][Nn][Ee]) _bad="$_bad; SSH enabled without a Banner (${_b:-none} from $_w)" ;;
            *)
                if cce_read "$_b" 2>/dev/null | _u62_warns; then
                    cce_evidence "ssh: Banner $_b (from $_w) has a warning"
                else
                    _bad="$_bad; SSH Banner $_b (from $_w) holds no warning or cannot be read"
                fi ;;
        esac
    fi
    if cce_dns_enabled; then
        if _c=$(cce_named_conf) && _r=$(cce_named_records "$_c"); then
            _g=$(printf '%s\n' "$_r" | awk -F '\t' '$1 == "options" && $2 == "version" { print $3 " [" $4 "]"; exit }')
            if [ -n "$_g" ]; then
                cce_evidence "named options version $_g"
            else
                _bad="$_bad; named enabled without options version (version.bind tells BIND's own version)"
            fi
        else
            _bad="$_bad; named enabled but named.conf cannot be read"
        fi
    fi
    if cce_ftp_servers; then
        for _s in $CCE_FTP_SERVERS; do
            case $_s in
                vsftpd)
                    _c=$(cce_vsftpd_conf) || { _bad="$_bad; vsftpd has no configuration"; continue; }
                    if _v=$(cce_vsftpd_get "$_c" banner_file) || _v=$(cce_vsftpd_get "$_c" ftpd_banner); then
                        cce_evidence "vsftpd banner: $_v"
                    else
                        _bad="$_bad; vsftpd without ftpd_banner or banner_file"
                    fi ;;
                proftpd)
                    _l=$(cce_proftpd_lines 2>/dev/null)
                    if printf '%s\n' "$_l" | awk -F '\t' '$2 == "displayconnect" || ($2 == "serverident" && $3 ~ /"/) { f = 1 } END { exit !f }'; then
                        cce_evidence "proftpd: DisplayConnect or ServerIdent text set"
                    else
                        _bad="$_bad; proftpd without DisplayConnect or ServerIdent text"
                    fi ;;
                *) _bad="$_bad; $_s has no configurable logon banner" ;;
            esac
        done
    fi
    if cce_mta_enabled; then
        for _m in $CCE_MTA; do
            case $_m in
                sendmail)
                    _g=$(cce_read /etc/mail/sendmail.cf 2>/dev/null | awk '/^O[ \t]*SmtpGreetingMessage[ \t]*=/ { v = substr($0, index($0, "=") + 1) } END { print v }')
                    case $_g in
                        '' | *\$v* | *Sendmail*) _bad="$_bad; sendmail SmtpGreetingMessage is the default (${_g:-unset})" ;;
                        *) cce_evidence "sendmail SmtpGreetingMessage=$_g" ;;
                    esac ;;
                postfix)
                    _g=$(cce_postconf smtpd_banner '' 2>/dev/null)
                    case $_g in
                        '' | *\$mail_name* | *Postfix*) _bad="$_bad; postfix smtpd_banner is the default (${_g:-unset})" ;;
                        *) cce_evidence "postfix smtpd_banner=$_g" ;;
                    esac ;;
                exim)
                    if _c=$(cce_exim_conf) && _g=$(cce_exim_option "$_c" smtp_banner); then
                        cce_evidence "exim smtp_banner=$_g"
                    else
                        _bad="$_bad; exim smtp_banner is the default"
                    fi ;;
            esac
        done
    fi
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "warning banner set on the server and every enabled service (Telnet, SSH, FTP, SMTP; DNS version hidden)"
    fi
}
