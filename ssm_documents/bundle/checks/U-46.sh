# shellcheck shell=sh
# edition: KISA-2026
# code: U-46
# severity: high
# title_ko: 일반 사용자의 메일 서비스 실행 방지
# title_en: Prevent ordinary users from running the mail queue
# legacy: KISA-2021:U-32
# good: 일반 사용자의 메일 서비스 실행 방지가 설정된 경우
# vulnerable: 일반 사용자의 메일 서비스 실행 방지가 설정되어 있지 않은 경우
# rule: no MTA enabled is NOT_APPLICABLE. sendmail: PrivacyOptions of sendmail.cf hold restrictqrun.
# rule: postfix: either the guide's remedy (/usr/sbin/postsuper without the other-execute bit) or
# rule: postfix's own control (authorized_flush_users other than its default static:anyone).
# rule: exim: prod_requires_admin (default true) not turned off.

check_U_46() {
    if ! cce_mta_enabled; then
        cce_mta_na
        return 0
    fi
    cce_evidence "MTA: $CCE_MTA_WHY"
    _bad=''
    _ok=''
    for _m in $CCE_MTA; do
        case $_m in
            sendmail)
                if ! _p=$(cce_sendmail_privacy); then
                    cce_error "sendmail is enabled but /etc/mail/sendmail.cf cannot be read"
                    return 0
                fi
                cce_evidence "sendmail.cf PrivacyOptions=${_p:-(none)}"
                case ",$_p," in
                    *,restrictqrun,*) _ok="$_ok; sendmail restrictqrun" ;;
                    *) _bad="$_bad; sendmail PrivacyOptions lack restrictqrun" ;;
                esac
                ;;
            postfix)
                if ! _af=$(cce_postconf authorized_flush_users static:anyone); then
                    cce_error "postfix is enabled but /etc/postfix/main.cf cannot be read"
                    return 0
                fi
                _ps=$(cce_mode /usr/sbin/postsuper 2>/dev/null) || _ps=''
                cce_evidence "main.cf authorized_flush_users=$_af" "/usr/sbin/postsuper mode ${_ps:-(missing)}"
                if [ -n "$_ps" ] && cce_mode_within "$_ps" 7776; then
                    _ok="$_ok; postfix postsuper $_ps without other-execute"
                elif [ "$_af" != static:anyone ]; then
                    _ok="$_ok; postfix authorized_flush_users=$_af"
                else
                    _bad="$_bad; postfix lets any user flush the queue (authorized_flush_users=static:anyone, postsuper ${_ps:-missing})"
                fi
                ;;
            exim)
                if ! _c=$(cce_exim_conf) || ! cce_read "$_c" >/dev/null; then
                    cce_error "exim is enabled but its configuration cannot be read"
                    return 0
                fi
                _pr=$(cce_exim_option "$_c" prod_requires_admin) || _pr='true (default)'
                cce_evidence "$_c: prod_requires_admin=$_pr"
                case $_pr in
                    false | no) _bad="$_bad; exim prod_requires_admin is off" ;;
                    *) _ok="$_ok; exim prod_requires_admin=$_pr" ;;
                esac
                ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "queue runs restricted: ${_ok#; }"
    fi
}
