# shellcheck shell=sh
# Helpers for the file and directory items (U-14 .. U-33).
#
# Everything reads the scanned root through cce_path / CCE_ROOT.  Symbolic links are
# resolved inside the scanned root (an absolute link target in an offline image points
# into the image, never into the host running the scan).  Permission bits are compared
# as bits, owners as numbers resolved through the scanned root's own passwd/group.
#
# Output formats used below (TAB separated, one record per line):
#   stat record:  LPATH MODE UID GID TYPE RPATH
#       LPATH  the logical path asked for (relative to the scanned root, starting with /)
#       MODE   4 octal digits of the final target (after following links), "-" if missing
#       UID    numeric owner, GID numeric group ("-" if missing)
#       TYPE   f d c b p s of the final target; "-" missing; "?" link loop/too deep;
#              "L" when the link target could not be read
#       RPATH  the logical path finally examined (= LPATH unless LPATH is a link)

# files_root: the scanned root without a trailing slash ("" for the live root).
files_root() {
    _fr=${CCE_ROOT:-/}
    while [ "${_fr%/}" != "$_fr" ]; do _fr=${_fr%/}; done
    printf '%s' "$_fr"
}

# files_stat: reads logical paths (one per line) on stdin, prints one stat record per
# path (see above; not necessarily in input order).  One stat(1) call per round of link resolution,
# whatever the number of paths (no per-file subprocess).
files_stat() {
    _fs_root=${CCE_ROOT:-/}
    while [ "${_fs_root%/}" != "$_fs_root" ]; do _fs_root=${_fs_root%/}; done
    _fs_todo=$(awk 'NF && !seen[$0]++ { print $0 "\t" $0 }')
    # Offline roots: directory components that are links must be resolved inside the root
    # too (the kernel would follow an absolute link out of the image).
    [ -n "$_fs_root" ] && _fs_todo=$(printf '%s\n' "$_fs_todo" | files__dirs_in_root)
    _fs_done=""
    _fs_round=0
    while [ -n "$_fs_todo" ] && [ "$_fs_round" -lt 8 ]; do
        _fs_round=$((_fs_round + 1))
        # stat every current path once; join the output back by physical name.
        _fs_out=$(printf '%s\n' "$_fs_todo" | awk -F '\t' -v r="$_fs_root" '{ print r $2 }' |
            LC_ALL=C QUOTING_STYLE=literal xargs -r -d '\n' stat -c '%f	%u	%g	%n	%N' 2>/dev/null)
        _fs_next=$(printf '%s\n@@STAT@@\n%s\n' "$_fs_todo" "$_fs_out" | awk -F '\t' -v r="$_fs_root" '
            function hex2dec(h,   i, c, v) {
                v = 0; h = tolower(h)
                for (i = 1; i <= length(h); i++) {
                    c = index("0123456789abcdef", substr(h, i, 1)) - 1
                    v = v * 16 + c
                }
                return v
            }
            function norm(p,   n, a, i, out, k, st) {
                n = split(p, a, "/"); k = 0
                for (i = 1; i <= n; i++) {
                    if (a[i] == "" || a[i] == ".") continue
                    if (a[i] == "..") { if (k > 0) k--; continue }
                    st[++k] = a[i]
                }
                out = ""
                for (i = 1; i <= k; i++) out = out "/" st[i]
                return out == "" ? "/" : out
            }
            function dirof(p) { sub(/\/[^\/]*$/, "", p); return p == "" ? "/" : p }
            $0 == "@@STAT@@" { part = 2; next }
            part != 2 { nq++; orig[nq] = $1; cur[nq] = $2; next }
            {
                name = $4
                m = hex2dec($1)
                ft = int(m / 4096)
                perm = m % 4096
                t = (ft == 8) ? "f" : (ft == 4) ? "d" : (ft == 10) ? "l" : (ft == 2) ? "c" : (ft == 6) ? "b" : (ft == 1) ? "p" : (ft == 12) ? "s" : "?"
                mode = sprintf("%o", perm); while (length(mode) < 4) mode = "0" mode
                S[name] = mode "\t" $2 "\t" $3 "\t" t
                if (t == "l") {
                    nn = $5; k = index(nn, " -> ")
                    tg = (k > 0) ? substr(nn, k + 4) : ""
                    # older coreutils quote both names even with QUOTING_STYLE=literal
                    if (substr(nn, 1, 1) == "\047" && substr(name, 1, 1) != "\047" && tg ~ /^\047.*\047$/)
                        tg = substr(tg, 2, length(tg) - 2)
                    T[name] = tg
                }
            }
            END {
                for (i = 1; i <= nq; i++) {
                    phys = r cur[i]
                    if (!(phys in S)) { print "D\t" orig[i] "\t-\t-\t-\t-\t" cur[i]; continue }
                    split(S[phys], f, "\t")
                    if (f[4] != "l") { print "D\t" orig[i] "\t" S[phys] "\t" cur[i]; continue }
                    tg = T[phys]
                    if (tg == "") { print "D\t" orig[i] "\t-\t-\t-\tL\t" cur[i]; continue }
                    np = (substr(tg, 1, 1) == "/") ? norm(tg) : norm(dirof(cur[i]) "/" tg)
                    print "N\t" orig[i] "\t" np
                }
            }')
        # (split with awk: dash and bash pattern expansions are quadratic on long strings)
        _fs_done="$_fs_done$(printf '%s\n' "$_fs_next" | awk '/^D\t/ { print substr($0, 3) }')
"
        _fs_todo=$(printf '%s\n' "$_fs_next" | awk '/^N\t/ { print substr($0, 3) }')
    done
    printf '%s\n' "$_fs_done" | awk -F '\t' -v left="$_fs_todo" '
        NF
        END { n = split(left, l, "\n"); for (i = 1; i <= n; i++) if (l[i] != "") { split(l[i], f, "\t"); print f[1] "\t-\t-\t-\t?\t" f[2] } }'
}

# files__dirs_in_root: reads "LPATH<TAB>CURRENT" lines and rewrites CURRENT so that none of
# its directory components is a symbolic link (targets resolved inside the scanned root);
# one stat(1) call per round, at most 8 rounds.
files__dirs_in_root() {
    _fd_cur=$(cat)
    _fd_i=0
    while [ "$_fd_i" -lt 8 ]; do
        _fd_i=$((_fd_i + 1))
        _fd_links=$(printf '%s\n' "$_fd_cur" | awk -F '\t' -v r="$_fs_root" '
            NF >= 2 { n = split($2, a, "/"); p = ""; for (i = 2; i < n; i++) { p = p "/" a[i]; if (!s[p]++) print r p } }' |
            LC_ALL=C QUOTING_STYLE=literal xargs -r -d '\n' stat -c '%f	%n	%N' 2>/dev/null |
            awk -F '\t' -v r="$_fs_root" '
                substr($1, 1, 1) == "a" {
                    nn = $3; k = index(nn, " -> "); tg = (k > 0) ? substr(nn, k + 4) : ""
                    if (substr(nn, 1, 1) == "\047" && tg ~ /^\047.*\047$/) tg = substr(tg, 2, length(tg) - 2)
                    if (tg != "") print substr($2, length(r) + 1) "\t" tg
                }')
        [ -n "$_fd_links" ] || break
        _fd_cur=$(printf '%s\n@@LINKS@@\n%s\n' "$_fd_cur" "$_fd_links" | awk -F '\t' '
            function norm(p,   n, a, i, out, k, st) {
                n = split(p, a, "/"); k = 0
                for (i = 1; i <= n; i++) {
                    if (a[i] == "" || a[i] == ".") continue
                    if (a[i] == "..") { if (k > 0) k--; continue }
                    st[++k] = a[i]
                }
                out = ""
                for (i = 1; i <= k; i++) out = out "/" st[i]
                return out == "" ? "/" : out
            }
            $0 == "@@LINKS@@" { part = 1; next }
            part != 1 { nq++; L[nq] = $1; C[nq] = $2; next }
            {
                d = $1; sub(/\/[^\/]*$/, "", d)
                T[$1] = (substr($2, 1, 1) == "/") ? norm($2) : norm(d "/" $2)
            }
            END {
                for (i = 1; i <= nq; i++) {
                    n = split(C[i], a, "/"); p = ""; out = C[i]
                    for (j = 2; j < n; j++) {
                        p = p "/" a[j]
                        if (p in T) { out = norm(T[p] substr(C[i], length(p) + 1)); break }
                    }
                    print L[i] "\t" out
                }
            }')
    done
    printf '%s\n' "$_fd_cur"
}

# files_cat: reads logical paths on stdin and prints, for each one that is (or links inside
# the scanned root to) a regular file, a line "@@FILE@@<TAB>LPATH" followed by its content
# (NULs dropped, capped at 256 KiB, a newline added); "@@UNREADABLE@@<TAB>LPATH" when it
# cannot be read, "@@LOOP@@<TAB>LPATH" for a link loop.  Input order is kept.
files_cat() {
    _fc_root=$(files_root)
    _fc_in=$(awk 'NF')
    [ -n "$_fc_in" ] || return 0
    _fc_st=$(printf '%s\n' "$_fc_in" | files_stat)
    printf '%s\n@@IN@@\n%s\n' "$_fc_st" "$_fc_in" | awk -F '\t' '
        $0 == "@@IN@@" { body = 1; next }
        !body { T[$1] = $5; R[$1] = $6; next }
        ($0 in T) { print $0 "\t" T[$0] "\t" R[$0] }' |
    while IFS="$(printf '\t')" read -r _fc_l _fc_t _fc_r; do
        case $_fc_t in
            f)
                if [ -r "$_fc_root$_fc_r" ]; then
                    printf '@@FILE@@\t%s\n' "$_fc_l"
                    head -c 262144 "$_fc_root$_fc_r" 2>/dev/null | tr -d '\000'
                    printf '\n'
                else
                    printf '@@UNREADABLE@@\t%s\n' "$_fc_l"
                fi
                ;;
            '?' | L) printf '@@LOOP@@\t%s\n' "$_fc_l" ;;
        esac
    done
}

# files_passwd: name, numeric uid, numeric gid, home, shell of every passwd entry of the
# scanned root (TAB separated).  "00" and "0" are both 0.
files_passwd() {
    cce_passwd_entries | awk -F ':' 'NF >= 7 && $1 != "" && $1 !~ /^[+-]/ {
        printf "%s\t%d\t%d\t%s\t%s\n", $1, $3 + 0, $4 + 0, $6, $7 }'
}

# files_uid_min: UID_MIN of the scanned root's login.defs (1000 when unset).
files_uid_min() {
    _fu=$(awk '$1 == "UID_MIN" && $2 ~ /^[0-9]+$/ { v = $2 } END { print v + 0 }' \
        "$(cce_path /etc/login.defs)" 2>/dev/null)
    case $_fu in '' | 0) _fu=1000 ;; esac
    printf '%s\n' "$_fu"
}

# files_people: the accounts whose home directory matters: root (uid 0), accounts with a
# login shell, and accounts with UID_MIN <= uid (nobody/65534 excluded).  Same columns as
# files_passwd.
files_people() {
    files_passwd | awk -F '\t' -v umin="$(files_uid_min)" '
        {
            sh = $5; n = split(sh, p, "/"); base = p[n]
            nologin = (sh == "" ? 0 : (base == "nologin" || base == "false" || base == "true" || base == "sync" || base == "shutdown" || base == "halt"))
            if ($2 == 65534) next
            if ($2 == 0 || !nologin || $2 >= umin) print
        }'
}

# files_names: prints "U<TAB>uid<TAB>name" and "G<TAB>gid<TAB>name" for the scanned root,
# for awk programs that need names for evidence.
files_names() {
    awk -F ':' -v pw="$(cce_path /etc/passwd)" '
        FILENAME == pw { k = "U" } FILENAME != pw { k = "G" }
        $1 !~ /^[#+-]/ && NF >= 3 && $3 ~ /^[0-9]+$/ { id = $3 + 0; if (!((k, id) in s)) { s[k, id] = 1; print k "\t" id "\t" $1 } }' \
        "$(cce_path /etc/passwd)" "$(cce_path /etc/group)" 2>/dev/null
}

# shellcheck disable=SC2034  # used by the check files
# Awk library shared by the checks: mode arithmetic on 4-digit octal strings, without
# bitwise operators (mawk has none).
#   bit_on(mode, d, b)    true when bit b (4, 2 or 1) of octal digit d (1..4) is set
#   within(mode, max)     true when mode has no bit outside max
#   other_w(mode)         o+w
#   group_w(mode)         g+w
#   special(mode)         setuid/setgid bits as text ("setuid", "setgid", "setuid+setgid", "")
FILES_AWK_LIB='
function bit_on(m, d, b,   v) { v = substr(m, d, 1) + 0; return int(v / b) % 2 == 1 }
function within(m, mx,   d, b) {
    while (length(m) < 4) m = "0" m
    while (length(mx) < 4) mx = "0" mx
    for (d = 1; d <= 4; d++)
        for (b = 4; b >= 1; b = b / 2)
            if (bit_on(m, d, b) && !bit_on(mx, d, b)) return 0
    return 1
}
function other_w(m) { return bit_on(m, 4, 2) }
function group_w(m) { return bit_on(m, 3, 2) }
function special(m,   s) {
    s = ""
    if (bit_on(m, 1, 4)) s = "setuid"
    if (bit_on(m, 1, 2)) s = (s == "" ? "setgid" : s "+setgid")
    return s
}
function tname(t) {
    return t == "f" ? "file" : t == "d" ? "directory" : t == "l" ? "symlink" : t == "c" ? "char device" : \
        t == "b" ? "block device" : t == "p" ? "fifo" : t == "s" ? "socket" : t == "?" ? "link loop" : \
        t == "L" ? "unreadable link" : "missing"
}
function who(kind, id) { return ((kind SUBSEP id) in NAMES) ? NAMES[kind, id] "(" id ")" : id }
'

# files_judge MAX OWNERS: reads stat records (files_stat output) on stdin and prints one
# line per record: "OK|BAD|MISSING|ERROR<TAB>text".  MAX is the permitted mode (octal),
# OWNERS a comma list of permitted numeric uids.  Links are judged by their target and say so.
files_judge() {
    { files_names; printf '@@END@@\n'; cat; } | awk -F '\t' -v max="$1" -v owners="$2" "$FILES_AWK_LIB"'
        $0 == "@@END@@" { body = 1; next }
        !body { NAMES[$1, $2] = $3; next }
        {
            lp = $1; mode = $2; uid = $3; gid = $4; t = $5; rp = $6
            via = (rp != lp) ? " (link to " rp ")" : ""
            if (t == "-") { print "MISSING\t" lp " does not exist" via; next }
            if (t == "?" || t == "L") { print "ERROR\t" lp ": " tname(t) via; next }
            split(owners, ow, ","); okown = 0
            for (i in ow) if (uid + 0 == ow[i] + 0) okown = 1
            okmode = within(mode, max)
            why = ""
            if (!okown) why = "owner " who("U", uid) " is not permitted"
            if (!okmode) why = (why == "" ? "" : why "; ") "mode " mode " exceeds " max
            line = lp via " " mode " " who("U", uid) ":" who("G", gid) " " tname(t)
            print (why == "" ? "OK\t" line : "BAD\t" line " -- " why)
        }'
}

# files_evidence_lines TEXT: the non-empty lines of TEXT as evidence, at most 60 (the
# runner keeps 4 KiB per item anyway), with a count of the rest; one cce_evidence call.
files_evidence_lines() {
    _fe_t=$1
    _fe_n=$(printf '%s\n' "$_fe_t" | awk 'NF { n++ } END { print n + 0 }')
    [ "$_fe_n" -gt 0 ] || return 0
    set --
    while IFS= read -r _fe_l; do
        set -- "$@" "$_fe_l"
    done <<EOF
$(printf '%s\n' "$_fe_t" | awk 'NF { if (++n <= 60) print }')
EOF
    [ "$_fe_n" -gt 60 ] && set -- "$@" "... $((_fe_n - 60)) more line(s) not shown"
    cce_evidence "$@"
}

# files_report TEXT: TEXT holds lines "E<TAB>evidence line" and one line "S<TAB>fields...", as
# printed by a check's single awk; adds the E lines to the evidence (one cce_evidence call, no
# process) and sets FILES_SUM to the S line's fields (TAB separated).
# shellcheck disable=SC2034  # FILES_SUM is read by the check files
files_report() {
    FILES_SUM=
    _fr_t=$1
    set --
    while IFS= read -r _fr_l; do
        case $_fr_l in
            "E	"*) set -- "$@" "${_fr_l#E	}" ;;
            "S	"*) FILES_SUM=${_fr_l#S	} ;;
        esac
    done <<EOF
$_fr_t
EOF
    [ "$#" -gt 0 ] && cce_evidence "$@"
    return 0
}

# files_uids_named NAME...: the numeric uids (comma list) of the given account names in
# the scanned root's passwd, always including 0.
files_uids_named() {
    _fn_names=$*
    files_passwd | awk -F '\t' -v names="$_fn_names" '
        BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1; out = "0"; seen[0] = 1 }
        ($1 in want) && !seen[$2]++ { out = out "," $2 }
        END { print out }'
}

# files_decide_simple CODE-LIST-OF-RESULTS: helper for the owner/mode items.  Reads the
# files_judge output on stdin, adds it to the evidence and decides: any ERROR -> ERROR,
# any BAD -> VULNERABLE, at least one OK -> GOOD, nothing present -> the caller's
# NOT_APPLICABLE/GOOD message ($1 = status for "nothing exists", $2 = its reason),
# $3 = what is judged (for reasons).
files_decide_simple() {
    _fd_sum=$(awk -F '\t' '
        NF >= 2 { n[$1]++; ev = ev $1 ": " $2 "\n"; t = $2
                  if ($1 != "ERROR") sub(/ .*/, "", t)
                  if ($1 == "OK" && n["OK"] <= 4) ok = ok (ok == "" ? "" : "; ") $2
                  if ($1 == "BAD") bad = bad (bad == "" ? "" : ", ") t
                  if ($1 == "ERROR") err = err (err == "" ? "" : "; ") t }
        END {
            if (n["OK"] > 4) ok = ok " and " n["OK"] - 4 " more"
            st = n["BAD"] ? "BAD" : n["ERROR"] ? "ERROR" : n["OK"] ? "OK" : "NONE"
            printf "%s\t%d\t%s\n%s", st, n["BAD"], (st == "BAD" ? bad : st == "ERROR" ? err : ok), ev
        }')
    _fd_head=${_fd_sum%%
*}
    case $_fd_sum in
        *"
"*) files_evidence_lines "${_fd_sum#*
}" ;;
    esac
    _fd_st=${_fd_head%%"$(printf '\t')"*}
    _fd_rest=${_fd_head#*"$(printf '\t')"}
    _fd_n=${_fd_rest%%"$(printf '\t')"*}
    _fd_txt=${_fd_rest#*"$(printf '\t')"}
    case $_fd_st in
        BAD) cce_vulnerable "$3: $_fd_n file(s) with a wrong owner or mode: $_fd_txt" ;;
        ERROR) cce_error "$3: could not examine $_fd_txt" ;;
        OK) cce_good "$3: owner and mode within the limit: $_fd_txt" ;;
        *)
            case $1 in
                GOOD) cce_good "$2" ;;
                *) cce_na "$2" ;;
            esac
            ;;
    esac
}

# shellcheck disable=SC2034  # used by the check files
# files_image_strip PATH (awk): paths inside container or snap image trees are judged
# by the path inside the image.  Prints "IMAGE_PREFIX<TAB>INNER_PATH" ("" prefix when not
# inside an image).
FILES_AWK_IMAGE='
function image_split(p,   m) {
    if (match(p, /^\/snap\/[^\/]+\/[^\/]+\//) || \
        match(p, /^\/var\/lib\/docker\/(overlay2|aufs\/diff|btrfs\/subvolumes|zfs\/graph|vfs\/dir)\/[^\/]+\/(diff\/|merged\/)?/) || \
        match(p, /^\/var\/lib\/containers\/storage\/overlay\/[^\/]+\/(diff\/|merged\/)?/) || \
        match(p, /^\/var\/lib\/containerd\/io\.containerd\.snapshotter\.v1\.overlayfs\/snapshots\/[^\/]+\/fs\//) || \
        match(p, /^\/var\/lib\/snapd\/snap\/[^\/]+\/[^\/]+\//) || \
        match(p, /^\/var\/lib\/lxd\/(containers|storage-pools\/[^\/]+\/containers)\/[^\/]+\/rootfs\//)) {
        IMG = substr(p, 1, RLENGTH - 1); INNER = substr(p, RLENGTH); return 1
    }
    IMG = ""; INNER = p; return 0
}
'

# files_walk: the shared walk file; errors out (status 1, reason on stderr) when there
# is none.
files_walk() {
    _fw=$(cce_walk) || return 1
    [ -n "$_fw" ] && [ -r "$_fw" ] || return 1
    printf '%s\n' "$_fw"
}
