# shellcheck shell=sh
# edition: KISA-2026
# code: U-50
# severity: high
# title_ko: DNS ZoneTransfer 설정
# title_en: Restrict DNS zone transfers
# legacy: KISA-2021:U-34
# good: Zone Transfer를 허가된 사용자에게만 허용한 경우
# vulnerable: Zone Transfer를 모든 사용자에게 허용한 경우
# rule: named not enabled is NOT_APPLICABLE. named.conf is read as named parses it (comments,
# rule: include files, views, acl statements). For every master/primary/slave/secondary zone the
# rule: effective allow-transfer is the zone's, else its view's, else the options'; none at all means
# rule: the default of the installed BIND, read from the package database (bind9, bind, bind9.18,
# rule: bind-chroot): since BIND 9.20 (changelog GL#4728) named refuses zone transfers unless
# rule: allow-transfer is set, so an absent list is GOOD there; before 9.20 the default is any,
# rule: VULNERABLE. When the version cannot be read (no package database readable from the shell),
# rule: the pre-9.20 default any applies and the evidence says so. A list open to
# rule: all (first match reaching any, 0.0.0.0/0 or ::/0, directly or through an acl) is VULNERABLE.
# rule: The RFC 1912 local zones (localhost, 127/0/255.in-addr.arpa, ::1) hold no site data and are
# rule: not judged.

check_U_50() {
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
    _zones=$(cce_named_zone_lists "$_recs" allow-transfer)
    _opt=$(printf '%s\n' "$_recs" | awk -F '\t' '$1 == "options" && $2 == "allow-transfer" { print $3 " [" $4 "]" }')
    # the default an absent allow-transfer takes: none since BIND 9.20, any before
    _dflt=any
    if cce_pkg_version bind9 bind bind9.18 bind-chroot > /dev/null; then
        cce_version_at_least "$CCE_PKG_UPSTREAM" 9.20 && _dflt=none
        _dwhy="BIND $CCE_PKG_UPSTREAM ($CCE_PKG_NAME $CCE_PKG_VERSION per $CCE_PKG_HOW)"
    else
        case $CCE_PKG_HOW in
            dpkg | rpm) _dwhy="BIND version unknown (no BIND package in the $CCE_PKG_HOW database): the default before 9.20" ;;
            *) _dwhy="BIND version unknown (no package database readable here): the default before 9.20" ;;
        esac
    fi
    cce_evidence "absent allow-transfer means $_dflt: $_dwhy"
    cce_evidence "options allow-transfer: ${_opt:-(not set: BIND default $_dflt)}"
    _bad=''
    _n=0
    _tab=$(printf '\t')
    while IFS=$_tab read -r _z _t _l _w; do
        [ -n "$_z" ] || continue
        if _cce_named_local_zone "$_z"; then
            continue
        fi
        _n=$((_n + 1))
        cce_evidence "zone $_z ($_t) allow-transfer ${_l} [$_w]"
        if [ "$_l" = DEFAULT ]; then
            [ "$_dflt" = any ] && _bad="$_bad; $_z: no allow-transfer (default any before BIND 9.20)"
        elif cce_named_list_open "$_l" "$_acls"; then
            _bad="$_bad; $_z: allow-transfer $_l [$_w]"
        fi
    done <<EOF_ZONES
$_zones
EOF_ZONES
    if [ -n "$_bad" ]; then
        cce_vulnerable "zone transfer open to everyone: ${_bad#; }"
    elif [ "$_n" = 0 ]; then
        cce_good "no zone other than the RFC 1912 local zones is served; nothing to transfer"
    else
        cce_good "zone transfer restricted on all $_n zones"
    fi
}
