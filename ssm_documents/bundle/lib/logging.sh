# shellcheck shell=sh
# shellcheck disable=SC2034  # CCE_TIME_* results are read by the checks
# Logging and time sync readers: rsyslog rules, journald storage, chrony/ntpd/timesyncd sources.
#
# cce_rsyslog_files    prints rsyslog.conf and the files it includes ($IncludeConfig and
#                      include(file=...) globs, 3 levels), root-relative; 1 when no rsyslog.conf
# cce_rsyslog_rules FILES...
#                      prints "selector<TAB>action<TAB>file:line" for every classic selector rule
#                      (RainerScript if/property filters and $directives are skipped)
# cce_rsyslog_coverage RULES FACILITY...
#                      prints "facility<TAB>yes|no" per facility: whether a message of that facility
#                      at level info reaches a file or a remote host, applying each selector's
#                      parts in order ("none", "!level", "=level", "*")
# cce_rsyslog_directive FILES NAME   last value of a legacy "$NAME value" directive
# cce_journald_storage prints journald's effective Storage= (journald.conf then drop-ins of
#                      /usr/lib, /run, /etc journald.conf.d in name order, last wins) and, for auto,
#                      whether /var/log/journal exists: "persistent", "volatile", "none" or "auto:...".
# cce_time_sources     sets CCE_TIME_DAEMON (chrony, ntpd, timesyncd or empty), CCE_TIME_WHY and
#                      CCE_TIME_SOURCES (server/pool/peer lines, or timesyncd NTP=/FallbackNTP=)

_cce_glob_rel() {  # root-relative glob -> existing regular files, root-relative
    _gr_r=$(cce_path /)
    _gr_r=${_gr_r%/}
    # shellcheck disable=SC2086  # the argument is a glob on purpose
    for _gr_f in $_gr_r$1; do
        [ -f "$_gr_f" ] && printf '%s\n' "${_gr_f#"$_gr_r"}"
    done
    return 0
}

cce_rsyslog_files() {
    _rf_h=$(cce_path /etc/rsyslog.conf)
    [ -f "$_rf_h" ] || [ -L "$_rf_h" ] || return 1
    _rf_all=/etc/rsyslog.conf
    _rf_level=/etc/rsyslog.conf
    _rf_d=0
    while [ -n "$_rf_level" ] && [ "$_rf_d" -lt 3 ]; do
        _rf_d=$((_rf_d + 1))
        _rf_next=''
        for _rf_f in $_rf_level; do
            for _rf_g in $(cce_read "$_rf_f" 2>/dev/null | awk '
                    $1 == "$IncludeConfig" { print $2 }
                    /^[ \t]*include[ \t]*\(/ { if (match($0, /file="[^"]*"/)) print substr($0, RSTART + 6, RLENGTH - 7) }'); do
                case $_rf_g in /*) ;; *) continue ;; esac
                case $_rf_g in */) _rf_g="${_rf_g}*" ;; esac
                _rf_next="$_rf_next $(_cce_glob_rel "$_rf_g" | tr '\n' ' ')"
            done
        done
        _rf_all="$_rf_all $_rf_next"
        _rf_level=$(printf '%s' "$_rf_next" | tr -s ' ')
        _rf_level=${_rf_level# }
    done
    printf '%s\n' "$_rf_all" | tr -s ' '
}

cce_rsyslog_rules() {
    for _rr_f in "$@"; do
        cce_read "$_rr_f" 2>/dev/null | awk -v f="$_rr_f" '
            {
                sub(/\r$/, "")
                # a legacy line ending in a backslash continues on the next (leading blanks dropped)
                if (cont != "") { l = $0; sub(/^[ \t]+/, "", l); $0 = cont l; cont = "" } else ln = NR
                if ($0 ~ /\\$/ && $0 !~ /^[ \t]*#/) { cont = substr($0, 1, length($0) - 1); next }
            }
            /^[ \t]*(#|$)/ { next }
            /^[ \t]*[$:&]/ { next }
            /^[ \t]*(if|module|input|global|template|ruleset|main_queue|parser|lookup_table|include|set|unset|call|foreach|stop|action|else|\}|\))/ { next }
            {
                line = $0; sub(/^[ \t]+/, "", line)
                sel = line; sub(/[ \t].*$/, "", sel)
                act = substr(line, length(sel) + 1); sub(/^[ \t]+/, "", act)
                if (sel !~ /\./ || act == "") next
                printf "%s\t%s\t%s:%d\n", sel, act, f, ln
            }'
    done
}

cce_rsyslog_coverage() {
    _rc_rules=$1
    shift
    printf '%s\n' "$_rc_rules" | awk -F '\t' -v facs="$*" '
        function lvl(s) {
            if (s == "*" || s == "debug") return 7
            if (s == "info") return 6
            if (s == "notice") return 5
            if (s == "warning" || s == "warn") return 4
            if (s == "err" || s == "error") return 3
            if (s == "crit") return 2
            if (s == "alert") return 1
            if (s == "emerg" || s == "panic") return 0
            return -1
        }
        function stores(a) {
            if (a ~ /^-?\/dev\//) return 0
            if (a ~ /^-?\//) return 1
            if (a ~ /^@/) return 1
            if (a ~ /type="?(omfile|omfwd|omrelp)/) return 1
            return 0
        }
        BEGIN { nf = split(facs, F, " ") }
        NF >= 2 {
            if (!stores($2)) next
            n = split($1, parts, ";")
            for (k = 1; k <= nf; k++) {
                m = 0
                for (i = 1; i <= n; i++) {
                    d = index(parts[i], "."); if (!d) continue
                    fl = "," substr(parts[i], 1, d - 1) ","; p = substr(parts[i], d + 1)
                    if (index(fl, "," F[k] ",") == 0 && index(fl, ",*,") == 0) continue
                    if (p == "none") { m = 0; continue }
                    neg = 0; eq = 0
                    if (substr(p, 1, 1) == "!") { neg = 1; p = substr(p, 2) }
                    if (substr(p, 1, 1) == "=") { eq = 1; p = substr(p, 2) }
                    L = lvl(p); if (L < 0) continue
                    hit = eq ? (L == 6) : (L >= 6)
                    if (neg) { if (hit) m = 0 } else if (hit) m = 1
                }
                if (m) cov[F[k]] = 1
            }
        }
        END { for (k = 1; k <= nf; k++) printf "%s\t%s\n", F[k], (cov[F[k]] ? "yes" : "no") }'
}

cce_rsyslog_directive() {
    _rd_name=$2
    for _rd_f in $1; do
        cce_read "$_rd_f" 2>/dev/null
    done | awk -v n="\$$_rd_name" '$1 == n { v = $2 } END { print v }'
}

cce_journald_storage() {
    _js_files=/etc/systemd/journald.conf
    _js_files="$_js_files $( {
        for _js_d in /usr/lib/systemd/journald.conf.d /lib/systemd/journald.conf.d /run/systemd/journald.conf.d /etc/systemd/journald.conf.d; do
            _cce_glob_rel "$_js_d/*.conf"
        done
    } | awk -F/ '{ print $NF "\t" $0 }' | sort -t "$(printf '\t')" -k1,1 -s | cut -f2 | tr '\n' ' ')"
    _js_v=$(for _js_f in $_js_files; do cce_read "$_js_f" 2>/dev/null; done | awk -F= '
        /^[ \t]*\[/ { s = $0; gsub(/[ \t\[\]]/, "", s); next }
        s == "Journal" && $1 ~ /^[ \t]*Storage[ \t]*$/ { v = $2; gsub(/[ \t]/, "", v) }
        END { print v }')
    case ${_js_v:-auto} in
        auto)
            if [ -d "$(cce_path /var/log/journal)" ]; then echo 'auto:persistent'; else echo 'auto:volatile'; fi ;;
        *) printf '%s\n' "$_js_v" ;;
    esac
}

cce_time_sources() {
    CCE_TIME_DAEMON=''
    CCE_TIME_WHY=''
    CCE_TIME_SOURCES=''
    CCE_TIME_ERROR=''
    if cce_service_enabled -p chronyd chronyd.service chrony.service sysv:chrony; then
        CCE_TIME_DAEMON=chrony
        CCE_TIME_WHY=$CCE_SVC_WHY
        _ts_main=$(cce_svc_first_file /etc/chrony.conf /etc/chrony/chrony.conf) || return 0
        if ! cce_read "$_ts_main" >/dev/null; then
            CCE_TIME_ERROR="cannot read $_ts_main"
            return 0
        fi
        _ts_files=$_ts_main
        for _ts_spec in $(cce_read "$_ts_main" 2>/dev/null | awk '
                $1 == "include" { for (i = 2; i <= NF; i++) print "F" $i }
                $1 == "confdir" { for (i = 2; i <= NF; i++) print "C" $i }
                $1 == "sourcedir" { for (i = 2; i <= NF; i++) print "S" $i }'); do
            case $_ts_spec in
                F/*) _ts_files="$_ts_files $(_cce_glob_rel "${_ts_spec#F}" | tr '\n' ' ')" ;;
                C/*) _ts_files="$_ts_files $(_cce_glob_rel "${_ts_spec#C}/*.conf" | tr '\n' ' ')" ;;
                S/*) _ts_files="$_ts_files $(_cce_glob_rel "${_ts_spec#S}/*.sources" | tr '\n' ' ')" ;;
            esac
        done
        for _ts_f in $_ts_files; do
            _ts_s=$(cce_read "$_ts_f" 2>/dev/null | awk -v f="$_ts_f" '$1 == "server" || $1 == "pool" || $1 == "peer" || $1 == "refclock" { print $1 " " $2 " [" f ":" NR "]" }')
            [ -n "$_ts_s" ] && CCE_TIME_SOURCES="$CCE_TIME_SOURCES
$_ts_s"
        done
    elif cce_service_enabled -p ntpd ntpd.service ntp.service ntpsec.service sysv:ntp sysv:ntpd sysv:ntpsec; then
        CCE_TIME_DAEMON=ntpd
        CCE_TIME_WHY=$CCE_SVC_WHY
        for _ts_f in /etc/ntp.conf /etc/ntpsec/ntp.conf; do
            _ts_h=$(cce_path "$_ts_f")
            if [ -L "$_ts_h" ] && ! cce_read "$_ts_f" >/dev/null; then
                CCE_TIME_ERROR="cannot read $_ts_f"
                return 0
            fi
            _ts_s=$(cce_read "$_ts_f" 2>/dev/null | awk -v f="$_ts_f" '$1 == "server" || $1 == "pool" || $1 == "peer" { print $1 " " $2 " [" f ":" NR "]" }')
            [ -n "$_ts_s" ] && CCE_TIME_SOURCES="$CCE_TIME_SOURCES
$_ts_s"
        done
    elif cce_service_enabled -p systemd-timesyncd systemd-timesyncd.service; then
        CCE_TIME_DAEMON=timesyncd
        CCE_TIME_WHY=$CCE_SVC_WHY
        _ts_files="/etc/systemd/timesyncd.conf $(for _ts_d in /usr/lib/systemd/timesyncd.conf.d /lib/systemd/timesyncd.conf.d /etc/systemd/timesyncd.conf.d; do _cce_glob_rel "$_ts_d/*.conf"; done | tr '\n' ' ')"
        CCE_TIME_SOURCES=$(for _ts_f in $_ts_files; do cce_read "$_ts_f" 2>/dev/null; done | awk -F= '
            /^[ \t]*\[/ { s = $0; gsub(/[ \t\[\]]/, "", s); next }
            s == "Time" && $1 ~ /^[ \t]*NTP[ \t]*$/ { n = $2 }
            s == "Time" && $1 ~ /^[ \t]*FallbackNTP[ \t]*$/ { fb = $2; hasfb = 1 }
            END {
                gsub(/^[ \t]+|[ \t]+$/, "", n)
                if (n != "") print "NTP=" n
                else if (hasfb && fb ~ /[^ \t]/) print "FallbackNTP=" fb
                else if (!hasfb) print "FallbackNTP (built-in distribution default)"
            }')
    fi
    CCE_TIME_SOURCES=$(printf '%s\n' "$CCE_TIME_SOURCES" | awk 'NF')
    return 0
}
