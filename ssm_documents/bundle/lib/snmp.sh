# shellcheck shell=sh
# net-snmp agent (snmpd): enablement and snmpd.conf read as snmpd reads it. Community strings are
# used only inside these functions; what they print for evidence describes a community (length and
# character classes), never its value.
#
# cce_snmp_enabled     0 when snmpd is enabled or running (live); CCE_SVC_WHY says where
# cce_snmp_na          the NOT_APPLICABLE decision of the SNMP configuration items
# cce_snmp_records     prints "directive<TAB>arguments<TAB>file:line" for every directive of the
#                      agent's configuration: /etc/snmp/snmpd.conf, snmpd.local.conf, the persistent
#                      /var/lib/net-snmp/snmpd.conf or /var/lib/snmp/snmpd.conf, and includeFile /
#                      includeDir (*.conf) files, 3 levels; directives lower-cased as snmpd matches
#                      them without case, "#" comments dropped; returns 1 when no file can be read
# cce_snmp_communities RECORDS
#                      prints "community<TAB>source<TAB>directive<TAB>file:line" for rocommunity,
#                      rwcommunity (and their 6 forms), authcommunity and com2sec (source "default"
#                      when none is given)
# cce_snmp_strength STRING    prints "default", "weak" or "ok" by the guide's rule (not public/private;
#                      letters+digits of 10 or more, or letters+digits+specials of 8 or more)
# cce_snmp_describe STRING    prints "N chars, classes" for evidence (never the string)

cce_snmp_enabled() {
    cce_service_enabled -p snmpd snmpd.service sysv:snmpd
}

cce_snmp_na() {
    _sn_note=''
    cce_is_live || _sn_note='; offline root: running processes not checked'
    cce_na "SNMP agent (snmpd) not enabled${CCE_SVC_WHY:+ ($CCE_SVC_WHY)}$_sn_note"
}

cce_snmp_records() {
    _sr_files=''
    for _sr_f in /etc/snmp/snmpd.conf /etc/snmp/snmpd.local.conf /var/lib/net-snmp/snmpd.conf /var/lib/snmp/snmpd.conf; do
        _sr_h=$(cce_path "$_sr_f")
        { [ -f "$_sr_h" ] || [ -L "$_sr_h" ]; } && _sr_files="$_sr_files $_sr_f"
    done
    [ -n "$_sr_files" ] || return 1
    _sr_level=$_sr_files
    _sr_depth=0
    _sr_out=''
    _sr_ok=0
    while [ -n "$_sr_level" ] && [ "$_sr_depth" -lt 4 ]; do
        _sr_depth=$((_sr_depth + 1))
        _sr_next=''
        for _sr_f in $_sr_level; do
            if ! _sr_txt=$(cce_read "$_sr_f"); then
                CCE_SNMP_UNREADABLE="$_sr_f"
                continue
            fi
            _sr_ok=1
            _sr_recs=$(printf '%s\n' "$_sr_txt" | awk -v f="$_sr_f" '
                { sub(/\r$/, "") }
                /^[ \t]*(#|$)/ { next }
                {
                    line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
                    d = line; sub(/[ \t].*$/, "", d)
                    a = substr(line, length(d) + 1); sub(/^[ \t]+/, "", a)
                    d = tolower(d); sub(/^\[snmpd\]/, "", d)
                    printf "%s\t%s\t%s:%d\n", d, a, f, NR
                }')
            [ -n "$_sr_recs" ] && _sr_out="$_sr_out
$_sr_recs"
            for _sr_i in $(printf '%s\n' "$_sr_recs" | awk -F '\t' '$1 == "includefile" { print "F" $2 } $1 == "includedir" { print "D" $2 }'); do
                case $_sr_i in
                    F/*) _sr_next="$_sr_next ${_sr_i#F}" ;;
                    D/*)
                        for _sr_g in "$(cce_path "${_sr_i#D}")"/*.conf; do
                            [ -f "$_sr_g" ] && _sr_next="$_sr_next ${_sr_i#D}/${_sr_g##*/}"
                        done ;;
                esac
            done
        done
        _sr_level=$_sr_next
    done
    [ "$_sr_ok" = 1 ] && [ -z "${CCE_SNMP_UNREADABLE:-}" ] || return 1
    printf '%s\n' "${_sr_out#?}"
}

cce_snmp_communities() {
    printf '%s\n' "$1" | awk -F '\t' '
        $1 ~ /^r[ow]community6?$/ || $1 == "authcommunity" {
            n = split($2, a, /[ \t]+/)
            k = ($1 == "authcommunity") ? 2 : 1
            c = a[k]; s = (n > k && a[k + 1] !~ /^-/) ? a[k + 1] : "default"
            printf "%s\t%s\t%s\t%s\n", c, s, $1, $3
        }
        $1 ~ /^com2sec6?$/ {
            n = split($2, a, /[ \t]+/)
            i = 1; if (a[1] == "-Cn") i = 3
            printf "%s\t%s\t%s\t%s\n", a[i + 2], a[i + 1], $1, $3
        }'
}

cce_snmp_strength() {
    printf '%s\n' "$1" | awk '{
        s = $0; l = tolower(s)
        if (l == "public" || l == "private") { print "default"; exit }
        al = (s ~ /[A-Za-z]/); dg = (s ~ /[0-9]/); sp = (s ~ /[^A-Za-z0-9]/)
        n = length(s)
        if ((al && dg && n >= 10) || (al && dg && sp && n >= 8)) print "ok"; else print "weak"
    }'
}

cce_snmp_describe() {
    printf '%s\n' "$1" | awk '{
        s = $0; c = ""
        if (s ~ /[A-Za-z]/) c = c "letters"
        if (s ~ /[0-9]/) c = c (c == "" ? "" : "+") "digits"
        if (s ~ /[^A-Za-z0-9]/) c = c (c == "" ? "" : "+") "specials"
        l = tolower(s)
        printf "%d chars, %s%s\n", length(s), (c == "" ? "empty" : c), ((l == "public" || l == "private") ? ", a default name" : "")
    }'
}
