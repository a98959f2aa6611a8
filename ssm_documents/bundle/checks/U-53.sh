# shellcheck shell=sh
# edition: KISA-2026
# code: U-53
# severity: low
# title_ko: FTP 서비스 정보 노출 제한
# title_en: Limit information in the FTP banner
# legacy:
# good: FTP 접속 배너에 노출되는 정보가 없는 경우
# vulnerable: FTP 접속 배너에 노출되는 정보가 있는 경우
# rule: judged per enabled FTP server; none enabled is NOT_APPLICABLE. A banner "exposes information"
# rule: when it names the server software or holds a version number. vsftpd: ftpd_banner or
# rule: banner_file (last assignment wins) must be set and its text must not name the product or a
# rule: version; unset means vsftpd's built-in "(vsFTPd x.y.z)". proftpd: "ServerIdent off", or
# rule: "ServerIdent on" with a custom text that passes the same test; unset means the built-in
# rule: "ProFTPD x.y Server". pure-ftpd always greets with its product name: VULNERABLE. in.ftpd from
# rule: xinetd/inetd: the greeting depends on the build and its flags: MANUAL.

_u53_leaky() {
    printf '%s\n' "$1" | awk 'tolower($0) ~ /vsftpd|proftpd|pure-?ftpd|wu-?ftpd|[0-9]+\.[0-9]+/ { f = 1 } END { exit !f }'
}

check_U_53() {
    if ! cce_ftp_servers; then
        cce_ftp_na
        return 0
    fi
    cce_evidence "FTP: $CCE_FTP_WHY"
    _bad=''
    _manual=''
    for _s in $CCE_FTP_SERVERS; do
        case $_s in
            vsftpd)
                if ! _c=$(cce_vsftpd_conf) || ! cce_read "$_c" >/dev/null; then
                    cce_error "vsftpd is enabled but its configuration cannot be read"
                    return 0
                fi
                if _bf=$(cce_vsftpd_get "$_c" banner_file); then
                    if ! _t=$(cce_read "$_bf"); then
                        _manual="$_manual; vsftpd banner_file $_bf cannot be read (vsftpd then refuses connections)"
                        continue
                    fi
                    cce_evidence "$_c: banner_file=$_bf"
                    _u53_leaky "$_t" && _bad="$_bad; vsftpd banner_file $_bf names the software or a version"
                elif _t=$(cce_vsftpd_get "$_c" ftpd_banner); then
                    cce_evidence "$_c: ftpd_banner=$_t"
                    _u53_leaky "$_t" && _bad="$_bad; vsftpd ftpd_banner names the software or a version"
                else
                    cce_evidence "$_c: no ftpd_banner or banner_file"
                    _bad="$_bad; vsftpd uses its built-in banner with name and version"
                fi
                ;;
            proftpd)
                if ! _l=$(cce_proftpd_lines); then
                    cce_error "proftpd is enabled but proftpd.conf cannot be read"
                    return 0
                fi
                _id=$(printf '%s\n' "$_l" | awk -F '\t' '$2 == "serverident" && $1 !~ /<anonymous/ { print $3 " [" $4 "]" }')
                if [ -z "$_id" ]; then
                    _bad="$_bad; proftpd has no ServerIdent: built-in banner with name and version"
                    continue
                fi
                cce_evidence "proftpd ServerIdent: $_id"
                _leak=$(printf '%s\n' "$_id" | while IFS= read -r _v; do
                    case $_v in
                        [Oo][Ff][Ff]*) ;;
                        [Oo][Nn]*\"*)
                            _u53_leaky "${_v#*\"}" && printf 'custom text names the software or a version; ' ;;
                        *) printf 'ServerIdent on without text shows the built-in banner; ' ;;
                    esac
                done)
                [ -n "$_leak" ] && _bad="$_bad; proftpd ${_leak%; }"
                ;;
            pure-ftpd) _bad="$_bad; pure-ftpd greets with its product name (no option hides it)" ;;
            inetd-ftp) _manual="$_manual; in.ftpd banner depends on the build and its flags" ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    elif [ -n "$_manual" ]; then
        cce_manual "${_manual#; }: check the greeting"
    else
        cce_good "FTP banner names neither the software nor a version ($CCE_FTP_SERVERS)"
    fi
}
