# shellcheck shell=sh
# edition: KISA-2026
# code: U-48
# severity: medium
# title_ko: expn, vrfy 명령어 제한
# title_en: Restrict the SMTP EXPN and VRFY commands
# legacy: KISA-2021:U-70
# good: noexpn, novrfy 옵션이 설정된 경우
# vulnerable: noexpn, novrfy 옵션이 설정되어 있지 않은 경우
# rule: no MTA enabled is NOT_APPLICABLE. sendmail: PrivacyOptions hold noexpn and novrfy, or goaway
# rule: (which includes both). postfix: disable_vrfy_command = yes (postfix never implements EXPN).
# rule: exim: no acl_smtp_vrfy and no acl_smtp_expn (without them exim refuses both commands).

check_U_48() {
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
                    *,goaway,*) _ok="$_ok; sendmail goaway" ;;
                    *,noexpn,*novrfy,* | *,novrfy,*noexpn,*) _ok="$_ok; sendmail noexpn,novrfy" ;;
                    *) _bad="$_bad; sendmail PrivacyOptions lack noexpn and novrfy" ;;
                esac
                ;;
            postfix)
                if ! _dv=$(cce_postconf disable_vrfy_command no); then
                    cce_error "postfix is enabled but /etc/postfix/main.cf cannot be read"
                    return 0
                fi
                cce_evidence "main.cf disable_vrfy_command=$_dv"
                case $_dv in
                    yes | true) _ok="$_ok; postfix disable_vrfy_command=yes" ;;
                    *) _bad="$_bad; postfix answers VRFY (disable_vrfy_command=$_dv)" ;;
                esac
                ;;
            exim)
                if ! _c=$(cce_exim_conf) || ! cce_read "$_c" >/dev/null; then
                    cce_error "exim is enabled but its configuration cannot be read"
                    return 0
                fi
                _acl=''
                _v=$(cce_exim_option "$_c" acl_smtp_vrfy) && _acl="$_acl acl_smtp_vrfy=$_v"
                _v=$(cce_exim_option "$_c" acl_smtp_expn) && _acl="$_acl acl_smtp_expn=$_v"
                cce_evidence "$_c:${_acl:- no acl_smtp_vrfy or acl_smtp_expn}"
                if [ -n "$_acl" ]; then
                    _bad="$_bad; exim answers VRFY/EXPN through$_acl"
                else
                    _ok="$_ok; exim refuses VRFY and EXPN"
                fi
                ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "${_ok#; }"
    fi
}
