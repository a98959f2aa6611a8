# shellcheck shell=sh
# edition: KISA-2026
# code: U-54
# severity: medium
# title_ko: 암호화되지 않는 FTP 서비스 비활성화
# title_en: Disable unencrypted FTP
# legacy: KISA-2021:U-61
# good: 암호화되지 않은 FTP 서비스가 비활성화된 경우
# vulnerable: 암호화되지 않은 FTP 서비스가 활성화된 경우
# rule: no FTP server enabled is GOOD. An enabled server is GOOD only when it refuses clear-text
# rule: sessions: vsftpd with ssl_enable=YES and force_local_logins_ssl/force_local_data_ssl not
# rule: turned off (their defaults are YES), and, when anonymous login is on, force_anon_logins_ssl
# rule: and force_anon_data_ssl YES; proftpd with "TLSEngine on" and TLSRequired on/ctrl/auth/
# rule: auth+data (not off or data-only); pure-ftpd with TLS 2 or 3. in.ftpd (xinetd/inetd) has no
# rule: TLS: VULNERABLE. sftp (over SSH) is not FTP and is not judged here.

check_U_54() {
    if ! cce_ftp_servers; then
        _note=''
        cce_is_live || _note=' (offline root: running processes not checked)'
        cce_good "no FTP server enabled$_note"
        return 0
    fi
    cce_evidence "FTP: $CCE_FTP_WHY"
    _bad=''
    for _s in $CCE_FTP_SERVERS; do
        case $_s in
            vsftpd)
                if ! _c=$(cce_vsftpd_conf) || ! cce_read "$_c" >/dev/null; then
                    cce_error "vsftpd is enabled but its configuration cannot be read"
                    return 0
                fi
                _ssl=$(cce_vsftpd_bool "$_c" ssl_enable NO)
                _fl=$(cce_vsftpd_bool "$_c" force_local_logins_ssl YES)
                _fd=$(cce_vsftpd_bool "$_c" force_local_data_ssl YES)
                _an=$(cce_vsftpd_bool "$_c" anonymous_enable YES)
                cce_evidence "$_c: ssl_enable=$_ssl force_local_logins_ssl=$_fl force_local_data_ssl=$_fd anonymous_enable=$_an"
                if [ "$_ssl" != YES ]; then
                    _bad="$_bad; vsftpd ssl_enable is not YES (clear-text FTP)"
                elif [ "$_fl" != YES ] || [ "$_fd" != YES ]; then
                    _bad="$_bad; vsftpd accepts clear-text local sessions (force_local_logins_ssl=$_fl, force_local_data_ssl=$_fd)"
                elif [ "$_an" = YES ]; then
                    _al=$(cce_vsftpd_bool "$_c" force_anon_logins_ssl NO)
                    _ad=$(cce_vsftpd_bool "$_c" force_anon_data_ssl NO)
                    cce_evidence "$_c: force_anon_logins_ssl=$_al force_anon_data_ssl=$_ad"
                    [ "$_al" = YES ] && [ "$_ad" = YES ] ||
                        _bad="$_bad; vsftpd anonymous sessions are clear text"
                fi
                ;;
            proftpd)
                if ! _l=$(cce_proftpd_lines); then
                    cce_error "proftpd is enabled but proftpd.conf cannot be read"
                    return 0
                fi
                _eng=$(printf '%s\n' "$_l" | awk -F '\t' '$2 == "tlsengine" { v = tolower($3) } END { print v }')
                _req=$(printf '%s\n' "$_l" | awk -F '\t' '$2 == "tlsrequired" { v = tolower($3) } END { print v }')
                cce_evidence "proftpd TLSEngine=${_eng:-(unset)} TLSRequired=${_req:-(unset)}"
                case "$_eng/$_req" in
                    on/on | on/ctrl | on/auth | on/auth+data | on/ctrl+data | on/auth+!data | on/ctrl+!data) ;;
                    *) _bad="$_bad; proftpd does not require TLS (TLSEngine=${_eng:-unset}, TLSRequired=${_req:-unset})" ;;
                esac
                ;;
            pure-ftpd)
                _tls=$(cce_read /etc/pure-ftpd/conf/TLS 2>/dev/null | awk 'NF { print $1; exit }')
                [ -z "$_tls" ] && _tls=$(cce_read /etc/pure-ftpd/pure-ftpd.conf 2>/dev/null |
                    awk '$1 == "TLS" { v = $2 } END { print v }')
                cce_evidence "pure-ftpd TLS=${_tls:-(unset: 0)}"
                case $_tls in 2 | 3) ;; *) _bad="$_bad; pure-ftpd TLS=${_tls:-0} accepts clear text" ;; esac
                ;;
            inetd-ftp) _bad="$_bad; in.ftpd from xinetd/inetd speaks clear-text FTP" ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "every enabled FTP server requires TLS ($CCE_FTP_SERVERS)"
    fi
}
