# shellcheck shell=sh
# edition: KISA-2026
# code: U-56
# severity: low
# title_ko: FTP 서비스 접근 제어 설정
# title_en: FTP access control
# legacy: KISA-2021:U-63
# good: 특정 IP주소 또는 호스트에서만 FTP 서버에 접속할 수 있도록 접근 제어 설정을 적용한 경우
# vulnerable: FTP 서버에 접근 제어 설정을 적용하지 않은 경우
# rule: judged only when an FTP server is enabled (else NOT_APPLICABLE). The access-control files
# rule: kept from 2021 U-63 (/etc/ftpusers, /etc/vsftpd/ftpusers, /etc/vsftpd/user_list,
# rule: /etc/vsftpd.ftpusers, /etc/vsftpd.user_list) must be root-owned with no bit outside 0640,
# rule: else VULNERABLE. Host restriction read from the daemon: vsftpd tcp_wrappers=YES with a
# rule: hosts.deny rule for vsftpd or ALL (RHEL 8+ builds lack TCP wrappers), proftpd Allow/Deny
# rule: "from" rules in a <Limit LOGIN> section, in.ftpd with a hosts.deny rule for in.ftpd or ALL.
# rule: None found is MANUAL: a host firewall (U-28) may restrict the FTP port; the check cannot see
# rule: the intent.

_u56_wrapped() {  # daemon name: hosts.deny denies it (ALL or the daemon) to someone
    cce_read /etc/hosts.deny 2>/dev/null | awk -v d="$1" '
        { sub(/#.*/, "") }
        index($0, ":") {
            l = tolower(substr($0, 1, index($0, ":") - 1)); gsub(/[ \t]/, "", l)
            n = split(l, a, ",")
            for (i = 1; i <= n; i++) if (a[i] == "all" || a[i] == d) f = 1
        }
        END { exit !f }'
}

check_U_56() {
    if ! cce_ftp_servers; then
        cce_ftp_na
        return 0
    fi
    cce_evidence "FTP: $CCE_FTP_WHY"
    _bad=''
    for _f in /etc/ftpusers /etc/vsftpd/ftpusers /etc/vsftpd/user_list /etc/vsftpd.ftpusers /etc/vsftpd.user_list; do
        _m=$(cce_mode "$_f") || continue
        _u=$(cce_uid "$_f")
        cce_evidence "$_f mode $_m owner $(cce_owner_name "$_u") ($_u)"
        [ "$_u" = 0 ] || _bad="$_bad; $_f owner uid $_u is not root"
        cce_mode_within "$_m" 0640 || _bad="$_bad; $_f mode $_m exceeds 0640"
    done
    _acl=''
    for _s in $CCE_FTP_SERVERS; do
        case $_s in
            vsftpd)
                _c=$(cce_vsftpd_conf) || continue
                if [ "$(cce_vsftpd_bool "$_c" tcp_wrappers NO)" = YES ] && _u56_wrapped vsftpd; then
                    _acl="$_acl; vsftpd tcp_wrappers=YES with a hosts.deny rule"
                fi
                ;;
            proftpd)
                _l=$(cce_proftpd_lines) || continue
                _r=$(printf '%s\n' "$_l" | awk -F '\t' 'tolower($1) ~ /<limit[^>]*login/ && ($2 == "allow" || $2 == "deny") && tolower($3) ~ /^from / { print $2 " " $3 " [" $4 "]" }')
                [ -n "$_r" ] && _acl="$_acl; proftpd <Limit LOGIN>: $(printf '%s\n' "$_r" | head -n 3 | tr '\n' ' ')"
                ;;
            inetd-ftp)
                _u56_wrapped in.ftpd && _acl="$_acl; hosts.deny rule for in.ftpd"
                ;;
        esac
    done
    [ -n "$_acl" ] && cce_evidence "host restriction: ${_acl#; }"
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    elif [ -n "$_acl" ]; then
        cce_good "FTP access restricted by host: ${_acl#; }"
    else
        cce_manual "no FTP-level host restriction found ($CCE_FTP_SERVERS); confirm a firewall limits the FTP port (U-28)"
    fi
}
