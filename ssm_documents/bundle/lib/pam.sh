# shellcheck shell=sh
# lib/pam.sh: the PAM include graph and the lockout settings.
#
#   cce_pam_stack SERVICE     the flattened stack of /etc/pam.d/SERVICE, one line per rule:
#                             TYPE<TAB>CONTROL<TAB>MODULE<TAB>ARGS<TAB>SOURCE
#                             (TYPE without a leading "-", MODULE as its basename, e.g. pam_unix.so,
#                             SOURCE path:line); "@include X" pulls in every type of X, "include X"
#                             and "substack X" only the rule's own type; depth <= 10.
#                             Returns 1 when the service file does not exist.
#   cce_pam_has SERVICE TYPE MODULE        true when MODULE is in SERVICE's TYPE stack
#   cce_pam_arg SERVICE TYPE MODULE NAME   value of NAME=... on the first MODULE line that has it
#                                          (prints "" for a bare flag NAME; returns 1 when absent)
#   cce_pam_base_services     the stacks every login goes through: system-auth password-auth
#                             (RHEL family) or common-auth common-password common-account (Debian)
#   cce_lockout_deny          the effective lockout threshold across the base auth stacks:
#                             prints "MODULE DENY SOURCE" for pam_faillock (args, then
#                             faillock.conf or conf=, then the module default 3) or pam_tally2
#                             (args only); DENY 0 means no lockout (also printed as
#                             "none 0 REASON" when a base auth stack has neither module, and
#                             "error 0 REASON" when a base stack cannot be read);
#                             the weakest base stack is reported; returns 1 when the root has no
#                             base auth stack at all. A module that a failed password never reaches
#                             (see cce_pam_counts_failure) counts as absent.
#   cce_pam_counts_failure SERVICE MODULE
#                             true when a failed password in SERVICE's auth stack reaches a MODULE
#                             rule that records it (pam_faillock with authfail, any pam_tally2 auth
#                             rule), following the controls (required, requisite, sufficient,
#                             optional, [value=action ...] with jumps) for a local account:
#                             pam_unix and pam_deny fail with auth_err, the directory modules
#                             (pam_sss, pam_ldap, pam_krb5, pam_winbind, pam_systemd_home) answer
#                             user_unknown, every other module succeeds.

cce__pam_file() {
    # $1 service name or path, $2 type filter ("" = all), $3 depth
    local svc filter depth path us t c m a src
    svc=$1
    filter=$2
    depth=$3
    [ "$depth" -gt 10 ] && return 0
    case $svc in
        /*) path=$svc ;;
        *) path=/etc/pam.d/$svc ;;
    esac
    cce_read "$path" > /dev/null 2>&1 || return 1
    us=$(printf '\037')
    cce_read "$path" | awk -v OFS="$us" '
        { sub(/\r$/, ""); sub(/#.*/, "") }
        /^[ \t]*$/ { next }
        {
            line = $0
            sub(/^[ \t]+/, "", line)
            n = split(line, w, /[ \t]+/)
            if (w[1] == "@include") { print "@include", w[2], "", "", FNR; next }
            t = w[1]; sub(/^-/, "", t)
            i = 2
            c = w[2]
            if (substr(c, 1, 1) == "[") {
                while (c !~ /\]$/ && i < n) { i++; c = c " " w[i] }
            }
            i++
            m = w[i]
            a = ""
            for (j = i + 1; j <= n; j++) a = a (a == "" ? "" : " ") w[j]
            print tolower(t), c, m, a, FNR
        }' | while IFS="$us" read -r t c m a src; do
        if [ "$t" = "@include" ]; then
            cce__pam_file "$c" "$filter" "$((depth + 1))"
            continue
        fi
        [ -n "$filter" ] && [ "$t" != "$filter" ] && continue
        case $c in
            include | substack)
                cce__pam_file "$m" "$t" "$((depth + 1))"
                ;;
            *)
                printf '%s\t%s\t%s\t%s\t%s:%s\n' "$t" "$c" "${m##*/}" "$a" "$path" "$src"
                ;;
        esac
    done
    return 0
}

# cce__pam_cached SERVICE: flatten SERVICE once per run into the staging directory; sets
# CCE__PAMF to the cached stack file; returns 1 when the service file is missing or unreadable.
cce__pam_cached() {
    local key
    case $1 in
        *[!A-Za-z0-9._-]* | '') key=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_') ;;
        *) key=$1 ;;
    esac
    CCE__PAMF=$CCE_STAGE/cache.pam.$key
    [ -f "$CCE__PAMF.missing" ] && return 1
    if [ ! -f "$CCE__PAMF" ]; then
        if cce__pam_file "$1" "" 0 > "$CCE__PAMF.$$"; then
            mv -f "$CCE__PAMF.$$" "$CCE__PAMF"
        else
            rm -f "$CCE__PAMF.$$"
            : > "$CCE__PAMF.missing"
            return 1
        fi
    fi
    return 0
}

# cce__pam_awk SERVICE AWK-ARGS...: run awk over SERVICE's flattened stack (cached inside a run).
cce__pam_awk() {
    local svc
    svc=$1
    shift
    if [ -n "${CCE_STAGE:-}" ] && [ -d "${CCE_STAGE:-}" ]; then
        cce__pam_cached "$svc" || return 1
        awk "$@" "$CCE__PAMF"
    else
        cce__pam_file "$svc" "" 0 > /dev/null 2>&1 || return 1
        cce__pam_file "$svc" "" 0 | awk "$@"
    fi
}

cce_pam_stack() {
    cce__pam_awk "$1" '{ print }'
}

cce_pam_has() {
    cce__pam_awk "$1" -F '\t' -v t="$2" -v m="$3" '$1 == t && $3 == m { f = 1; exit } END { exit !f }' 2> /dev/null
}

cce_pam_arg() {
    local out
    out=$(cce__pam_awk "$1" -F '\t' -v t="$2" -v m="$3" -v k="$4" '
        $1 == t && $3 == m {
            n = split($4, a, " ")
            for (i = 1; i <= n; i++) {
                if (a[i] == k) { print "="; exit }
                if (index(a[i], k "=") == 1) { print "=" substr(a[i], length(k) + 2); exit }
            }
        }' 2> /dev/null)
    [ -n "$out" ] || return 1
    printf '%s\n' "${out#=}"
}

cce_pam_base_services() {
    local s found
    found=
    for s in system-auth password-auth common-auth common-password common-account; do
        if [ -f "$(cce_path "/etc/pam.d/$s")" ] || [ -L "$(cce_path "/etc/pam.d/$s")" ]; then
            found="$found $s"
        fi
    done
    printf '%s\n' "${found# }"
}

# Value of KEY in a "key = value" file (last one wins), e.g. faillock.conf.
cce__kv_file() {
    cce_read "$1" 2> /dev/null | awk -v k="$2" '
        { sub(/#.*/, "") }
        {
            line = $0
            p = index(line, "=")
            if (p) { key = substr(line, 1, p - 1); val = substr(line, p + 1) }
            else { key = line; val = "" }
            gsub(/[ \t]/, "", key)
            gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (key == k) { v = val; f = 1 }
        }
        END { if (f) print v; exit !f }'
}

cce_pam_counts_failure() {
    cce__pam_awk "$1" -F '\t' -v mod="$2" '
        function act(ctl, want,   k, i, p, kv, a, def, ok) {
            ok = (want == "success")
            if (ctl == "required" || ctl == "optional") return ok ? "cont" : "fail"
            if (ctl == "requisite") return ok ? "cont" : "stop"
            if (ctl == "sufficient") return ok ? "succ" : "cont"
            gsub(/[][]/, "", ctl)
            a = ""
            def = "bad"
            k = split(ctl, p, /[ \t]+/)
            for (i = 1; i <= k; i++) {
                split(p[i], kv, "=")
                if (kv[1] == want) a = kv[2]
                else if (kv[1] == "default") def = kv[2]
            }
            if (a == "") a = def
            if (a ~ /^[0-9]+$/) return a
            if (a == "die") return "stop"
            if (a == "done") return "stop"
            if (a == "bad") return "fail"
            return "cont"
        }
        $1 == "auth" { n++; C[n] = $2; M[n] = $3; A[n] = " " $4 " " }
        END {
            failed = 0
            for (i = 1; i <= n; i++) {
                if (M[i] == mod && (mod == "pam_tally2.so" || A[i] ~ /[ \t]authfail[ \t]/)) exit 0
                if (M[i] ~ /^pam_(unix|unix2|deny)\.so$/) v = "auth_err"
                else if (M[i] ~ /^pam_(sss|ldap|krb5|winbind|systemd_home)\.so$/) v = "user_unknown"
                else v = "success"
                r = act(C[i], v)
                if (r == "stop") break
                if (r == "succ") { if (!failed) break; continue }
                if (r == "fail") failed = 1
                else if (r ~ /^[0-9]+$/) i += r
            }
            exit 1
        }' 2> /dev/null
}

cce_lockout_deny() {
    local svc deny conf worst worst_src mod src
    worst=
    for svc in $(cce_pam_base_services); do
        case $svc in system-auth | password-auth | common-auth) ;; *) continue ;; esac
        if ! cce_pam_stack "$svc" > /dev/null 2>&1; then
            printf 'error 0 /etc/pam.d/%s is unreadable (%s)\n' "$svc" "$(cce_file_state "/etc/pam.d/$svc")"
            return 0
        fi
        if cce_pam_has "$svc" auth pam_faillock.so; then
            if deny=$(cce_pam_arg "$svc" auth pam_faillock.so deny); then
                src="$svc (pam_faillock.so deny=$deny)"
            else
                conf=$(cce_pam_arg "$svc" auth pam_faillock.so conf) || conf=/etc/security/faillock.conf
                if deny=$(cce__kv_file "$conf" deny); then
                    src="$conf (deny = $deny)"
                else
                    deny=3
                    src="pam_faillock default (deny not set in $svc or $conf)"
                fi
            fi
            mod=pam_faillock.so
        elif cce_pam_has "$svc" auth pam_tally2.so; then
            deny=$(cce_pam_arg "$svc" auth pam_tally2.so deny) || deny=0
            src="$svc (pam_tally2.so deny=$deny)"
            mod=pam_tally2.so
        else
            printf 'none 0 %s has no pam_faillock/pam_tally2 in its auth stack\n' "$svc"
            return 0
        fi
        if ! cce_pam_counts_failure "$svc" "$mod"; then
            printf 'none 0 %s has %s in its auth stack, but a failed password never reaches a rule that records it\n' "$svc" "$mod"
            return 0
        fi
        case $deny in '' | *[!0-9]*) deny=0 ;; esac
        # Report the weakest stack: no lockout (0) beats any number, then the largest threshold.
        if [ -z "$worst" ] || [ "$deny" -eq 0 ] || { [ "$worst" -ne 0 ] && [ "$deny" -gt "$worst" ]; }; then
            worst=$deny
            worst_src="$mod $deny $src"
        fi
    done
    [ -n "$worst" ] || return 1
    printf '%s\n' "$worst_src"
}
