# shellcheck shell=sh
# shellcheck disable=SC2034  # CCE_DNS_* results are read by the checks
# BIND (named): enablement and named.conf read as named parses it.
#
# cce_dns_enabled      0 when named is enabled (named, named-chroot, bind9 units or sysv scripts) or
#                      running (live); sets CCE_DNS_WHY and CCE_DNS_CHROOT (the chroot directory when
#                      named-chroot is the enabled unit, else empty)
# cce_named_conf       prints the root-relative named.conf: /etc/named.conf, /etc/bind/named.conf
#                      (inside CCE_DNS_CHROOT when set); returns 1 when there is none
# cce_named_records CONF
#                      prints named.conf flattened, one statement per line:
#                      "CONTEXT<TAB>keyword<TAB>value<TAB>file:line"; CONTEXT is "-" at top level,
#                      "options", 'zone "name"', 'view "v"' or 'view "v"/zone "name"'; "//", "#" and
#                      "/* */" comments dropped; include "file"; statements followed in place (10 levels,
#                      absolute paths inside the root, relative ones from the including file's
#                      directory); brace lists kept as tokens, e.g. "{ 10.0.0.2 ; key xfr ; }";
#                      returns 1 when CONF cannot be read
# cce_named_list_open LIST ACLS
#                      0 when the address match list LIST ("{ ... }") lets every client through
#                      with BIND's first-match rule: a non-negated any, 0.0.0.0/0 or ::/0, or an acl
#                      (from ACLS: "name<TAB>list" lines) that does, before any "!any"

cce_dns_enabled() {
    CCE_DNS_CHROOT=''
    CCE_DNS_WHY=''
    if cce_service_enabled named-chroot.service; then
        CCE_DNS_CHROOT=/var/named/chroot
        CCE_DNS_WHY=$CCE_SVC_WHY
        return 0
    fi
    if cce_service_enabled -p named named.service bind9.service sysv:bind9 sysv:named; then
        CCE_DNS_WHY=$CCE_SVC_WHY
        return 0
    fi
    CCE_DNS_WHY=$CCE_SVC_WHY
    return 1
}

cce_dns_na() {
    _dn_note=''
    cce_is_live || _dn_note='; offline root: running processes not checked'
    cce_na "DNS server (named) not enabled${CCE_DNS_WHY:+ ($CCE_DNS_WHY)}$_dn_note"
}

cce_named_conf() {
    cce_svc_first_file "$CCE_DNS_CHROOT/etc/named.conf" "$CCE_DNS_CHROOT/etc/bind/named.conf"
}

cce_named_records() {
    cce_read "$1" >/dev/null || return 1
    _nr_root=$(cce_path "${CCE_DNS_CHROOT:-/}")
    _nr_root=${_nr_root%/}
    awk -v root="$_nr_root" -v main="${1#"$CCE_DNS_CHROOT"}" '
        function push(t, where) {
            ntok++; tok[ntok] = t; at[ntok] = where
            if (t == ";" && ntok >= 3 && tok[ntok - 2] == "include" && tok[ntok - 1] ~ /^"/) {
                f = tok[ntok - 1]; gsub(/"/, "", f)
                if (f !~ /^\//) f = curdir "/" f
                ntok -= 3
                readfile(f, depth + 1)
            }
        }
        function readfile(f, d,   line, n, i, c, j, w, ln, savedir, savedepth) {
            if (d > 10) return
            savedir = curdir; savedepth = depth
            curdir = f; sub(/\/[^\/]*$/, "", curdir); depth = d
            ln = 0
            while ((getline line < (root f)) > 0) {
                ln++
                n = length(line); i = 1
                while (i <= n) {
                    if (incomment) {
                        j = index(substr(line, i), "*/")
                        if (j == 0) { i = n + 1; continue }
                        i += j + 1; incomment = 0; continue
                    }
                    c = substr(line, i, 1)
                    if (c == " " || c == "\t" || c == "\r") { i++; continue }
                    if (c == "#" || substr(line, i, 2) == "//") break
                    if (substr(line, i, 2) == "/*") { incomment = 1; i += 2; continue }
                    if (c == "\"") {
                        j = index(substr(line, i + 1), "\"")
                        if (j == 0) { w = substr(line, i) "\""; i = n + 1 } else { w = substr(line, i, j + 1); i += j + 1 }
                        push(w, f ":" ln); continue
                    }
                    if (c == "{" || c == "}" || c == ";") { push(c, f ":" ln); i++; continue }
                    if (match(substr(line, i), /^[^ \t\r{};"#]+/)) {
                        w = substr(line, i, RLENGTH); i += RLENGTH
                        j = index(w, "//"); if (j > 0) { w = substr(w, 1, j - 1); i = n + 1 }
                        if (w != "") push(w, f ":" ln)
                        continue
                    }
                    i++
                }
            }
            close(root f)
            curdir = savedir; depth = savedepth
        }
        function emit(ctx, kw, val, where) {
            printf "%s\t%s\t%s\t%s\n", (ctx == "" ? "-" : ctx), kw, val, where
        }
        function stmts(ctx,   kw, args, start, d, val, t, sub1) {
            while (p <= ntok && tok[p] != "}") {
                start = p; kw = tok[p]; p++
                if (kw == ";") continue
                args = ""
                while (p <= ntok && tok[p] != "{" && tok[p] != ";" && tok[p] != "}") { args = args (args == "" ? "" : " ") tok[p]; p++ }
                if (p <= ntok && tok[p] == "{") {
                    if (kw == "options" || kw == "zone" || kw == "view") {
                        sub1 = (ctx == "" ? "" : ctx "/") kw (args == "" ? "" : " " args)
                        emit(ctx, kw, args, at[start])
                        p++
                        stmts(sub1)
                        if (p <= ntok && tok[p] == "}") p++
                        while (p <= ntok && tok[p] != ";" && tok[p] != "}") p++
                        if (p <= ntok && tok[p] == ";") p++
                    } else {
                        d = 0; val = args
                        do { t = tok[p]; if (t == "{") d++; else if (t == "}") d--; val = val (val == "" ? "" : " ") t; p++ } while (p <= ntok && d > 0)
                        while (p <= ntok && tok[p] != ";" && tok[p] != "}") { val = val " " tok[p]; p++ }
                        if (p <= ntok && tok[p] == ";") p++
                        emit(ctx, kw, val, at[start])
                    }
                } else {
                    if (p <= ntok && tok[p] == ";") p++
                    emit(ctx, kw, args, at[start])
                }
            }
        }
        BEGIN {
            readfile(main, 0)
            p = 1
            while (p <= ntok) { stmts(""); if (p <= ntok && tok[p] == "}") p++ }
        }'
}

cce_named_list_open() {
    printf '%s\n' "$2" | awk -F '\t' -v list="$1" '
        NF >= 2 { acl[$1] = $2 }
        function open_list(l, depth,   n, a, i, e, neg) {
            if (depth > 8) return 0
            gsub(/[{};]/, " ", l)
            n = split(l, a, /[ \t]+/)
            for (i = 1; i <= n; i++) {
                e = a[i]; if (e == "") continue
                if (e == "key") { i++; continue }
                neg = 0; if (substr(e, 1, 1) == "!") { neg = 1; e = substr(e, 2); if (e == "") { e = a[++i] } }
                gsub(/"/, "", e)
                if (e == "any" || e == "0.0.0.0/0" || e == "::/0") return !neg
                if ((e in acl) && open_list(acl[e], depth + 1)) return !neg
            }
            return 0
        }
        END { exit !open_list(list, 0) }'
}

# _cce_named_local_zone NAME: the RFC 1912 zones every server carries (they hold no site data).
_cce_named_local_zone() {
    printf '%s\n' "$1" | awk '{ z = tolower($0); gsub(/"/, "", z); sub(/\.$/, "", z) }
        z ~ /^(localhost|localhost\.localdomain|127\.in-addr\.arpa|1\.0\.0\.127\.in-addr\.arpa|0\.in-addr\.arpa|255\.in-addr\.arpa)$/ || z ~ /^[01](\.0)+\.ip6\.arpa$/ { f = 1 }
        END { exit !f }'
}

# cce_named_zone_lists CONF-RECORDS KEYWORD
#   prints "zone<TAB>type<TAB>list<TAB>where" for every zone of type master/primary/slave/secondary
#   with the effective KEYWORD list (allow-transfer, allow-update): the zone's own, else its view's,
#   else the options', else "DEFAULT"; update-policy in the zone is printed as list "update-policy ..."
cce_named_zone_lists() {
    printf '%s\n' "$1" | awk -F '\t' -v k="$2" '
        $1 != "-" && $1 !~ /zone / && $2 == k { if ($1 == "options") opt = $3; else { vw[$1] = $3; vwat[$1] = $4 } ; if ($1 == "options") optat = $4 }
        $1 ~ /zone / && $2 == k { z[$1] = $3; zat[$1] = $4 }
        $1 ~ /zone / && $2 == "update-policy" && k == "allow-update" { up[$1] = "update-policy " $3; upat[$1] = $4 }
        $1 ~ /zone / && $2 == "type" { ty[$1] = $3; order[++n] = $1; tat[$1] = $4 }
        END {
            for (i = 1; i <= n; i++) {
                c = order[i]
                if (ty[c] !~ /^(master|primary|slave|secondary)$/) continue
                name = c; sub(/^.*zone "?/, "", name); sub(/"? *(IN|in|CH|ch|HS|hs)?$/, "", name); sub(/"$/, "", name)
                v = ""; if (c ~ /^view /) { v = c; sub(/\/zone .*$/, "", v) }
                if (c in up) { l = up[c]; w = upat[c] }
                else if (c in z) { l = z[c]; w = zat[c] }
                else if (v != "" && (v in vw)) { l = vw[v]; w = vwat[v] }
                else if (opt != "") { l = opt; w = optat }
                else { l = "DEFAULT"; w = tat[c] }
                printf "%s\t%s\t%s\t%s\n", name, ty[c], l, w
            }
        }'
}

# cce_named_acls CONF-RECORDS: "name<TAB>list" for every acl statement.
cce_named_acls() {
    printf '%s\n' "$1" | awk -F '\t' '$1 == "-" && $2 == "acl" { n = $3; sub(/[ \t].*$/, "", n); gsub(/"/, "", n); print n "\t" substr($3, index($3, "{")) }'
}
