# shellcheck shell=sh
# lib/sshd.sh: the effective sshd configuration.
#
#   cce_sshd_present          true when the root has an OpenSSH server (sshd_config, the sshd binary,
#                             its systemd unit or init script)
#   cce_sshd_lines            the flattened configuration, one line per directive:
#                             SOURCE<TAB>SCOPE<TAB>keyword<TAB>value  (SOURCE path:line, SCOPE "global" or
#                             "Match CRITERIA" as the Match line wrote them, e.g. "Match Address 10.0.0.0/8";
#                             keyword lowercased); Include drop-ins expanded in place (globs sorted,
#                             relative patterns under /etc/ssh), depth <= 16
#   cce_sshd_value KEYWORD    the effective global value: on a live host `sshd -T` when it works, else
#                             the first global occurrence (sshd uses the first value it reads), else
#                             the OpenSSH default; prints nothing and returns 1 when unknown
#   cce_sshd_where KEYWORD    where that value comes from: "sshd -T", "path:line", or "OpenSSH default"
#   cce_sshd_match_values KEYWORD
#                             every value KEYWORD takes inside a Match block (sshd -T shows none of them):
#                             "SOURCE<TAB>Match CRITERIA<TAB>value" lines; nothing when none
#   cce_sshd_t_value KEYWORD  reads `sshd -T` output on stdin ("keyword value" lines, keywords
#                             lowercase) and prints KEYWORD's value as sshd printed it (the first
#                             line of a repeated keyword such as port; older OpenSSH prints
#                             without-password for prohibit-password); returns 1 when absent
#
# Match blocks: lines after "Match" (until "Match all" or the end of the file holding the Match)
# are not global; Include inside a Match block inherits the match scope.

cce_sshd_present() {
    local r p
    r=${CCE_ROOT%/}
    for p in /etc/ssh/sshd_config /usr/sbin/sshd /usr/bin/sshd /usr/lib/systemd/system/sshd.service \
        /usr/lib/systemd/system/ssh.service /lib/systemd/system/ssh.service /etc/init.d/ssh /etc/init.d/sshd; do
        [ -e "$r$p" ] && return 0
    done
    return 1
}

cce__sshd_file() {
    # $1 root-relative file, $2 depth, $3 inherited scope
    local file depth scope us src kw val pat f rel
    file=$1
    depth=$2
    scope=$3
    [ "$depth" -gt 16 ] && return 0
    us=$(printf '\037')
    cce_read "$file" 2> /dev/null | awk -v us="$us" '
        { sub(/\r$/, "") }
        /^[ \t]*#/ || /^[ \t]*$/ { next }
        {
            line = $0
            sub(/^[ \t]+/, "", line)
            if (match(line, /^[A-Za-z0-9]+[ \t]*=[ \t]*/) || match(line, /^[A-Za-z0-9]+[ \t]+/)) {
                kw = substr(line, 1, RLENGTH); val = substr(line, RLENGTH + 1)
                sub(/[ \t=]+$/, "", kw)
            } else { kw = line; val = "" }
            sub(/[ \t]+$/, "", val)
            if (val ~ /^".*"$/) val = substr(val, 2, length(val) - 2)
            printf "%d%s%s%s%s\n", FNR, us, tolower(kw), us, val
        }' | while IFS="$us" read -r src kw val; do
        case $kw in
            include)
                for pat in $val; do
                    case $pat in /*) ;; *) pat=/etc/ssh/$pat ;; esac
                    for f in $(cce_path "$pat"); do
                        [ -e "$f" ] || continue
                        rel=${f#"${CCE_ROOT%/}"}
                        cce__sshd_file "$rel" "$((depth + 1))" "$scope"
                    done
                done
                ;;
            match)
                case $val in
                    [Aa][Ll][Ll]) scope=global ;;
                    *) scope="Match $(printf '%s' "$val" | tr '\t' ' ')" ;;
                esac
                ;;
            *)
                printf '%s:%s\t%s\t%s\t%s\n' "$file" "$src" "$scope" "$kw" "$val"
                ;;
        esac
    done
}

cce_sshd_lines() {
    local cache
    if [ -z "${CCE_STAGE:-}" ] || [ ! -d "${CCE_STAGE:-}" ]; then
        cce__sshd_file /etc/ssh/sshd_config 0 global
        return
    fi
    cache=$CCE_STAGE/cache.sshd
    if [ ! -f "$cache" ]; then
        cce__sshd_file /etc/ssh/sshd_config 0 global > "$cache.$$"
        mv -f "$cache.$$" "$cache"
    fi
    cat "$cache"
}

cce__sshd_default() {
    case $1 in
        permitrootlogin) echo prohibit-password ;;
        passwordauthentication) echo yes ;;
        permitemptypasswords) echo no ;;
        pubkeyauthentication) echo yes ;;
        maxauthtries) echo 6 ;;
        logingracetime) echo 120 ;;
        x11forwarding) echo no ;;
        banner) echo none ;;
        clientaliveinterval) echo 0 ;;
        clientalivecountmax) echo 3 ;;
        usepam) echo no ;;
        hostbasedauthentication) echo no ;;
        ignorerhosts) echo yes ;;
        permituserenvironment) echo no ;;
        port) echo 22 ;;
        protocol) echo 2 ;;
        printmotd) echo yes ;;
        loglevel) echo INFO ;;
        syslogfacility) echo AUTH ;;
        allowtcpforwarding) echo yes ;;
        maxsessions) echo 10 ;;
        *) return 1 ;;
    esac
}

# sshd -T once per run (cached in the staging directory); live hosts only.
cce__sshd_t() {
    local cache
    cce_is_live || return 1
    cache=${CCE_STAGE:-/nonexistent}/sshd-T
    if [ ! -f "$cache.done" ] && [ -n "${CCE_STAGE:-}" ]; then
        if command -v sshd > /dev/null 2>&1; then
            # written aside and moved into place: items may run two at a time
            if command -v timeout > /dev/null 2>&1; then
                timeout 5 sshd -T > "$cache.$$" 2> /dev/null || : > "$cache.$$"
            else
                sshd -T > "$cache.$$" 2> /dev/null || : > "$cache.$$"
            fi
            mv -f "$cache.$$" "$cache"
        else
            : > "$cache"
        fi
        : > "$cache.done"
    fi
    [ -s "$cache" ] || return 1
    printf '%s\n' "$cache"
}

cce_sshd_t_value() {
    awk -v k="$1" '
        BEGIN { k = tolower(k) }
        { sub(/\r$/, "") }
        tolower($1) == k {
            v = $0
            sub(/^[ \t]*[^ \t]+[ \t]*/, "", v)
            sub(/[ \t]+$/, "", v)
            print v
            f = 1
            exit
        }
        END { exit !f }'
}

cce_sshd_value() {
    local kw t v
    kw=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    if t=$(cce__sshd_t); then
        v=$(cce_sshd_t_value "$kw" < "$t")
        if [ -n "$v" ]; then
            printf '%s\n' "$v"
            return 0
        fi
    fi
    v=$(cce_sshd_lines | awk -F '\t' -v k="$kw" '$2 == "global" && $3 == k { print $4; exit }')
    if [ -n "$v" ]; then
        printf '%s\n' "$v"
        return 0
    fi
    cce__sshd_default "$kw"
}

cce_sshd_where() {
    local kw t w
    kw=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    if t=$(cce__sshd_t) && cce_sshd_t_value "$kw" < "$t" > /dev/null; then
        echo "sshd -T"
        return 0
    fi
    w=$(cce_sshd_lines | awk -F '\t' -v k="$kw" '$2 == "global" && $3 == k { print $1; exit }')
    if [ -n "$w" ]; then
        printf '%s\n' "$w"
    else
        echo "OpenSSH default"
    fi
}

cce_sshd_match_values() {
    local kw
    kw=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    cce_sshd_lines | awk -F '\t' -v k="$kw" '$2 != "global" && $3 == k { print $1 "\t" $2 "\t" $4 }'
}
