# shellcheck shell=sh
# edition: KISA-2026
# code: U-61
# severity: high
# title_ko: SNMP Access Control 설정
# title_en: SNMP access control
# legacy:
# good: SNMP 서비스에 접근 제어 설정이 되어 있는 경우
# vulnerable: SNMP 서비스에 접근 제어 설정이 되어 있지 않은 경우
# rule: snmpd not enabled is NOT_APPLICABLE. An agent listening on loopback only (every agentAddress
# rule: on 127.0.0.1, ::1, localhost or a unix socket) is reachable from nowhere else: GOOD, whatever
# rule: its communities say (Debian's default "agentaddress 127.0.0.1,[::1]" with "rocommunity public
# rule: default"): every client that can reach it is on this host, and a community source could not
# rule: narrow that further than this host; the listening address is the access control there.
# rule: agentAddress lines accumulate (snmpd appends each one to the earlier ones, drop-ins
# rule: included), so every line counts: one address off loopback anywhere makes the agent reachable.
# rule: Otherwise every community must name a source narrower than everyone (not absent, "default",
# rule: 0.0.0.0/0 or ::/0), and every rouser/rwuser must require authentication (not "noauth").
# rule: agentAddress unset means snmpd's default udp:161 on all interfaces.

check_U_61() {
    if ! cce_snmp_enabled; then
        cce_snmp_na
        return 0
    fi
    cce_evidence "snmpd: $CCE_SVC_WHY"
    if ! _r=$(cce_snmp_records); then
        cce_error "snmpd is enabled but no snmpd.conf can be read"
        return 0
    fi
    # snmpd appends every agentAddress to the earlier ones
    _aa=$(printf '%s\n' "$_r" | awk -F '\t' '$1 == "agentaddress" { v = v (v == "" ? "" : ",") $2 } END { print v }')
    cce_evidence "agentAddress: ${_aa:-(unset: udp:161 on all interfaces)}"
    if [ -n "$_aa" ] && printf '%s\n' "$_aa" | awk '{
            n = split($0, a, /[ \t]*,[ \t]*/)
            for (i = 1; i <= n; i++) {
                e = tolower(a[i])
                if (e ~ /^unix:/) continue
                sub(/^(udp6?|tcp6?|dtlsudp|tlstcp):/, "", e)
                if (e ~ /^(127\.[0-9.]+|\[::1\]|localhost|::1)(:[0-9]+)?$/) continue
                bad = 1
            }
        } END { exit bad }'; then
        cce_good "snmpd listens on loopback only ($_aa): only this host reaches it, community sources are not judged"
        return 0
    fi
    _bad=''
    _tab=$(printf '\t')
    _c=$(cce_snmp_communities "$_r")
    _i=0
    while IFS=$_tab read -r _s _src _d _at; do
        [ -n "$_d" ] || continue
        _i=$((_i + 1))
        cce_evidence "secret #$_i ($_d) at $_at allows source $_src"
        case $_src in
            default | 0.0.0.0/0 | 0.0.0.0/0.0.0.0 | ::/0 | '') _bad="$_bad; secret #$_i ($_d) at $_at is open to every source" ;;
        esac
    done <<EOF_C
$_c
EOF_C
    _na=$(printf '%s\n' "$_r" | awk -F '\t' '($1 == "rouser" || $1 == "rwuser") { split($2, a, /[ \t]+/); if (tolower(a[2]) == "noauth") print "(" $1 " " a[1] " noauth) at " $3 }')
    [ -n "$_na" ] && _bad="$_bad; v3 user without authentication: $(printf '%s\n' "$_na" | tr '\n' ' ')"
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "every SNMP community names its sources and every v3 user authenticates"
    fi
}
