# shellcheck shell=sh
# shellcheck disable=SC2034  # CCE_* results are read by the checks
# Service enablement and package presence, read from the scanned root's own files.
#
# cce_service_enabled [-p PROC]... NAME...
#   Returns 0 when any NAME is enabled (starts at boot) or, on a live root only, when a process
#   named PROC (its /proc/PID/comm) is running; returns 1 otherwise. Never starts or queries a
#   service manager. Sets CCE_SVC_WHY to one line saying where each NAME was found, including why
#   a configuration that looks enabled does not count (masked unit, stale link, super-server
#   not enabled). NAME forms:
#     foo.service, foo.socket, ...   a systemd unit: enabled when a link named after it sits in a
#                   *.wants/ or *.requires/ directory of the unit path (/etc, /run, /usr/local/lib,
#                   /usr/lib, /lib systemd/system), its unit file exists in that path and it is not
#                   masked (linked to /dev/null or empty). A link whose unit file is gone is stale.
#     foo@.service  any instance of the template (links named foo@*.service).
#     xinetd:foo    a "service foo" stanza of xinetd.conf or its includedir (files whose names hold
#                   a dot or end in ~ are skipped, as xinetd does) that is not disabled: xinetd's
#                   own default is enabled, "disable = yes" or the defaults' disabled/enabled lists
#                   turn it off. Counts only when xinetd itself is enabled or running.
#     inetd:foo     an uncommented line for service foo in /etc/inetd.conf or /etc/inetd.d/*;
#                   counts only when inetd (openbsd-inetd, inetutils-inetd) is enabled or running.
#     sysv:foo      /etc/init.d/foo with an S link in /etc/rc2.d..rc5.d, only when no native unit
#                   foo.service exists (systemd's sysv generator does the same).
#     foo           all of foo.service, foo.socket, xinetd:foo, inetd:foo and sysv:foo.
#
# cce_service_installed NAME...
#   Returns 0 when a unit file, xinetd stanza, inetd line or init script for any NAME exists
#   (enabled or not). Same NAME forms.
#
# cce_pkg_installed [-b PATH]... NAME...
#   Returns 0 when any package NAME is installed, 1 when not. The dpkg status file decides on
#   Debian-family roots; the (sqlite) rpm database decides through "rpm --root" only when an rpm binary
#   exists here; otherwise the presence of any -b PATH (root-relative) decides. Sets
#   CCE_PKG_NAME, CCE_PKG_VERSION (empty when only a file was found) and CCE_PKG_HOW (dpkg, rpm,
#   file or none).
#
# cce_pkg_version NAME...
#   The installed version of the first package NAME found as cce_pkg_installed finds it (dpkg
#   status; the sqlite rpm database through "rpm --root" where an rpm binary exists; a Berkeley DB
#   rpm database is never opened). Prints the upstream version (epoch and packaging revision
#   dropped: 1:8.9p1-3ubuntu0.10 -> 8.9p1, 9.16.23-24.el9 -> 9.16.23) and returns 0; returns 1 and
#   prints nothing when no NAME is installed or no package database is readable (CCE_PKG_HOW says
#   which: dpkg/rpm = not installed per that database, none/file = no readable database). Also sets
#   CCE_PKG_UPSTREAM to the printed version, so that a caller that needs CCE_PKG_NAME/_HOW runs it
#   in its own shell (cce_pkg_version NAME > /dev/null) rather than in $(...).
#
# cce_version_at_least VERSION MIN
#   0 when VERSION's leading numeric parts (8.9p1 -> 8.9) are MIN or later (MIN as 9.20 or 7.0).
#
# cce_process_running PROC...
#   Live roots only: 0 when a process whose comm is any PROC runs, 1 when none does, 2 offline.

CCE_SVC_WHY=''
CCE_PKG_NAME=''
CCE_PKG_VERSION=''
CCE_PKG_HOW=''
CCE_PKG_UPSTREAM=''

_cce_unit_dirs='/etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system'

# The scanned root without its trailing slash ('' for a live root).
_cce_svc_r() {
    if [ -z "${_cce_svc_root_set:-}" ]; then
        _cce_svc_root=$(cce_path /)
        _cce_svc_root=${_cce_svc_root%/}
        _cce_svc_root_set=1
    fi
}

# _cce_resolve RELPATH: follow symlinks inside the scanned root (at most 8 hops); sets _cce_rs to the
# root-relative path of what it points to and returns 0 when that exists, else returns 1.
_cce_resolve() {
    _cce_svc_r
    _cce_rs=$1
    _rs_n=0
    while [ -L "$_cce_svc_root$_cce_rs" ]; do
        _rs_n=$((_rs_n + 1))
        [ "$_rs_n" -gt 8 ] && return 1
        _rs_t=$(readlink "$_cce_svc_root$_cce_rs") || return 1
        case $_rs_t in
            /*) _cce_rs=$_rs_t ;;
            *) _cce_rs=${_cce_rs%/*}/$_rs_t ;;
        esac
    done
    [ -e "$_cce_svc_root$_cce_rs" ]
}

# _cce_unit_state UNIT: sets _cce_us to masked, file or none and _cce_us_path to the unit file
# (for masked: the masking link or empty file).
_cce_unit_state() {
    _cce_svc_r
    _us_name=$1
    case $_us_name in
        *@?*.*) _us_tmpl=${_us_name%%@*}@.${_us_name##*.} ;;
        *) _us_tmpl='' ;;
    esac
    _cce_us=none
    _cce_us_path=''
    for _us_n in "$_us_name" $_us_tmpl; do
        for _us_d in $_cce_unit_dirs; do
            _us_f=$_cce_svc_root$_us_d/$_us_n
            if [ -L "$_us_f" ]; then
                _us_t=$(readlink "$_us_f")
                if [ "$_us_t" = /dev/null ]; then
                    _cce_us=masked
                    _cce_us_path=$_us_d/$_us_n
                    return 0
                fi
                if _cce_resolve "$_us_d/$_us_n"; then
                    _cce_us='file'
                    _cce_us_path=$_cce_rs
                    return 0
                fi
                continue
            fi
            if [ -f "$_us_f" ]; then
                _cce_us='file'
                [ -s "$_us_f" ] || _cce_us=masked
                _cce_us_path=$_us_d/$_us_n
                return 0
            fi
        done
    done
    return 0
}

# _cce_unit_enabled UNIT: 0 when enabled; appends to CCE_SVC_WHY either way when something is found.
_cce_unit_enabled() {
    _cce_svc_r
    _ue_u=$1
    case $_ue_u in
        *@.*) _ue_pat="${_ue_u%%@.*}@*.${_ue_u##*@.}" ;;
        *) _ue_pat=$_ue_u ;;
    esac
    _ue_link=''
    for _ue_d in $_cce_unit_dirs; do
        # shellcheck disable=SC2231  # $_ue_pat is a glob on purpose (template instances)
        for _ue_l in "$_cce_svc_root$_ue_d"/*.wants/$_ue_pat "$_cce_svc_root$_ue_d"/*.requires/$_ue_pat; do
            if [ -L "$_ue_l" ] || [ -e "$_ue_l" ]; then
                _ue_link=${_ue_l#"$_cce_svc_root"}
                break 2
            fi
        done
    done
    if [ "$_ue_u" != "$_ue_pat" ] && [ -n "$_ue_link" ]; then
        _cce_unit_state "${_ue_link##*/}"
    else
        _cce_unit_state "$_ue_u"
    fi
    case $_cce_us in
        masked)
            _cce_why "$_ue_u masked ($_cce_us_path)"
            return 1 ;;
        none)
            [ -n "$_ue_link" ] && _cce_why "$_ue_u: stale link $_ue_link (unit file missing)"
            return 1 ;;
    esac
    if [ -n "$_ue_link" ]; then
        _cce_why "$_ue_u enabled ($_ue_link)"
        return 0
    fi
    _cce_why "$_ue_u installed, not enabled ($_cce_us_path)"
    return 1
}

_cce_why() {
    if [ -z "$CCE_SVC_WHY" ]; then CCE_SVC_WHY=$1; else CCE_SVC_WHY="$CCE_SVC_WHY; $1"; fi
}

# _cce_sysv_enabled NAME: init script with an S link, only when no native unit exists.
_cce_sysv_enabled() {
    _cce_svc_r
    [ -f "$_cce_svc_root/etc/init.d/$1" ] || return 1
    _cce_unit_state "$1.service"
    [ "$_cce_us" = none ] || return 1
    for _sv_l in "$_cce_svc_root"/etc/rc[2345].d/S[0-9][0-9]"$1"; do
        if [ -L "$_sv_l" ] || [ -e "$_sv_l" ]; then
            _cce_why "sysv $1 enabled (${_sv_l#"$_cce_svc_root"})"
            return 0
        fi
    done
    _cce_why "sysv $1 installed, no S link"
    return 1
}

# _cce_table_find TABLE NAME: sets _cce_tf_on (first "on" location) and _cce_tf_any (first row's
# location) for rows "name<TAB>on|off<TAB>where" or "name<TAB>where"; returns 1 when NAME is absent.
_cce_table_find() {
    _cce_tf_on=''
    _cce_tf_any=''
    _tf_ifs=$IFS
    IFS='
'
    set -f
    for _tf_row in $1; do
        case $_tf_row in
            "$2	"*) ;;
            *) continue ;;
        esac
        _tf_rest=${_tf_row#*	}
        case $_tf_rest in
            on*) [ -z "$_cce_tf_on" ] && _cce_tf_on=${_tf_rest#on	} ;;
            off*) _tf_rest=${_tf_rest#off	} ;;
            *) [ -z "$_cce_tf_on" ] && _cce_tf_on=$_tf_rest ;;
        esac
        [ -z "$_cce_tf_any" ] && _cce_tf_any=${_tf_rest#on	}
    done
    set +f
    IFS=$_tf_ifs
    [ -n "$_cce_tf_any" ]
}

# _cce_xinetd_load: _cce_xt = "name<TAB>on|off<TAB>file:line" per service stanza (once per check).
_cce_xinetd_load() {
    [ -n "${_cce_xt_done:-}" ] && return 0
    _cce_xt_done=1
    _cce_xt=''
    _cce_svc_r
    _xt_conf=$_cce_svc_root/etc/xinetd.conf
    _xt_files=''
    [ -f "$_xt_conf" ] && _xt_files=$_xt_conf
    _xt_dirs=''
    if [ -r "$_xt_conf" ]; then
        _xt_dirs=$(awk '$1 == "includedir" && NF >= 2 { print $2 }' "$_xt_conf")
    fi
    [ -z "$_xt_dirs" ] && [ ! -f "$_xt_conf" ] && _xt_dirs=/etc/xinetd.d
    for _xt_d in $_xt_dirs; do
        for _xt_f in "$_cce_svc_root$_xt_d"/*; do
            [ -f "$_xt_f" ] || continue
            case ${_xt_f##*/} in *.* | *~) continue ;; esac
            _xt_files="$_xt_files
$_xt_f"
        done
    done
    [ -n "$_xt_files" ] || return 0
    _cce_xt=$(printf '%s\n' "$_xt_files" | awk -v root="$_cce_svc_root" '
        function norm(s) { gsub(/[ \t]+/, " ", s); return s }
        function add(list, s,   n, a, i) { n = split(s, a, /[ \t]+/); for (i = 1; i <= n; i++) if (a[i] != "") list[a[i]] = 1 }
        NF == 0 { next }
        {
            file = $0
            st = 0; lineno = 0
            while ((getline line < file) > 0) {
                lineno++
                sub(/#.*/, "", line)
                if (line ~ /^[ \t]*$/) continue
                l = line; gsub(/=/, " = ", l); gsub(/\+ =/, "+=", l); gsub(/- =/, "-=", l)
                n = split(l, w, /[ \t]+/); k = (w[1] == "") ? 2 : 1
                if (st == 0) {
                    if (w[k] == "service") { svc = w[k+1]; id = svc; dis = ""; at = file ":" lineno; st = 1 }
                    else if (w[k] == "defaults") { st = 3 }
                    if (line ~ /\{/) st = (st == 1) ? 2 : (st == 3 ? 4 : st)
                    continue
                }
                if (st == 1 || st == 3) { if (line ~ /\{/) st++; continue }
                if (line ~ /^[ \t]*\}/) {
                    if (st == 2) { ns++; sname[ns] = svc; sid[ns] = id; sdis[ns] = dis; sat[ns] = at }
                    st = 0; continue
                }
                if (st == 2) {
                    if (w[k] == "disable") dis = tolower(w[k+2])
                    else if (w[k] == "id") id = w[k+2]
                } else if (st == 4) {
                    rest = ""; for (i = k + 2; i <= n; i++) rest = rest " " w[i]
                    if (w[k] == "disabled") { add(disabled, rest) }
                    else if (w[k] == "enabled") { add(enabled, rest); haveen = 1 }
                }
            }
            close(file)
        }
        END {
            for (i = 1; i <= ns; i++) {
                on = (sdis[i] != "yes")
                if ((sname[i] in disabled) || (sid[i] in disabled)) on = 0
                if (haveen && !((sname[i] in enabled) || (sid[i] in enabled))) on = 0
                f = sat[i]; if (root != "" && index(f, root) == 1) f = substr(f, length(root) + 1)
                printf "%s\t%s\t%s\n", sname[i], (on ? "on" : "off"), f
            }
        }')
}

# _cce_inetd_load: _cce_it = "name<TAB>file:line" per uncommented inetd.conf line (once per check).
_cce_inetd_load() {
    [ -n "${_cce_it_done:-}" ] && return 0
    _cce_it_done=1
    _cce_it=''
    _cce_svc_r
    _it_files=''
    for _it_f in "$_cce_svc_root/etc/inetd.conf" "$_cce_svc_root"/etc/inetd.d/*; do
        [ -f "$_it_f" ] && [ -r "$_it_f" ] && _it_files="$_it_files $_it_f"
    done
    [ -n "$_it_files" ] || return 0
    # shellcheck disable=SC2086  # file list built above from globbed paths without spaces
    _cce_it=$(awk -v root="$_cce_svc_root" '
        /^[ \t]*(#|$)/ { next }
        NF >= 6 {
            s = $1; sub(/^.*:/, "", s); sub(/\/.*$/, "", s)
            f = FILENAME; if (root != "" && index(f, root) == 1) f = substr(f, length(root) + 1)
            printf "%s\t%s:%d\n", s, f, FNR
        }' $_it_files)
}

_cce_super_enabled() {  # xinetd | inetd; cached per check
    if [ "$1" = xinetd ]; then
        [ -n "${_cce_sx:-}" ] || _cce_sx=$(_cce_super_probe xinetd)
        [ "$_cce_sx" = yes ]
    else
        [ -n "${_cce_si:-}" ] || _cce_si=$(_cce_super_probe inetd)
        [ "$_cce_si" = yes ]
    fi
}

_cce_super_probe() {
    if [ "$1" = xinetd ]; then
        if _cce_unit_enabled xinetd.service || _cce_sysv_enabled xinetd || cce_process_running xinetd; then
            echo yes
            return
        fi
    elif _cce_unit_enabled inetd.service || _cce_unit_enabled openbsd-inetd.service ||
        _cce_unit_enabled inetutils-inetd.service || _cce_sysv_enabled openbsd-inetd ||
        _cce_sysv_enabled inetutils-inetd || cce_process_running inetd; then
        echo yes
        return
    fi
    echo no
}

_cce_xinetd_enabled() {
    _cce_xinetd_load
    _cce_table_find "$_cce_xt" "$1" || return 1
    if [ -z "$_cce_tf_on" ]; then
        _cce_why "xinetd $1 disabled ($_cce_tf_any)"
        return 1
    fi
    if _cce_super_enabled xinetd; then
        _cce_why "xinetd $1 enabled ($_cce_tf_on)"
        return 0
    fi
    _cce_why "xinetd $1 configured on ($_cce_tf_on) but xinetd is not enabled"
    return 1
}

_cce_inetd_enabled() {
    _cce_inetd_load
    _cce_table_find "$_cce_it" "$1" || return 1
    if _cce_super_enabled inetd; then
        _cce_why "inetd $1 enabled ($_cce_tf_on)"
        return 0
    fi
    _cce_why "inetd $1 configured ($_cce_tf_on) but inetd is not enabled"
    return 1
}

cce_process_running() {
    cce_is_live || return 2
    if [ -z "${_cce_procs_done:-}" ]; then
        _cce_procs_done=1
        _cce_procs=$(cat /proc/[0-9]*/comm 2>/dev/null)
    fi
    for _pr in "$@"; do
        case "
$_cce_procs
" in
            *"
$_pr
"*)
                _cce_why "process $_pr running"
                return 0 ;;
        esac
    done
    return 1
}

cce_service_enabled() {
    CCE_SVC_WHY=''
    _se_procs=''
    while [ $# -gt 0 ]; do
        case $1 in
            -p) _se_procs="$_se_procs $2"; shift 2 ;;
            *) break ;;
        esac
    done
    _se_rc=1
    for _se_n in "$@"; do
        case $_se_n in
            xinetd:*) _cce_xinetd_enabled "${_se_n#xinetd:}" && _se_rc=0 ;;
            inetd:*) _cce_inetd_enabled "${_se_n#inetd:}" && _se_rc=0 ;;
            sysv:*) _cce_sysv_enabled "${_se_n#sysv:}" && _se_rc=0 ;;
            *.*) _cce_unit_enabled "$_se_n" && _se_rc=0 ;;
            *)
                _cce_unit_enabled "$_se_n.service" && _se_rc=0
                _cce_unit_enabled "$_se_n.socket" && _se_rc=0
                _cce_xinetd_enabled "$_se_n" && _se_rc=0
                _cce_inetd_enabled "$_se_n" && _se_rc=0
                _cce_sysv_enabled "$_se_n" && _se_rc=0 ;;
        esac
    done
    if [ -n "$_se_procs" ]; then
        # shellcheck disable=SC2086  # process names never hold spaces
        cce_process_running $_se_procs && _se_rc=0
    fi
    return $_se_rc
}

cce_service_installed() {
    _cce_svc_r
    for _si_n in "$@"; do
        case $_si_n in
            xinetd:*) _cce_xinetd_load; _cce_table_find "$_cce_xt" "${_si_n#xinetd:}" && return 0 ;;
            inetd:*) _cce_inetd_load; _cce_table_find "$_cce_it" "${_si_n#inetd:}" && return 0 ;;
            sysv:*) [ -f "$_cce_svc_root/etc/init.d/${_si_n#sysv:}" ] && return 0 ;;
            *.*) _cce_unit_state "$_si_n"; [ "$_cce_us" != none ] && return 0 ;;
            *)
                cce_service_installed "$_si_n.service" "$_si_n.socket" "xinetd:$_si_n" \
                    "inetd:$_si_n" "sysv:$_si_n" && return 0 ;;
        esac
    done
    return 1
}

cce_pkg_installed() {
    _cce_svc_r
    CCE_PKG_NAME=''
    CCE_PKG_VERSION=''
    CCE_PKG_HOW=none
    _pk_bins=''
    while [ $# -gt 0 ]; do
        case $1 in
            -b) _pk_bins="$_pk_bins $2"; shift 2 ;;
            *) break ;;
        esac
    done
    _pk_status=$_cce_svc_root/var/lib/dpkg/status
    if [ -f "$_pk_status" ]; then
        CCE_PKG_HOW=dpkg
        _pk_hit=$(awk -v names=" $* " '
            /^Package:/ { p = $2; v = ""; s = "" }
            /^Status:/ { s = $4 }
            /^Version:/ { v = $2 }
            /^$/ { if (p != "" && s == "installed" && index(names, " " p " ")) { print p " " v; exit } p = "" }
            END { if (p != "" && s == "installed" && index(names, " " p " ")) print p " " v }' "$_pk_status" | head -n 1)
        if [ -n "$_pk_hit" ]; then
            CCE_PKG_NAME=${_pk_hit%% *}
            CCE_PKG_VERSION=${_pk_hit#* }
            return 0
        fi
        return 1
    fi
    # Only the sqlite rpm database (RHEL 9, Amazon Linux 2023) is queried: a query of a Berkeley DB
    # database (RHEL 8, Amazon Linux 2) as root creates and updates __db.* environment files in the
    # scanned root, which a read-only scan must never do. There, installed binaries decide.
    if command -v rpm >/dev/null 2>&1 &&
        { [ -f "$_cce_svc_root/var/lib/rpm/rpmdb.sqlite" ] || [ -f "$_cce_svc_root/usr/lib/sysimage/rpm/rpmdb.sqlite" ]; }; then
        # one query for every name: installed ones print "NAME VERSION-RELEASE", others a notice
        _pk_out=$(rpm --root "${_cce_svc_root:-/}" -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' "$@" 2>/dev/null)
        case $_pk_out in
            *"not installed"* | *" "*)
                CCE_PKG_HOW=rpm
                _pk_hit=$(printf '%s\n' "$_pk_out" | awk 'NF == 2 && !/not installed/ { print; exit }')
                if [ -n "$_pk_hit" ]; then
                    CCE_PKG_NAME=${_pk_hit%% *}
                    CCE_PKG_VERSION=${_pk_hit#* }
                    return 0
                fi
                return 1 ;;
        esac
    fi
    for _pk_b in $_pk_bins; do
        if [ -e "$_cce_svc_root$_pk_b" ]; then
            CCE_PKG_HOW='file'
            CCE_PKG_NAME=$_pk_b
            return 0
        fi
    done
    [ -n "$_pk_bins" ] && CCE_PKG_HOW='file'
    return 1
}

cce_pkg_version() {
    CCE_PKG_UPSTREAM=''
    cce_pkg_installed "$@" || return 1
    [ -n "$CCE_PKG_VERSION" ] || return 1
    CCE_PKG_UPSTREAM=${CCE_PKG_VERSION#*:}
    CCE_PKG_UPSTREAM=${CCE_PKG_UPSTREAM%-*}
    printf '%s\n' "$CCE_PKG_UPSTREAM"
}

cce_version_at_least() {
    awk -v v="$1" -v m="$2" 'BEGIN {
        sub(/^[0-9]+:/, "", v)
        if (match(v, /^[0-9]+(\.[0-9]+)*/)) v = substr(v, 1, RLENGTH); else exit 1
        n = split(v, a, "."); k = split(m, b, ".")
        for (i = 1; i <= (n > k ? n : k); i++) {
            x = (i <= n) ? a[i] + 0 : 0; y = (i <= k) ? b[i] + 0 : 0
            if (x > y) exit 0
            if (x < y) exit 1
        }
        exit 0
    }'
}

# cce_svc_first_file RELPATH...: prints the first that is a regular file or a symlink (root-relative;
# a symlink is read later through cce_read, which resolves it inside the root, so a loop or a dangling
# link becomes "cannot be read" instead of "absent").
cce_svc_first_file() {
    _cce_svc_r
    for _ff in "$@"; do
        if [ -f "$_cce_svc_root$_ff" ] || [ -L "$_cce_svc_root$_ff" ]; then
            printf '%s\n' "$_ff"
            return 0
        fi
    done
    return 1
}

# cce_svc_judge_disabled WHAT [-p PROC]... NAME...
#   The decision of the "disable service X" items: VULNERABLE when any NAME is enabled (or,
#   live, a PROC runs), GOOD otherwise; the evidence says where each NAME was found.
cce_svc_judge_disabled() {
    _jd_what=$1
    shift
    if cce_service_enabled "$@"; then
        cce_evidence "$CCE_SVC_WHY"
        cce_vulnerable "$_jd_what enabled: $CCE_SVC_WHY"
        return 0
    fi
    [ -n "$CCE_SVC_WHY" ] && cce_evidence "$CCE_SVC_WHY"
    _jd_note=''
    cce_is_live || _jd_note='; offline root: running processes not checked'
    cce_good "$_jd_what not enabled${CCE_SVC_WHY:+ ($CCE_SVC_WHY)}$_jd_note"
}

# cce_svc_stat_files PATH...
#   One find call for many root-relative paths: prints "MODE<TAB>UID<TAB>GID<TAB>TYPE<TAB>PATH" for
#   each that exists (MODE 4 octal digits); a symlink is followed inside the scanned root (cce_stat)
#   and reported with its target's mode, owner and type under its own PATH.
cce_svc_stat_files() {
    _cce_svc_r
    [ $# -gt 0 ] || return 0
    _sf_n=$#
    while [ "$_sf_n" -gt 0 ]; do
        set -- "$@" "$_cce_svc_root$1"
        shift
        _sf_n=$((_sf_n - 1))
    done
    _sf_out=$(find "$@" -maxdepth 0 -printf '%04m\t%U\t%G\t%y\t%p\n' 2>/dev/null)
    [ -n "$_sf_out" ] || return 0
    _sf_ifs=$IFS
    IFS='
'
    set -f
    for _sf_l in $_sf_out; do
        _sf_p=${_sf_l##*	}
        _sf_p=${_sf_p#"$_cce_svc_root"}
        case $_sf_l in
            *"	l	"*)
                IFS=$_sf_ifs
                if _sf_s=$(cce_stat "$_sf_p") && [ -n "$_sf_s" ]; then
                    # shellcheck disable=SC2086  # "MODE UID GID TYPE"
                    set -- $_sf_s
                    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$_sf_p"
                fi
                IFS='
' ;;
            *) printf '%s\t%s\n' "${_sf_l%	*}" "$_sf_p" ;;
        esac
    done
    set +f
    IFS=$_sf_ifs
}
