# shellcheck shell=sh
# edition: KISA-2026
# code: U-57
# severity: medium
# title_ko: Ftpusers 파일 설정
# title_en: Block root in ftpusers
# legacy: KISA-2021:U-64
# good: root 계정 접속을 차단한 경우
# vulnerable: root 계정 접속을 허용한 경우
# rule: judged only when an FTP server is enabled (else NOT_APPLICABLE), with each daemon's own
# rule: controls. vsftpd: root is blocked when local_enable is NO (built-in default), or the PAM
# rule: service (pam_service_name; built-in "ftp", distributions "vsftpd") has a pam_listfile
# rule: item=user sense=deny whose file lists root, or userlist_enable=YES with userlist_deny YES and
# rule: root in userlist_file (or userlist_deny=NO and root absent). proftpd: RootLogin off (its
# rule: default) or root in /etc/ftpusers with UseFtpUsers not off. pure-ftpd: MinUID above 0.
# rule: in.ftpd: root in /etc/ftpusers.

_u57_listed() {  # file user
    cce_read "$1" 2>/dev/null | awk -v n="$2" '{ sub(/#.*/, "") } $1 == n { f = 1 } END { exit !f }'
}

_u57_vsftpd() {
    _c=$(cce_vsftpd_conf) || { _err='vsftpd is enabled but its configuration cannot be read'; return 1; }
    cce_read "$_c" >/dev/null || { _err="cannot read $_c"; return 1; }
    _le=$(cce_vsftpd_bool "$_c" local_enable NO)
    cce_evidence "$_c: local_enable=$_le"
    if [ "$_le" = NO ]; then
        _ok="$_ok; vsftpd local_enable=NO (no local account can log in)"
        return 0
    fi
    _svc=$(cce_vsftpd_get "$_c" pam_service_name) || _svc=ftp
    _pam=$(cce_read "/etc/pam.d/$_svc" 2>/dev/null | awk '
        /^[ \t]*#/ { next }
        /pam_listfile\.so/ && / item=user/ && / sense=deny/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^file=/) print substr($i, 6)
        }')
    for _lf in $_pam; do
        if _u57_listed "$_lf" root; then
            cce_evidence "/etc/pam.d/$_svc: pam_listfile sense=deny file=$_lf lists root"
            _ok="$_ok; vsftpd PAM $_lf lists root"
            return 0
        fi
        cce_evidence "/etc/pam.d/$_svc: pam_listfile file=$_lf does not list root"
    done
    [ -z "$_pam" ] && cce_evidence "/etc/pam.d/$_svc: no pam_listfile deny rule"
    _ue=$(cce_vsftpd_bool "$_c" userlist_enable NO)
    if [ "$_ue" = YES ]; then
        _ud=$(cce_vsftpd_bool "$_c" userlist_deny YES)
        _uf=$(cce_vsftpd_get "$_c" userlist_file) || {
            _uf=/etc/vsftpd.user_list
            [ -f "$(cce_path /etc/vsftpd/user_list)" ] && _uf=/etc/vsftpd/user_list
        }
        cce_evidence "$_c: userlist_enable=YES userlist_deny=$_ud userlist_file=$_uf"
        if [ "$_ud" = YES ] && _u57_listed "$_uf" root; then
            _ok="$_ok; vsftpd user_list $_uf denies root"
            return 0
        fi
        if [ "$_ud" = NO ] && ! _u57_listed "$_uf" root; then
            _ok="$_ok; vsftpd user_list $_uf allows only listed users, root not listed"
            return 0
        fi
    fi
    _bad="$_bad; vsftpd lets root log in (no PAM deny list or user_list entry for root)"
}

check_U_57() {
    if ! cce_ftp_servers; then
        cce_ftp_na
        return 0
    fi
    cce_evidence "FTP: $CCE_FTP_WHY"
    _bad=''
    _ok=''
    _err=''
    for _s in $CCE_FTP_SERVERS; do
        case $_s in
            vsftpd)
                if ! _u57_vsftpd; then
                    cce_error "$_err"
                    return 0
                fi
                ;;
            proftpd)
                if ! _l=$(cce_proftpd_lines); then
                    cce_error "proftpd is enabled but proftpd.conf cannot be read"
                    return 0
                fi
                _rl=$(printf '%s\n' "$_l" | awk -F '\t' '$2 == "rootlogin" && tolower($3) == "on" { print $4 }')
                _uf=$(printf '%s\n' "$_l" | awk -F '\t' '$2 == "useftpusers" { v = tolower($3) } END { print v }')
                if [ -z "$_rl" ]; then
                    _ok="$_ok; proftpd RootLogin off"
                elif [ "$_uf" != off ] && _u57_listed /etc/ftpusers root; then
                    _ok="$_ok; proftpd RootLogin on ($_rl) but /etc/ftpusers lists root"
                else
                    _bad="$_bad; proftpd RootLogin on ($_rl) and root not blocked by /etc/ftpusers"
                fi
                ;;
            pure-ftpd)
                _mu=$(cce_read /etc/pure-ftpd/conf/MinUID 2>/dev/null | awk 'NF { print $1; exit }')
                [ -z "$_mu" ] && _mu=$(cce_read /etc/pure-ftpd/pure-ftpd.conf 2>/dev/null |
                    awk '$1 == "MinUID" { v = $2 } END { print v }')
                case $_mu in
                    '' | 0 | *[!0-9]*) _bad="$_bad; pure-ftpd MinUID ${_mu:-unset} lets uid 0 in" ;;
                    *) _ok="$_ok; pure-ftpd MinUID $_mu" ;;
                esac
                ;;
            inetd-ftp)
                if _u57_listed /etc/ftpusers root; then
                    _ok="$_ok; /etc/ftpusers lists root"
                else
                    _bad="$_bad; in.ftpd: /etc/ftpusers does not list root"
                fi
                ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "root cannot log in over FTP: ${_ok#; }"
    fi
}
