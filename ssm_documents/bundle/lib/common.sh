# shellcheck shell=sh
# lib/common.sh: the runner's contract to the checks.
#
# Every check runs in its own process with these helpers sourced. Public helpers
# are named cce_*; names starting with cce__ are private to the runner.
#
# Status (the first decision wins; no decision means ERROR "check made no decision"):
#   cce_good REASON | cce_vulnerable REASON | cce_manual REASON | cce_na REASON | cce_error REASON
# Evidence (capped at 4 KiB per item and redacted by the runner):
#   cce_evidence LINE...               append lines
#   cce_evidence_file PATH [MAX_LINES] append PATH's lines without comments and blanks
#                                      (PATH is root-relative, default 40 lines)
# Paths and the scanned root:
#   cce_path PATH        print ${CCE_ROOT%/}PATH (read every file through it)
#   cce_is_live          true when CCE_ROOT is /
#   cce_realpath PATH    resolve symlinks of PATH's last component inside the root
#                        (absolute targets stay inside the root); prints a root-relative path,
#                        returns 1 on a symlink loop
#   cce_read PATH        print a regular file's content (NULs dropped, capped at CCE_MAX_READ
#                        bytes, default 4 MiB); returns 1 (and prints nothing) when PATH is
#                        missing, not a regular file or unreadable; never blocks on a FIFO
#   cce_file_state PATH  one word: ok, missing, loop (symlink loop), notregular (directory, FIFO,
#                        device...), unreadable, toolarge (over CCE_MAX_READ bytes), binary (NUL
#                        bytes in its first 8 KiB)
#   cce_require_text PATH...   for each PATH that exists but is not readable text: decide ERROR
#                        "PATH: STATE" and return 1 (a missing PATH is fine: callers judge absence)
#   cce_os_release KEY   value of KEY in the root's os-release (ID, VERSION_ID, ID_LIKE, ...)
# Files and modes (permission bits are compared as bits, never as decimal numbers):
#   cce_stat PATH        print "MODE UID GID TYPE" (MODE 4 octal digits, TYPE f/d/l/c/b/p/s)
#                        following symlinks inside the root; returns 1 when missing
#   cce_mode PATH        print MODE (e.g. 0644, 4755); cce_uid PATH, cce_gid PATH numeric owner
#   cce_mode_within MODE MAX   true when MODE has no bit outside MAX (0640 within 0644)
#   cce_owner_name UID / cce_group_name GID   name from the root's passwd/group
#                        (numeric compare: 00 is 0); print the number back when unknown
#   cce_known_uids / cce_known_gids   every numeric ID in the root's passwd / group, one per line
# Accounts (the root's files; comments and blank lines removed):
#   cce_passwd_entries, cce_shadow_entries, cce_group_entries
# Shared filesystem walk (lib/walk.sh):
#   cce_walk             print the path of the walk file (one walk per run, made on first use);
#                        lines MODE<TAB>UID<TAB>GID<TAB>TYPE<TAB>PATH, PATH root-relative from /;
#                        returns 1 (with the reason on stderr) when the walk failed
#   cce_walk_slice TAG   the walk's lines of set-id (S), world-writable (W), /dev (D) files,
#                        hidden (H), unknown-owner (O) entries and /var/log's (L), pre-filtered by the walk

# --- status ------------------------------------------------------------------

cce__decide() {
    if [ -z "${CCE_ITEM_DIR:-}" ]; then
        printf '%s: %s\n' "$1" "$2"
        return 0
    fi
    [ -s "$CCE_ITEM_DIR/status" ] && return 0
    printf '%s\n' "$2" > "$CCE_ITEM_DIR/reason"
    printf '%s\n' "$1" > "$CCE_ITEM_DIR/status"
}

cce_good() { cce__decide GOOD "$*"; }
cce_vulnerable() { cce__decide VULNERABLE "$*"; }
cce_manual() { cce__decide MANUAL "$*"; }
cce_na() { cce__decide NOT_APPLICABLE "$*"; }
cce_error() { cce__decide ERROR "$*"; }

# --- evidence ----------------------------------------------------------------

cce__evidence_sink() {
    if [ -n "${CCE_ITEM_DIR:-}" ]; then
        printf '%s\n' "$CCE_ITEM_DIR/evidence"
    else
        printf '%s\n' /dev/stdout
    fi
}

cce_evidence() {
    local sink
    sink=$(cce__evidence_sink)
    [ "$#" -eq 0 ] && return 0
    printf '%s\n' "$@" >> "$sink"
}

cce_evidence_file() {
    local path max sink
    path=$1
    max=${2:-40}
    case $max in '' | *[!0-9]*) max=40 ;; esac
    sink=$(cce__evidence_sink)
    if ! cce_read "$path" > /dev/null 2>&1; then
        printf '%s: (missing or unreadable)\n' "$path" >> "$sink"
        return 0
    fi
    cce_read "$path" | head -c 65536 | awk -v p="$path" -v max="$max" '
        /^[ \t]*#/ || /^[ \t]*$/ { next }
        { n++; if (n > max) { print p ": ... (more lines not shown)"; exit } print p ":" FNR ": " $0 }
    ' >> "$sink"
}

# --- paths ---------------------------------------------------------------------

cce_is_live() {
    [ "${CCE_ROOT:-/}" = / ]
}

cce_path() {
    local root
    root=${CCE_ROOT:-/}
    root=${root%/}
    case $1 in
        /*) printf '%s%s\n' "$root" "$1" ;;
        *) printf '%s/%s\n' "$root" "$1" ;;
    esac
}

# Lexically normalise an absolute path (. and .. removed; .. never climbs above /).
cce__normpath() {
    printf '%s\n' "$1" | awk -F/ '{
        n = 0
        for (i = 1; i <= NF; i++) {
            if ($i == "" || $i == ".") continue
            if ($i == "..") { if (n > 0) n--; continue }
            part[++n] = $i
        }
        out = ""
        for (i = 1; i <= n; i++) out = out "/" part[i]
        if (out == "") out = "/"
        print out
    }'
}

# cce__resolve PATH: like cce_realpath, without a subshell: sets CCE__RP (root-relative) and
# CCE__RF (the path on disk); returns 1 on a symlink loop.
cce__resolve() {
    local n t r
    r=${CCE_ROOT:-/}
    r=${r%/}
    case $1 in /*) CCE__RP=$1 ;; *) CCE__RP=/$1 ;; esac
    case $CCE__RP in */. | */./* | */.. | */../* | *//*) CCE__RP=$(cce__normpath "$CCE__RP") ;; esac
    n=0
    while [ -L "$r$CCE__RP" ]; do
        n=$((n + 1))
        if [ "$n" -gt 40 ]; then
            printf 'symlink loop at %s\n' "$1" >&2
            return 1
        fi
        t=$(readlink "$r$CCE__RP") || return 1
        case $t in
            /*) CCE__RP=$t ;;
            *) CCE__RP=${CCE__RP%/*}/$t ;;
        esac
        case $CCE__RP in */. | */./* | */.. | */../* | *//*) CCE__RP=$(cce__normpath "$CCE__RP") ;; esac
    done
    CCE__RF=$r$CCE__RP
    return 0
}

cce_realpath() {
    cce__resolve "$1" || return 1
    printf '%s\n' "$CCE__RP"
}

cce_read() {
    cce__resolve "$1" 2> /dev/null || return 1
    [ -f "$CCE__RF" ] && [ -r "$CCE__RF" ] || return 1
    head -c "${CCE_MAX_READ:-4194304}" "$CCE__RF" 2> /dev/null | tr -d '\000'
}

cce_file_state() {
    local f
    f=${CCE_ROOT%/}$1
    if [ ! -e "$f" ] && [ ! -L "$f" ]; then
        echo missing
        return 0
    fi
    if ! cce__resolve "$1" 2> /dev/null; then
        echo loop
        return 0
    fi
    f=$CCE__RF
    if [ ! -e "$f" ]; then
        echo missing
    elif [ ! -f "$f" ]; then
        echo notregular
    elif [ ! -r "$f" ]; then
        echo unreadable
    elif [ -n "$(find "$f" -maxdepth 0 -size +"${CCE_MAX_READ:-4194304}"c 2> /dev/null)" ]; then
        echo toolarge
    elif [ "$(head -c 8192 "$f" | tr -cd '\000' | wc -c)" -gt 0 ]; then
        echo binary
    else
        echo ok
    fi
}

cce_require_text() {
    local p st
    for p in "$@"; do
        st=$(cce_file_state "$p")
        case $st in
            ok | missing) ;;
            *)
                cce_error "$p: $st (cannot read it as a configuration file)"
                return 1
                ;;
        esac
    done
    return 0
}

cce_os_release() {
    local f
    for f in /etc/os-release /usr/lib/os-release; do
        if cce_read "$f" > /dev/null 2>&1; then
            cce_read "$f" | awk -v k="$1" '
                index($0, k "=") == 1 {
                    v = substr($0, length(k) + 2)
                    gsub(/^["\047]|["\047][ \t]*$/, "", v)
                    print v
                    exit
                }'
            return 0
        fi
    done
    return 1
}

# --- files and modes ---------------------------------------------------------------

cce_stat() {
    cce__resolve "$1" || return 1
    [ -e "$CCE__RF" ] || [ -L "$CCE__RF" ] || return 1
    find "$CCE__RF" -maxdepth 0 -printf '%04m %U %G %y\n' 2> /dev/null
}

cce_mode() {
    local s
    s=$(cce_stat "$1") || return 1
    [ -n "$s" ] || return 1
    printf '%s\n' "${s%% *}"
}

cce_uid() {
    local s
    s=$(cce_stat "$1") || return 1
    [ -n "$s" ] || return 1
    s=${s#* }
    printf '%s\n' "${s%% *}"
}

cce_gid() {
    local s
    s=$(cce_stat "$1") || return 1
    [ -n "$s" ] || return 1
    s=${s#* }
    s=${s#* }
    printf '%s\n' "${s%% *}"
}

cce_mode_within() {
    case $1 in '' | *[!0-7]*) return 2 ;; esac
    case $2 in '' | *[!0-7]*) return 2 ;; esac
    [ $(((0$1) & ~(0$2))) -eq 0 ]
}

cce__id_name() {
    # $1 = file (root-relative), $2 = numeric id
    case $2 in '' | *[!0-9]*)
        printf '%s\n' "$2"
        return 0
        ;;
    esac
    cce_read "$1" 2> /dev/null | awk -F: -v id="$2" '
        /^[ \t]*#/ { next }
        $3 ~ /^[0-9]+$/ && $3 + 0 == id + 0 { print $1; found = 1; exit }
        END { if (!found) print id + 0 }'
}

cce_owner_name() { cce__id_name /etc/passwd "$1"; }
cce_group_name() { cce__id_name /etc/group "$1"; }

cce_known_uids() {
    cce_read /etc/passwd 2> /dev/null | awk -F: '!/^[ \t]*#/ && $3 ~ /^[0-9]+$/ { print $3 + 0 }'
}

cce_known_gids() {
    cce_read /etc/group 2> /dev/null | awk -F: '!/^[ \t]*#/ && $3 ~ /^[0-9]+$/ { print $3 + 0 }'
}

# --- accounts --------------------------------------------------------------------

cce__entries() {
    cce_read "$1" | awk '!/^[ \t]*#/ && !/^[ \t]*$/'
}

cce_passwd_entries() { cce__entries /etc/passwd; }
cce_shadow_entries() { cce__entries /etc/shadow; }
cce_group_entries() { cce__entries /etc/group; }

# --- the shared walk -------------------------------------------------------------

# cce__clock: milliseconds since boot in CCE__MS, without a process (/proc/uptime has 10 ms
# resolution); falls back to date(1) where /proc is missing.
cce__clock() {
    if [ -r /proc/uptime ] && read -r cce__up _ < /proc/uptime; then
        case $cce__up in
            *.[0-9][0-9]) CCE__MS=${cce__up%.*}${cce__up#*.}0; return 0 ;;
        esac
    fi
    CCE__MS=$(date +%s%N 2>/dev/null)
    case $CCE__MS in
        *[!0-9]*|'') CCE__MS=$(date +%s)000 ;;
        *) CCE__MS=${CCE__MS%??????} ;;
    esac
}


# The walk itself (cce_walk, its slices, the runner's background walk): lib/walk.sh.

# --- output (runner only) ---------------------------------------------------------

# Secrets out: password hashes, shadow-like hash fields, SNMP communities,
# private key blocks and password=-like values.
cce__redact() {
    awk '
    function kv(line,   low, out, s) {
        low = tolower(line)
        out = ""
        while (match(low, /(^|[ \t"\047{,;_])(password|secret|token|credential|api_?key|access_?key|private_?key|community|passphrase)[ \t]*[=:][ \t]*/)) {
            s = RSTART + RLENGTH
            out = out substr(line, 1, s - 1)
            line = substr(line, s)
            low = substr(low, s)
            if (match(low, /^[^ \t,;&"\047]+/)) {
                out = out "<redacted>"
                line = substr(line, RLENGTH + 1)
                low = substr(low, RLENGTH + 1)
            }
        }
        return out line
    }
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ {
        print "[private key redacted]"
        if ($0 !~ /-----END [A-Z0-9 ]*PRIVATE KEY-----/) inkey = 1
        next
    }
    inkey { if ($0 ~ /-----END [A-Z0-9 ]*PRIVATE KEY-----/) inkey = 0; next }
    {
        line = $0
        gsub(/\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[^ \t:,;"\047]*/, "$<redacted>", line)
        # shadow/passwd-like entries: name:HASH:number:...
        n = split(line, f, ":")
        if (n >= 7) {
            for (i = 1; i + 2 <= n; i++) {
                if (f[i] ~ /[A-Za-z0-9_.-]+$/ && f[i + 2] ~ /^[0-9]*$/ && length(f[i + 1]) > 2 && f[i + 1] !~ /^(x|\*LK\*|!!?\*?|\*|\$<redacted>|!\$<redacted>)$/ && f[i + 1] !~ /[ \t]/) {
                    f[i + 1] = "<redacted>"
                    line = f[1]
                    for (j = 2; j <= n; j++) line = line ":" f[j]
                    break
                }
            }
        }
        m = split(line, w, /[ \t]+/)
        for (i = 1; i <= m; i++) {
            if (w[i] ~ /^(ro|rw)community6?$/ && i < m) { line = redact_word(line, w[i + 1]); break }
            if (w[i] ~ /^com2sec6?$/ && i < m) { line = redact_word(line, w[m]); break }
        }
        print kv(line)
    }
    function redact_word(line, word,   p) {
        p = index(line, " " word)
        if (p == 0) p = index(line, "\t" word)
        if (p == 0) return line
        return substr(line, 1, p) "<redacted>" substr(line, p + 1 + length(word))
    }'
}

# Keep valid UTF-8 only.
cce__utf8() {
    if command -v iconv > /dev/null 2>&1; then
        iconv -c -f UTF-8 -t UTF-8 2> /dev/null
    else
        tr -d '\200-\377'
    fi
}

# awk functions shared by the JSON writers: jesc(s) escapes s for a JSON string.
cce__jsonlib='
function jinit(   i) {
    for (i = 1; i < 32; i++) ctl[sprintf("%c", i)] = sprintf("\\u%04x", i)
    ctl[sprintf("%c", 127)] = "\\u007f"
    ctl["\t"] = "\\t"; ctl["\n"] = "\\n"; ctl["\r"] = "\\r"
    ctl["\\"] = "\\\\"; ctl["\""] = "\\\""
    cre = "["
    for (i = 1; i < 32; i++) cre = cre sprintf("%c", i)
    cre = cre sprintf("%c", 127) "]"
    jready = 1
}
function jesc(s,   out, i, n, c) {
    if (!jready) jinit()
    if (index(s, "\\") == 0 && index(s, "\"") == 0 && s !~ cre) return s
    out = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c in ctl) out = out ctl[c]
        else out = out c
    }
    return out
}
function jstr(s) { return "\"" jesc(s) "\"" }
function slurp(f,   line, out, first) {
    out = ""; first = 1
    while ((getline line < f) > 0) { out = out (first ? "" : "\n") line; first = 0 }
    close(f)
    return out
}
'

cce__live_hostname() {
    hostname 2> /dev/null || head -n 1 /proc/sys/kernel/hostname 2> /dev/null
}

cce__walk_meta() {
    local count entries secs state
    count=$(cat "$CCE_STAGE/walk.count" 2> /dev/null || echo 0)
    secs=$(cat "$CCE_STAGE/walk.ms" 2> /dev/null || echo 0)
    entries=0
    state=not-run
    if [ -f "$CCE_STAGE/walk.tsv" ]; then
        entries=$(cat "$CCE_STAGE/walk.entries" 2> /dev/null || wc -l < "$CCE_STAGE/walk.tsv")
        state=ok
    elif [ -f "$CCE_STAGE/walk.failed" ]; then
        state=failed
    fi
    printf '%s %s %s %s\n' "$count" "$entries" "$secs" "$state"
}

# cce__emit_meta HOST VERSION SHA STARTED FINISHED
cce__emit_meta() {
    local osr hn live walk
    osr=$CCE_STAGE/os-release
    cce_read /etc/os-release > "$osr" 2> /dev/null || cce_read /usr/lib/os-release > "$osr" 2> /dev/null || : > "$osr"
    hn=$CCE_STAGE/root-hostname
    cce_read /etc/hostname 2> /dev/null | head -n 1 | head -c 255 > "$hn"
    live=false
    cce_is_live && live=true
    walk=$(cce__walk_meta)
    awk -v host="$1" -v version="$2" -v sha="$3" -v started="$4" -v finished="$5" \
        -v root="$CCE_ROOT" -v live="$live" -v osr="$osr" -v hnf="$hn" -v walk="$walk" \
        -v lhn="$(cce__live_hostname | head -n 1)" -v iid="${AWS_SSM_INSTANCE_ID:-}" \
        -v region="${AWS_SSM_REGION_NAME:-}" -v cmd="${SSM_COMMAND_ID:-}" \
        -v pname="${AWS_SSM_PLATFORM_NAME:-}" -v pver="${AWS_SSM_PLATFORM_VERSION:-}" \
        -v kernel="$(uname -r 2> /dev/null)" -v arch="$(uname -m 2> /dev/null)" \
        -v itimeout="$CCE_ITEM_TIMEOUT" "$cce__jsonlib"'
    BEGIN {
        ko = "ID VERSION_ID ID_LIKE NAME PRETTY_NAME VERSION PLATFORM_ID"
        nk = split(ko, keys, " ")
        while ((getline line < osr) > 0) {
            p = index(line, "=")
            if (p == 0) continue
            k = substr(line, 1, p - 1); v = substr(line, p + 1)
            gsub(/^["\047]|["\047][ \t]*$/, "", v)
            if (!(k in os)) os[k] = v
        }
        o = ""
        for (i = 1; i <= nk; i++) if (keys[i] in os) o = o (o == "" ? "" : ",") jstr(keys[i]) ":" jstr(os[keys[i]])
        rh = slurp(hnf)
        split(walk, w, " ")
        printf "{\"schema\":1,\"scanned_root\":{\"path\":%s,\"live\":%s,\"hostname\":%s,\"os_release\":{%s}},", jstr(root), live, jstr(rh), o
        printf "\"host\":{\"hostname\":%s,\"output_name\":%s,\"instance_id\":%s,\"region\":%s,\"command_id\":%s,", jstr(lhn), jstr(host ".tar"), jstr(iid), jstr(region), jstr(cmd)
        printf "\"platform_name\":%s,\"platform_version\":%s,\"kernel\":%s,\"arch\":%s},", jstr(pname), jstr(pver), jstr(kernel), jstr(arch)
        printf "\"bundle\":{\"version\":%s,\"sha256\":%s},", jstr(version), jstr(sha)
        printf "\"runner\":{\"item_timeout_s\":%d},", itimeout
        printf "\"walk\":{\"count\":%d,\"entries\":%d,\"ms\":%d,\"state\":%s},", w[1], w[2], w[3], jstr(w[4])
        printf "\"started_at\":%s,\"finished_at\":%s}\n", jstr(started), jstr(finished)
    }'
}

# cce__emit_results HOST VERSION SHA STARTED FINISHED: results.jsonl on stdout (every item of
# plan.txt, then the summary) and evidence/<code>.txt; a handful of processes for all 67 items.
cce__emit_results() {
    local st live
    st=$CCE_STAGE
    live=false
    cce_is_live && live=true
    # Reasons (1 KiB each; a crash adds its stderr excerpt), redacted, valid UTF-8.
    awk -v st="$st" '
        BEGIN {
            M = sprintf("%cCCE ", 1)
            while ((getline line < (st "/plan.txt")) > 0) {
                split(line, p, "|"); code = p[1]; d = st "/items/" code
                r = ""
                while ((getline l < (d "/reason")) > 0) r = r (r == "" ? "" : " ") l
                close(d "/reason")
                if ((getline l < (d "/reason.stderr")) >= 0) {
                    close(d "/reason.stderr")
                    e = ""
                    while ((getline l < (d "/stderr")) > 0 && length(e) < 400) e = e (e == "" ? "" : " ") l
                    close(d "/stderr")
                    r = r ": " substr(e, 1, 400)
                }
                print M code
                print substr(r, 1, 1024)
            }
        }' | tr -d '\000' | cce__redact | cce__utf8 > "$st/reasons.txt"
    # Evidence: at most 64 KiB read per item, redacted, cut at 4 KiB on a line boundary.
    awk -v st="$st" '
        BEGIN {
            M = sprintf("%cCCE ", 1)
            while ((getline line < (st "/plan.txt")) > 0) {
                split(line, p, "|"); code = p[1]; f = st "/items/" code "/evidence"
                if ((getline l < f) > 0) {
                    print M code
                    n = 0
                    do { n += length(l) + 1; if (n > 65536) break; print l } while ((getline l < f) > 0)
                }
                close(f)
            }
        }' | tr -d '\000' | cce__redact | cce__utf8 | awk -v dir="$st/out/evidence" '
        function finish() { if (trunc) print "[evidence truncated]" > out; close(out) }
        BEGIN { M = sprintf("%cCCE ", 1) }
        substr($0, 1, 5) == M { if (out != "") finish(); out = dir "/" substr($0, 6) ".txt"; n = 0; trunc = 0; printf "" > out; next }
        out == "" || trunc { next }
        { if (n + length($0) + 1 > 4050) { trunc = 1; next } print > out; n += length($0) + 1 }
        END { if (out != "") finish() }'
    awk -v st="$st" -v host="$1" -v version="$2" -v sha="$3" -v started="$4" -v finished="$5" \
        -v root="$CCE_ROOT" -v live="$live" \
        -v iid="${AWS_SSM_INSTANCE_ID:-}" -v region="${AWS_SSM_REGION_NAME:-}" \
        -v osid="$(cce_os_release ID 2> /dev/null)" -v osver="$(cce_os_release VERSION_ID 2> /dev/null)" \
        "$cce__jsonlib"'
    BEGIN {
        M = sprintf("%cCCE ", 1)
        while ((getline l < (st "/durations.txt")) > 0) { split(l, d, " "); dur[d[1]] = d[2] }
        while ((getline l < (st "/reasons.txt")) > 0) {
            if (substr(l, 1, 5) == M) { code = substr(l, 6); reason[code] = ""; continue }
            reason[code] = reason[code] (reason[code] == "" ? "" : " ") l
        }
        while ((getline line < (st "/plan.txt")) > 0) {
            split(line, p, "|"); code = p[1]; sev = p[2]; leg = p[3]; title = p[4]
            status = ""
            f = st "/items/" code "/status"
            if ((getline status < f) <= 0) status = ""
            close(f)
            if (status !~ /^(GOOD|VULNERABLE|MANUAL|NOT_APPLICABLE|ERROR)$/) status = "ERROR"
            c[status]++
            ev = slurp(st "/out/evidence/" code ".txt"); sub(/\n+$/, "", ev)
            n = split(leg, lg, /[ \t]+/)
            lj = ""
            for (i = 1; i <= n; i++) if (lg[i] != "") lj = lj (lj == "" ? "" : ",") jstr(lg[i])
            ms = dur[code]; if (ms !~ /^[0-9]+$/) ms = 0
            printf "{\"type\":\"item\",\"edition\":\"KISA-2026\",\"code\":%s,\"severity\":%s,\"status\":%s,", jstr(code), jstr(sev), jstr(status)
            printf "\"title\":%s,\"reason\":%s,\"evidence\":%s,\"legacy_codes\":[%s],\"duration_ms\":%d}\n", jstr(title), jstr(reason[code]), jstr(ev), lj, ms
        }
        split("GOOD VULNERABLE MANUAL NOT_APPLICABLE ERROR", s, " ")
        counts = ""
        for (i = 1; i <= 5; i++) counts = counts (i > 1 ? "," : "") jstr(s[i]) ":" (c[s[i]] + 0)
        printf "{\"type\":\"summary\",\"host\":{\"hostname\":%s,\"instance_id\":%s,\"region\":%s,\"os_id\":%s,\"os_version\":%s,\"root\":%s,\"live\":%s},", jstr(host), jstr(iid), jstr(region), jstr(osid), jstr(osver), jstr(root), live
        printf "\"bundle\":{\"version\":%s,\"sha256\":%s},\"started_at\":%s,\"finished_at\":%s,\"counts\":{%s}}\n", jstr(version), jstr(sha), jstr(started), jstr(finished), counts
    }'
}
