# shellcheck shell=sh
# edition: KISA-2026
# code: U-60
# severity: medium
# title_ko: SNMP Community String 복잡성 설정
# title_en: SNMP community string complexity
# legacy: KISA-2021:U-67
# good: 기본값 public/private이 아니며 영문+숫자 10자리 이상 또는 영문+숫자+특수문자 8자리 이상 (v3는 인증 비밀번호 복잡도 충족)
# vulnerable: public/private 이거나, 영문+숫자 10자리 미만 또는 영문+숫자+특수문자 8자리 미만인 경우
# rule: snmpd not enabled is NOT_APPLICABLE. Every community of rocommunity/rwcommunity (6 forms),
# rule: authcommunity and com2sec, and every clear-text createUser passphrase (auth and priv), must
# rule: pass: not public/private (any case), and letters+digits of 10 or more characters or
# rule: letters+digits+specials of 8 or more. v3 users stored only as localized keys (usmUser) cannot
# rule: be judged: MANUAL when they are all there is. Evidence describes each string by length and
# rule: character classes, never its value.

check_U_60() {
    if ! cce_snmp_enabled; then
        cce_snmp_na
        return 0
    fi
    cce_evidence "snmpd: $CCE_SVC_WHY"
    if ! _r=$(cce_snmp_records); then
        cce_error "snmpd is enabled but no snmpd.conf can be read"
        return 0
    fi
    _bad=''
    _n=0
    _tab=$(printf '\t')
    _c=$(cce_snmp_communities "$_r")
    while IFS=$_tab read -r _s _src _d _at; do
        [ -n "$_d" ] || continue
        _n=$((_n + 1))
        _st=$(cce_snmp_strength "$_s")
        cce_evidence "secret #$_n ($_d) at $_at is $(cce_snmp_describe "$_s") -> $_st"
        [ "$_st" = ok ] || _bad="$_bad; secret #$_n ($_d) at $_at is $_st"
    done <<EOF_C
$_c
EOF_C
    _p=$(printf '%s\n' "$_r" | awk -F '\t' '$1 == "createuser" {
        n = split($2, a, /[ \t]+/); i = 2
        if (a[i] == "-e") i += 2
        if (a[i] ~ /^(MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512)$/) { i++; print "auth\t" a[i] "\t" $3; i++
            if (a[i] ~ /^(DES|AES|AES-128|AES-192|AES-256)$/ && i < n) print "priv\t" a[i + 1] "\t" $3 }
    }')
    while IFS=$_tab read -r _k _s _at; do
        [ -n "$_k" ] || continue
        _n=$((_n + 1))
        _s=${_s#\"}
        _s=${_s%\"}
        _st=$(cce_snmp_strength "$_s")
        cce_evidence "secret #$_n (createUser $_k pass phrase) at $_at is $(cce_snmp_describe "$_s") -> $_st"
        [ "$_st" = ok ] || _bad="$_bad; secret #$_n (createUser $_k pass phrase) at $_at is $_st"
    done <<EOF_P
$_p
EOF_P
    if [ -n "$_bad" ]; then
        cce_vulnerable "weak SNMP secrets: ${_bad#; }"
    elif [ "$_n" -gt 0 ]; then
        cce_good "all $_n SNMP communities/passphrases meet the complexity rule"
    elif printf '%s\n' "$_r" | awk -F '\t' '$1 == "usmuser" || $1 == "rouser" || $1 == "rwuser" { f = 1 } END { exit !f }'; then
        cce_manual "v3 users are stored as localized keys only; their passphrase complexity cannot be checked on the host"
    else
        cce_good "no SNMP community or passphrase configured"
    fi
}
