# shellcheck shell=sh
# edition: KISA-2026
# code: U-47
# severity: high
# title_ko: 스팸 메일 릴레이 제한
# title_en: Restrict mail relaying
# legacy: KISA-2021:U-31
# good: 릴레이 제한이 설정된 경우
# vulnerable: 릴레이 제한이 설정되어 있지 않은 경우
# rule: no MTA enabled is NOT_APPLICABLE. sendmail: sendmail.cf carries the "Relaying denied" rule
# rule: and sendmail.mc has no FEATURE(promiscuous_relay). postfix: inet_interfaces loopback-only or
# rule: localhost (no outside client), or smtpd_relay_restrictions (default ends in
# rule: defer_unauth_destination) or smtpd_recipient_restrictions holding reject_unauth_destination,
# rule: defer_unauth_destination or reject with no bare "permit" before it; mynetworks covering every
# rule: address (0.0.0.0/0, ::/0) is an open relay. exim: relay_from_hosts (or Debian's dc_relay_nets)
# rule: must not cover every address.

_u47_wide() {
    printf '%s\n' "$1" | awk '{ gsub(/[,;<]/, " ") } { for (i = 1; i <= NF; i++) if ($i ~ /^(0\.0\.0\.0\/0|::\/0|\[::\]\/0|\*|0\/0)$/) f = 1 } END { exit !f }'
}

_u47_restricts() {  # a postfix restriction list: 0 when it stops unauthorised relaying
    printf '%s\n' "$1" | awk '{ gsub(/,/, " ") }
        { for (i = 1; i <= NF; i++) {
            if ($i == "permit") exit 1
            if ($i == "reject_unauth_destination" || $i == "defer_unauth_destination" || $i == "reject" || $i == "defer") { f = 1; exit }
        } }
        END { exit !f }'
}

check_U_47() {
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
                if ! _cf=$(cce_read /etc/mail/sendmail.cf); then
                    cce_error "sendmail is enabled but /etc/mail/sendmail.cf cannot be read"
                    return 0
                fi
                _pr=$(cce_read /etc/mail/sendmail.mc 2>/dev/null | awk '/^[ \t]*dnl/ { next } /FEATURE\([`'"'"']?promiscuous_relay/ { print NR }')
                if [ -n "$_pr" ]; then
                    _bad="$_bad; sendmail.mc enables promiscuous_relay (line $_pr)"
                elif printf '%s\n' "$_cf" | grep -q 'Relaying denied'; then
                    _ok="$_ok; sendmail.cf denies relaying"
                    cce_evidence "sendmail.cf: Relaying denied rule present"
                else
                    _bad="$_bad; sendmail.cf has no \"Relaying denied\" rule"
                fi
                ;;
            postfix)
                if ! _ii=$(cce_postconf inet_interfaces all); then
                    cce_error "postfix is enabled but /etc/postfix/main.cf cannot be read"
                    return 0
                fi
                _rr=$(cce_postconf smtpd_relay_restrictions 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination')
                _rc=$(cce_postconf smtpd_recipient_restrictions '')
                _mn=$(cce_postconf mynetworks '(default: mynetworks_style)')
                cce_evidence "main.cf inet_interfaces=$_ii" "smtpd_relay_restrictions=$_rr" \
                    "smtpd_recipient_restrictions=$_rc" "mynetworks=$_mn"
                case $_ii in
                    loopback-only | localhost | 127.0.0.1 | '127.0.0.1, [::1]' | '127.0.0.1 [::1]')
                        _ok="$_ok; postfix listens on loopback only"
                        continue ;;
                esac
                if _u47_wide "$_mn"; then
                    _bad="$_bad; postfix mynetworks covers every address ($_mn)"
                elif _u47_restricts "$_rr" || _u47_restricts "$_rc"; then
                    _ok="$_ok; postfix rejects unauthorised relaying"
                else
                    _bad="$_bad; postfix relay restrictions do not reject unauthorised destinations"
                fi
                ;;
            exim)
                _rn=$(cce_read /etc/exim4/update-exim4.conf.conf 2>/dev/null | awk -F= '$1 == "dc_relay_nets" { v = $2 } END { gsub(/\047/, "", v); print v }')
                if [ -z "$_rn" ] && _c=$(cce_exim_conf); then
                    _rn=$(cce_read "$_c" | awk '$1 == "hostlist" && $2 == "relay_from_hosts" { sub(/^[^=]*=[ \t]*/, ""); v = $0 } END { print v }')
                fi
                cce_evidence "exim relay_from_hosts/dc_relay_nets=${_rn:-(empty)}"
                if _u47_wide "$_rn"; then
                    _bad="$_bad; exim relays for every address ($_rn)"
                else
                    _ok="$_ok; exim relays only for ${_rn:-local senders}"
                fi
                ;;
        esac
    done
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "relaying restricted: ${_ok#; }"
    fi
}
