# shellcheck shell=sh
# edition: KISA-2026
# code: U-35
# severity: high
# title_ko: 공유 서비스에 대한 익명 접근 제한 설정
# title_en: Restrict anonymous access to shared services (FTP, NFS, Samba)
# legacy: KISA-2021:U-20
# good: 공유 서비스에 대해 익명 접근을 제한한 경우
# vulnerable: 공유 서비스에 대해 익명 접근을 허용한 경우
# rule: only enabled services are judged; none enabled (FTP, NFS server, Samba) is NOT_APPLICABLE.
# rule: vsftpd: anonymous_enable as vsftpd reads it (last assignment wins; unset means vsftpd's
# rule: built-in YES). proftpd: an <Anonymous> section whose <Limit LOGIN> is not DenyAll.
# rule: pure-ftpd: NoAnonymous not "yes" while an ftp account exists. in.ftpd (xinetd/inetd): an
# rule: ftp or anonymous account not listed in /etc/ftpusers. NFS: an export to every host ("*",
# rule: 0.0.0.0/0, "(opts)" without a host, or no client at all) is anonymous access under AUTH_SYS.
# rule: Samba: a share with "guest ok"/"public" true (own or inherited from [global]) or "guest only".

_u35_has_account() {
    cce_passwd_entries 2>/dev/null | awk -F: -v n="$1" '$1 == n { f = 1 } END { exit !f }'
}

_u35_in_ftpusers() {
    cce_read /etc/ftpusers 2>/dev/null | awk -v n="$1" '{ sub(/#.*/, "") } $1 == n { f = 1 } END { exit !f }'
}

check_U_35() {
    _bad=''
    _seen=''
    if cce_ftp_servers; then
        cce_evidence "FTP: $CCE_FTP_WHY"
        for _s in $CCE_FTP_SERVERS; do
            _seen="$_seen $_s"
            case $_s in
                vsftpd)
                    if ! _c=$(cce_vsftpd_conf) || ! cce_read "$_c" >/dev/null; then
                        cce_error "vsftpd is enabled but its configuration cannot be read (/etc/vsftpd/vsftpd.conf, /etc/vsftpd.conf)"
                        return 0
                    fi
                    _a=$(cce_vsftpd_bool "$_c" anonymous_enable YES)
                    _v=$(cce_vsftpd_get "$_c" anonymous_enable) || _v='(unset: built-in default YES)'
                    cce_evidence "$_c: anonymous_enable=$_v"
                    [ "$_a" = YES ] && _bad="$_bad; vsftpd anonymous_enable=YES ($_c)"
                    ;;
                proftpd)
                    if ! _l=$(cce_proftpd_lines); then
                        cce_error "proftpd is enabled but proftpd.conf cannot be read"
                        return 0
                    fi
                    _anon=$(printf '%s\n' "$_l" | awk -F '\t' '
                        { p = tolower($1) }
                        p ~ /<anonymous/ {
                            # the section path up to and including the Anonymous element
                            i = index(p, "<anonymous"); a = substr(p, 1, i - 1) substr(p, i, index(substr(p, i), ">"))
                            sec[a] = $4
                            if (p == a "/<limit login>" && $2 == "denyall") denied[a] = 1
                        }
                        END { for (a in sec) if (!(a in denied)) print a " (" sec[a] ")" }')
                    if [ -n "$_anon" ]; then
                        cce_evidence "proftpd anonymous sections: $_anon"
                        _bad="$_bad; proftpd anonymous login: $_anon"
                    else
                        cce_evidence "proftpd: no usable <Anonymous> section"
                    fi
                    ;;
                pure-ftpd)
                    _na=$(cce_read /etc/pure-ftpd/conf/NoAnonymous 2>/dev/null | awk 'NF { print tolower($1); exit }')
                    [ -z "$_na" ] && _na=$(cce_read /etc/pure-ftpd/pure-ftpd.conf 2>/dev/null |
                        awk '$1 == "NoAnonymous" { v = tolower($2) } END { print v }')
                    cce_evidence "pure-ftpd NoAnonymous=${_na:-(unset: no)}"
                    if [ "$_na" != yes ] && _u35_has_account ftp; then
                        _bad="$_bad; pure-ftpd allows anonymous (NoAnonymous not yes, ftp account exists)"
                    fi
                    ;;
                inetd-ftp)
                    for _u in ftp anonymous; do
                        if _u35_has_account "$_u" && ! _u35_in_ftpusers "$_u"; then
                            _bad="$_bad; in.ftpd: account $_u exists and is not in /etc/ftpusers"
                        fi
                    done
                    ;;
            esac
        done
    fi
    if cce_nfs_server_enabled; then
        _seen="$_seen nfs"
        cce_evidence "NFS: $CCE_SVC_WHY"
        if ! _ex=$(cce_nfs_exports); then
            cce_error "NFS server is enabled but an export file cannot be read"
            return 0
        fi
        _world=$(printf '%s\n' "$_ex" | while IFS="$(printf '\t')" read -r _at _p _cl _o; do
            [ -n "$_at" ] || continue
            cce_nfs_client_is_world "$_cl" && printf '%s %s(%s) [%s]; ' "$_p" "$_cl" "$_o" "$_at"
        done)
        [ -n "$_world" ] && _bad="$_bad; NFS exported to every host: ${_world%; }"
        [ -n "$_ex" ] && cce_evidence "exports:" "$_ex"
    fi
    if cce_smb_enabled; then
        _seen="$_seen samba"
        cce_evidence "Samba: $CCE_SVC_WHY"
        if ! _g=$(cce_smb_guest_shares); then
            cce_error "Samba is enabled but /etc/samba/smb.conf cannot be read"
            return 0
        fi
        if [ -n "$_g" ]; then
            cce_evidence "guest shares:" "$_g"
            _bad="$_bad; Samba guest access: $(printf '%s\n' "$_g" | awk -F '\t' '{ printf "%s[%s] %s", (NR > 1 ? ", " : ""), $1, $2 }')"
        fi
    fi
    if [ -z "$_seen" ]; then
        _note=''
        cce_is_live || _note=' (offline root: running processes not checked)'
        cce_na "no shared service enabled (FTP, NFS server, Samba)$_note"
        return 0
    fi
    if [ -n "$_bad" ]; then
        cce_vulnerable "anonymous access allowed: ${_bad#; }"
    else
        cce_good "anonymous access restricted on:$_seen"
    fi
}
