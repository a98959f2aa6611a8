# shellcheck shell=sh
# edition: KISA-2026
# code: U-59
# severity: high
# title_ko: 안전한 SNMP 버전 사용
# title_en: Use a secure SNMP version (v3)
# legacy:
# good: SNMP 서비스를 v3 이상으로 사용하는 경우
# vulnerable: SNMP 서비스를 v2 이하로 사용하는 경우
# rule: snmpd not enabled is NOT_APPLICABLE. snmpd.conf and the files it reads (snmpd.local.conf, the
# rule: persistent file, includeFile/includeDir) are read as snmpd does. v1/v2c is in use when any
# rule: rocommunity, rwcommunity (or 6 forms), authcommunity, or a VACM "group" with model v1 or v2c
# rule: exists: VULNERABLE. Only v3 users (rouser, rwuser, createUser, usmUser, usm groups) is GOOD; no
# rule: access configured at all answers no request and is GOOD too.

check_U_59() {
    if ! cce_snmp_enabled; then
        cce_snmp_na
        return 0
    fi
    cce_evidence "snmpd: $CCE_SVC_WHY"
    if ! _r=$(cce_snmp_records); then
        cce_error "snmpd is enabled but no snmpd.conf can be read"
        return 0
    fi
    _v12=$(printf '%s\n' "$_r" | awk -F '\t' '
        $1 ~ /^r[ow]community6?$/ || $1 == "authcommunity" { print "(" $1 ") at " $3; next }
        $1 == "group" { split($2, a, /[ \t]+/); if (a[2] == "v1" || a[2] == "v2c") print "(group " a[1] " " a[2] ") at " $3 }')
    _v3=$(printf '%s\n' "$_r" | awk -F '\t' '
        $1 == "rouser" || $1 == "rwuser" || $1 == "createuser" || $1 == "usmuser" { print "(" $1 ") at " $3; next }
        $1 == "group" { split($2, a, /[ \t]+/); if (a[2] == "usm") print "(group " a[1] " usm) at " $3 }')
    [ -n "$_v12" ] && cce_evidence "v1/v2c access:" "$_v12"
    [ -n "$_v3" ] && cce_evidence "v3 access:" "$_v3"
    if [ -n "$_v12" ]; then
        cce_vulnerable "SNMP v1/v2c community access configured: $(printf '%s\n' "$_v12" | head -n 3 | tr '\n' ';' | sed 's/;$//')"
    elif [ -n "$_v3" ]; then
        cce_good "SNMP access is v3 (USM) only"
    else
        cce_good "no SNMP community or user configured: snmpd answers no request"
    fi
}
