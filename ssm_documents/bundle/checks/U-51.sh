# shellcheck shell=sh
# edition: KISA-2026
# code: U-51
# severity: medium
# title_ko: DNS 서비스의 취약한 동적 업데이트 설정 금지
# title_en: No insecure DNS dynamic updates
# legacy:
# good: DNS 서비스의 동적 업데이트 기능이 비활성화되었거나, 활성화 시 적절한 접근통제를 수행하고 있는 경우
# vulnerable: DNS 서비스의 동적 업데이트 기능이 활성화 중이며 적절한 접근통제를 수행하고 있지 않은 경우
# rule: named not enabled is NOT_APPLICABLE. For every master/primary zone the effective allow-update
# rule: (zone, else view, else options; BIND's default is none) or update-policy is read from
# rule: named.conf as named parses it. update-policy (TSIG/GSS-TSIG keys or "local") and allow-update
# rule: lists naming keys or addresses are access control; a list open to all (any, 0.0.0.0/0, ::/0,
# rule: directly or through an acl) is VULNERABLE. Secondary zones forward updates and are not judged.

check_U_51() {
    if ! cce_dns_enabled; then
        cce_dns_na
        return 0
    fi
    cce_evidence "named: $CCE_DNS_WHY"
    if ! _conf=$(cce_named_conf) || ! _recs=$(cce_named_records "$_conf"); then
        cce_error "named is enabled but named.conf cannot be read (/etc/named.conf, /etc/bind/named.conf${CCE_DNS_CHROOT:+ under $CCE_DNS_CHROOT})"
        return 0
    fi
    _acls=$(cce_named_acls "$_recs")
    _zones=$(cce_named_zone_lists "$_recs" allow-update)
    _bad=''
    _upd=''
    _tab=$(printf '\t')
    while IFS=$_tab read -r _z _t _l _w; do
        [ -n "$_z" ] || continue
        case $_t in master | primary) ;; *) continue ;; esac
        case $_l in
            DEFAULT) continue ;;
            update-policy*)
                cce_evidence "zone $_z $_l [$_w]"
                _upd="$_upd $_z"
                continue ;;
        esac
        cce_evidence "zone $_z allow-update $_l [$_w]"
        if cce_named_list_open "$_l" "$_acls"; then
            _bad="$_bad; $_z: allow-update $_l [$_w]"
        elif ! printf '%s\n' "$_l" | grep -q '{ *none *; *}'; then
            _upd="$_upd $_z"
        fi
    done <<EOF_ZONES
$_zones
EOF_ZONES
    if [ -n "$_bad" ]; then
        cce_vulnerable "dynamic update open to everyone: ${_bad#; }"
    elif [ -n "$_upd" ]; then
        cce_good "dynamic update restricted to keys or addresses on:$_upd"
    else
        cce_good "dynamic update disabled (no allow-update or update-policy on any primary zone)"
    fi
}
