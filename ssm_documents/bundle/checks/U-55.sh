# shellcheck shell=sh
# edition: KISA-2026
# code: U-55
# severity: medium
# title_ko: FTP 계정 shell 제한
# title_en: Restrict the shell of the FTP account
# legacy: KISA-2021:U-62
# good: FTP 계정에 /bin/false(/sbin/nologin) 쉘이 부여된 경우
# vulnerable: FTP 계정에 /bin/false(/sbin/nologin) 쉘이 부여되어 있지 않은 경우
# rule: the FTP accounts are "ftp", vsftpd's ftp_username and the User of proftpd <Anonymous>
# rule: sections, when they exist in the scanned root's passwd (judged whether or not FTP is enabled,
# rule: since the account can log in through other services). Accepted shells: /bin/false,
# rule: /usr/bin/false, /sbin/nologin, /usr/sbin/nologin, /bin/nologin; an empty shell field means
# rule: /bin/sh. No such account at all is NOT_APPLICABLE.

check_U_55() {
    if ! _pw=$(cce_passwd_entries); then
        cce_error "cannot read /etc/passwd"
        return 0
    fi
    _names=ftp
    if _c=$(cce_vsftpd_conf); then
        _fu=$(cce_vsftpd_get "$_c" ftp_username) && _names="$_names $_fu"
    fi
    if _l=$(cce_proftpd_lines 2>/dev/null); then
        _names="$_names $(printf '%s\n' "$_l" | awk -F '\t' 'tolower($1) ~ /<anonymous/ && $2 == "user" { printf "%s ", $3 }')"
    fi
    _bad=''
    _seen=''
    for _n in $_names; do
        case " $_seen " in *" $_n "*) continue ;; esac
        _sh=$(printf '%s\n' "$_pw" | awk -F: -v n="$_n" '$1 == n { print "=" $7; exit }')
        [ -n "$_sh" ] || continue
        _seen="$_seen $_n"
        _sh=${_sh#=}
        cce_evidence "$_n shell: ${_sh:-(empty: /bin/sh)}"
        case $_sh in
            /bin/false | /usr/bin/false | /sbin/nologin | /usr/sbin/nologin | /bin/nologin) ;;
            *) _bad="$_bad; $_n has shell ${_sh:-/bin/sh}" ;;
        esac
    done
    if [ -z "$_seen" ]; then
        cce_na "no FTP account (ftp, vsftpd ftp_username, proftpd anonymous User) in /etc/passwd"
    elif [ -n "$_bad" ]; then
        cce_vulnerable "FTP account with a login shell: ${_bad#; }"
    else
        cce_good "FTP accounts have no login shell:$_seen"
    fi
}
