# shellcheck shell=sh
# lib/walk.sh: the shared filesystem walk (one per bundle run) and its slices.
#
#   cce_walk             print the path of the walk file (one walk per run, made on first use);
#                        lines MODE<TAB>UID<TAB>GID<TAB>TYPE<TAB>PATH, PATH root-relative from /;
#                        returns 1 (with the reason on stderr) when the walk failed
#   cce_walk_slice TAG   print the path of one slice of the walk: the walk's own lines (same
#                        format, walk order) that match TAG, so an item reads a few lines
#                        instead of the whole walk; returns 1 when there is no walk:
#                          S  regular files with setuid or setgid
#                          W  regular files writable by other
#                          D  regular files under /dev
#                          H  entries whose name starts with "." (the scanned root itself never)
#                          O  entries whose uid is absent from the root's passwd or whose gid
#                             is absent from its group (empty when either file gives no id)
#                          L  /var/log and every entry below it
#   cce_walk_entries     print the number of entries of the walk
#
# The walk is local filesystems only (find -xdev from / and every local disk mount, plus /dev,
# when live; the root only when offline), skipping /proc, /sys, /dev/pts, /run and the bundle's
# own working directory.  By default (CCE_WALK_STREAM=1) find only prints the walk, into a FIFO
# read by one awk that writes the walk file and every slice as the lines come: the slice tests run
# beside find (on another core) instead of inside it, where they lengthened the walk by 0.6-0.8 s
# of CPU over 850,000 entries.  With CCE_WALK_STREAM=0, or where mkfifo fails, the set-id,
# world-writable, hidden and unknown-owner slices are written by the walk itself (find -fprintf,
# GNU findutils) when the host's find has it, and the /dev and /var/log slices (path tests find
# would make on every file) by one grep -F over the walk after it; a find without -fprintf (or
# CCE_WALK_FPRINTF=0) leaves every slice to one awk pass over the walk right after it.  Every way
# the slice files and the walk's entry count exist before walk.tsv does: the walk file appears
# last.  walk.byfind lists the tags find wrote itself.
#
# Runner only: cce__walk_start starts the walk in the background (so the items that do not
# use it run meanwhile) and cce__walk_wait waits for it; the runner's exit trap ends it early
# (TERM to the background shell, which ends find).  While it runs, an item that asks for the walk is told "still running" and marked (walk-wait in its
# item directory) so that the runner runs it again once the walk is there.

# Live: / plus every local disk filesystem and /dev; offline: the root only.
cce__walk_roots() {
    if cce_is_live; then
        printf '%s\n' /
        awk '$3 ~ /^(ext2|ext3|ext4|xfs|btrfs|jfs|reiserfs|f2fs|zfs)$/ && $2 != "/" {
                 if ($2 !~ /^\/(proc|sys|run)(\/|$)/) print $2 }' /proc/self/mounts 2> /dev/null
        [ -d /dev ] && printf '%s\n' /dev
    else
        printf '%s\n' "${CCE_ROOT%/}"
    fi
}

# cce__walk_glob PATH: PATH with the find -path metacharacters (* ? [ ] \) escaped.
cce__walk_glob() {
    case $1 in
        *[][*?\\]*) printf '%s\n' "$1" | sed 's/[][*?\\]/\\&/g' ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# True when this host's find takes the slice expression (-fprintf, -perm /MODE, the comma
# operator): GNU findutils does, busybox does not.
cce__walk_can_fprintf() {
    local probe rc
    [ "${CCE_WALK_FPRINTF:-1}" != 0 ] || return 1
    probe=$CCE_STAGE/walk.probe
    find "$CCE_STAGE" -maxdepth 0 "(" "(" -type f -perm /6000 -fprintf "$probe" '%p\n' ")" \
        , "(" -name ".*" ! -path "$probe" -fprintf "$probe" '%p\n' ")" \
        , "(" ! -uid 0 -o ! -gid 0 ")" , -printf '' ")" > /dev/null 2>&1
    rc=$?
    rm -f "$probe"
    return "$rc"
}

# cce__walk_id_runs uid|gid: reads numeric ids (one a line) and prints find tests, one a line,
# true for an id in the set: "-uid 5", "-uid -11" (below 11), "( -uid +99 -uid -103 )" for the
# run 100..102, joined by "-o"; nothing for no id.
cce__walk_id_runs() {
    sort -un | awk -v t="-$1" '
        function flush() {
            if (n++) print "-o"
            if (lo == hi) print t " " lo
            else if (lo == 0) print t " -" hi + 1
            else print "( " t " +" lo - 1 " " t " -" hi + 1 " )"
        }
        /^[0-9]+$/ { v = $1 + 0; if (have && v == hi + 1) { hi = v; next }; if (have) flush(); lo = hi = v; have = 1 }
        END { if (have) flush() }'
}

# cce__walk_run OUT: the walk into OUT; slices into OUT.S, OUT.W, ... for the tags listed in
# OUT.tags (the ones find wrote itself); find's stderr into OUT.err.  Returns find's status.
cce__walk_run() {
    local out root eroot fmt prefix ids n stream dest
    out=$1
    root=${CCE_ROOT%/}
    eroot=$(cce__walk_glob "$root")
    set --
    while IFS= read -r prefix; do
        [ -n "$prefix" ] && set -- "$@" "$prefix"
    done << EOF
$(cce__walk_roots)
EOF
    # Pruned directories by identity (device and inode), tested on directories only: find
    # moves name tests such as -path ahead of -type whatever the order given, so a -path prune
    # costs a pattern match on every entry (0.4 s of CPU over 550,000 entries).
    set -- "$@" -xdev -type d "("
    n=0
    for prefix in "$root/proc" "$root/sys" "$root/dev/pts" "$root/run" "$CCE_STAGE" "$CCE_WORK"; do
        [ -d "$prefix" ] && [ ! -L "$prefix" ] || continue
        case $prefix in "$root" | /) continue ;; esac
        [ "$n" -gt 0 ] && set -- "$@" -o
        set -- "$@" -samefile "$prefix"
        n=$((n + 1))
    done
    set -- "$@" ")" -prune -o
    if cce_is_live; then
        fmt='%04m\t%U\t%G\t%y\t%p\n'
    else
        fmt='%04m\t%U\t%G\t%y\t/%P\n'
    fi
    stream=
    if [ "${CCE_WALK_STREAM:-1}" != 0 ] && mkfifo "$out.fifo" 2> /dev/null; then
        # find prints the walk only; the slicer copies it to OUT and writes the slices beside it
        stream=$out.fifo
        : > "$out.tags"
        set -- "$@" -printf "$fmt"
    elif cce__walk_can_fprintf; then
        # The comma operator evaluates every branch and keeps the last value (the main
        # -printf).  Nested groups keep the cheap tests first: find moves name tests (-path,
        # -name) ahead of the others in an and-chain, never out of a group.
        set -- "$@" "(" "(" -type f -perm /6002 "(" "(" -perm /6000 -fprintf "$out.S" "$fmt" ")" \
            , "(" -perm -0002 -fprintf "$out.W" "$fmt" ")" ")" ")" \
            , "(" -name ".*" "(" ! -path "$eroot" -fprintf "$out.H" "$fmt" ")" ")"
        printf 'S W H' > "$out.tags"
        # Unknown owners: numeric tests over the runs of consecutive known ids, the lowest
        # first (most entries are root's and stop at the first test); a root with very many
        # runs is left to the awk pass (the chain would grow per entry).
        ids=$({ cce_known_uids | cce__walk_id_runs uid; printf '@@\n'; cce_known_gids | cce__walk_id_runs gid; })
        case $ids in
            @@* | *@@) ;;
            *)
                if [ "$(printf '%s\n' "$ids" | awk '$0 != "-o" { n++ } END { print n + 0 }')" -le 400 ]; then
                    set -- "$@" , "(" "!" "("
                    while IFS= read -r prefix; do
                        # shellcheck disable=SC2086  # a test is several words
                        case $prefix in @@) set -- "$@" ")" -o "!" "(" ;; *) set -- "$@" $prefix ;; esac
                    done << EOF
$ids
EOF
                    set -- "$@" ")" ")" -fprintf "$out.O" "$fmt"
                    printf ' O' >> "$out.tags"
                fi
                ;;
        esac
        set -- "$@" , -printf "$fmt" ")"
    else
        : > "$out.tags"
        set -- "$@" -printf "$fmt"
    fi
    dest=$out
    if [ -n "$stream" ]; then
        cce__walk_ids "$out.ids"
        awk -F '\t' -v tags=" S W D H O L " -v out="$out" -v copy=1 "$CCE__WALK_SLICER" "$out.ids" - < "$stream" &
        CCE__WALK_SLICE=$!
        dest=$stream
    fi
    if command -v timeout > /dev/null 2>&1; then
        timeout -k 2 "${CCE_WALK_TIMEOUT:-300}" find "$@" > "$dest" 2> "$out.err" &
    else
        find "$@" > "$dest" 2> "$out.err" &
    fi
    # waited for in the background so that cce__walk_start's TERM trap can end it
    CCE__WALK_FIND=$!
    wait "$CCE__WALK_FIND"
    prefix=$?
    CCE__WALK_FIND=
    if [ -n "$stream" ]; then
        if wait "$CCE__WALK_SLICE"; then
            printf 'S W D H O L' > "$out.beside"
        else
            [ "$prefix" -gt 1 ] || prefix=2
            printf 'the walk slicer (awk) failed\n' >> "$out.err"
        fi
        CCE__WALK_SLICE=
        rm -f "$stream" "$out.ids"
    fi
    return "$prefix"
}

# cce__walk_ids FILE: the root's known uids and gids as the slicer's first input ("U<TAB>id",
# "G<TAB>id", and a last "X" line so that it is never empty).
cce__walk_ids() {
    {
        cce_known_uids | awk '{ print "U\t" $1 + 0 }'
        cce_known_gids | awk '{ print "G\t" $1 + 0 }'
        printf 'X\t-\n' # never empty: the FNR == NR test below needs a first file
    } > "$1"
}

# The slicer: awk -F '\t' -v tags=" S W ... " -v out=OUT -v copy=0|1 "$CCE__WALK_SLICER" IDS INPUT
# writes OUT.<tag> for each tag of TAGS in one pass over the walk lines of INPUT (the same tests
# as the find expression, on the walk's lines); with copy=1 it also copies every line to OUT and
# writes their number to OUT.n.
# shellcheck disable=SC2016  # an awk program
CCE__WALK_SLICER='
    FNR == NR { if ($1 == "U") { U[$2] = 1; nu++ } else if ($1 == "G") { G[$2] = 1; ng++ }; next }
    !started {
        started = 1
        ws = index(tags, " S "); ww = index(tags, " W "); wd = index(tags, " D ")
        wh = index(tags, " H "); wo = index(tags, " O ") && nu > 0 && ng > 0; wl = index(tags, " L ")
        fs = out ".S"; fw = out ".W"; fd = out ".D"; fh = out ".H"; fo = out ".O"; fl = out ".L"
    }
    {
        if (copy) { print > out; n++ }
        if (wo && (!($2 in U) || !($3 in G))) print > fo
        if ($4 == "f") {
            if (ws && $1 !~ /^[01]/) print > fs
            if (ww && $1 ~ /[2367]$/) print > fw
            if (wd && index($5, "/dev/") == 1) print > fd
        }
        if (wh && index($5, "/.")) { b = $5; sub(/^.*\//, "", b); if (substr(b, 1, 1) == ".") print > fh }
        if (wl && index($5, "/var/log") == 1 && ($5 == "/var/log" || index($5, "/var/log/") == 1)) print > fl
    }
    END { if (copy) print n + 0 > (out ".n") }'

# cce__walk_slice_pass WALK TAGS: write WALK.<tag> for each tag of TAGS in one pass over WALK; when
# TAGS are only D and L (find wrote the others), over the lines one grep -F finds (a regular file
# path under /dev/, a path under /var/log), a superset the slicer's own tests narrow.
cce__walk_slice_pass() {
    local tab
    tab=$(printf '\t')
    cce__walk_ids "$1.ids"
    case " $2 " in
        *" S "* | *" W "* | *" H "* | *" O "*)
            awk -F '\t' -v tags=" $2 " -v out="$1" -v copy=0 "$CCE__WALK_SLICER" "$1.ids" "$1"
            ;;
        *)
            grep -F -e "${tab}f$tab/dev/" -e "$tab/var/log" "$1" |
                awk -F '\t' -v tags=" $2 " -v out="$1" -v copy=0 "$CCE__WALK_SLICER" "$1.ids" -
            ;;
    esac
    rm -f "$1.ids"
}

cce_walk() {
    local f rc t0 t1 n tag missing
    f=$CCE_STAGE/walk.tsv
    if [ -f "$f" ]; then
        printf '%s\n' "$f"
        return 0
    fi
    if [ -f "$CCE_STAGE/walk.failed" ]; then
        printf 'filesystem walk failed: %s\n' "$(head -c 200 "$CCE_STAGE/walk.failed")" >&2
        return 1
    fi
    if [ -z "${CCE__WALKER:-}" ] && [ -f "$CCE_STAGE/walk.pending" ]; then
        # the runner's background walk is not done yet
        if [ -n "${CCE_ITEM_DIR:-}" ]; then
            : > "$CCE_ITEM_DIR/walk-wait"
            printf 'the filesystem walk is still running\n' >&2
            return 1
        fi
        while [ -f "$CCE_STAGE/walk.pending" ] && [ ! -f "$f" ] && [ ! -f "$CCE_STAGE/walk.failed" ]; do
            sleep 1
        done
        cce_walk
        return $?
    fi
    n=$(cat "$CCE_STAGE/walk.count" 2> /dev/null || echo 0)
    printf '%s\n' "$((n + 1))" > "$CCE_STAGE/walk.count"
    rm -f "$CCE_STAGE/walk.S" "$CCE_STAGE/walk.W" "$CCE_STAGE/walk.D" "$CCE_STAGE/walk.H" \
        "$CCE_STAGE/walk.O" "$CCE_STAGE/walk.L" "$CCE_STAGE/walk.entries" "$CCE_STAGE/walk.byfind"
    cce__clock
    t0=$CCE__MS
    cce__walk_run "$f.tmp"
    rc=$?
    cce__clock
    t1=$CCE__MS
    printf '%s\n' "$((t1 - t0))" > "$CCE_STAGE/walk.ms"
    # find exits 1 on unreadable or vanished entries; its output is still the walk.
    if [ "$rc" -gt 1 ] || [ ! -s "$f.tmp" ]; then
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            printf 'timed out after %s s\n' "${CCE_WALK_TIMEOUT:-300}" > "$CCE_STAGE/walk.failed"
        else
            printf 'find exited %s: %s\n' "$rc" "$(head -c 150 "$f.tmp.err" | tr '\n' ' ')" \
                > "$CCE_STAGE/walk.failed"
        fi
        rm -f "$f.tmp" "$f.tmp.S" "$f.tmp.W" "$f.tmp.D" "$f.tmp.H" "$f.tmp.O" "$f.tmp.L" "$f.tmp.tags" "$f.tmp.beside" \
            "$f.tmp.n"
        printf 'filesystem walk failed: %s\n' "$(head -c 200 "$CCE_STAGE/walk.failed")" >&2
        return 1
    fi
    missing=
    for tag in S W D H O L; do
        case " $(cat "$f.tmp.tags" "$f.tmp.beside" 2> /dev/null) " in
            *" $tag "*) ;;
            *) missing="$missing $tag" ;;
        esac
    done
    [ -n "$missing" ] && cce__walk_slice_pass "$f.tmp" "$missing"
    for tag in S W D H O L; do
        [ -f "$f.tmp.$tag" ] || : > "$f.tmp.$tag"
        mv -f "$f.tmp.$tag" "$CCE_STAGE/walk.$tag"
    done
    mv -f "$f.tmp.tags" "$CCE_STAGE/walk.byfind"
    if [ -f "$f.tmp.beside" ] && [ -s "$f.tmp.n" ]; then
        mv -f "$f.tmp.n" "$CCE_STAGE/walk.entries"
    else
        wc -l < "$f.tmp" | tr -d ' ' > "$CCE_STAGE/walk.entries"
    fi
    rm -f "$f.tmp.beside" "$f.tmp.n"
    mv -f "$f.tmp" "$f"
    printf '%s\n' "$f"
}

cce_walk_slice() {
    case $1 in
        S | W | D | H | O | L) ;;
        *)
            printf 'unknown walk slice: %s\n' "$1" >&2
            return 1
            ;;
    esac
    cce_walk > /dev/null || return 1
    printf '%s\n' "$CCE_STAGE/walk.$1"
}

cce_walk_entries() {
    cce_walk > /dev/null || return 1
    cat "$CCE_STAGE/walk.entries" 2> /dev/null || wc -l < "$CCE_STAGE/walk.tsv" | tr -d ' '
}

# --- runner only ------------------------------------------------------------------

cce__walk_start() {
    : > "$CCE_STAGE/walk.pending"
    (
        trap '[ -n "${CCE__WALK_FIND:-}" ] && kill "$CCE__WALK_FIND" 2> /dev/null
            [ -n "${CCE__WALK_SLICE:-}" ] && kill "$CCE__WALK_SLICE" 2> /dev/null; exit 143' TERM
        CCE__WALKER=1
        cce_walk > /dev/null 2>&1
        rm -f "$CCE_STAGE/walk.pending"
    ) &
    CCE__WALK_BG=$!
}

cce__walk_wait() {
    [ -n "${CCE__WALK_BG:-}" ] || return 0
    wait "$CCE__WALK_BG"
    CCE__WALK_BG=
    rm -f "$CCE_STAGE/walk.pending"
}
