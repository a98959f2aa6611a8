# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154  # CCE_FTP_* are read by the checks; _cce_svc_root comes from services.sh
# FTP servers: which are enabled, and their configuration read with each daemon's own rules.
#
# cce_ftp_servers
#   Sets CCE_FTP_SERVERS to the enabled servers among "vsftpd proftpd pure-ftpd inetd-ftp"
#   (inetd-ftp: an ftp line of xinetd or inetd, e.g. in.ftpd) and CCE_FTP_WHY to where each was
#   found. Returns 0 when at least one is enabled (or running, live).
# cce_vsftpd_conf           prints the root-relative vsftpd.conf (/etc/vsftpd/vsftpd.conf, then
#                           /etc/vsftpd.conf); returns 1 when there is none
# cce_vsftpd_get FILE KEY   prints KEY's value as vsftpd reads it: "key=value" lines starting at
#                           column 1, "#" comment lines, the last assignment wins; returns 1 when unset
# cce_vsftpd_bool FILE KEY DEFAULT   prints YES or NO (vsftpd accepts YES/TRUE/1, NO/FALSE/0 in any
#                           case); DEFAULT is vsftpd's built-in default for KEY
# cce_proftpd_lines         prints the effective proftpd configuration, one directive per line:
#                           "SECTIONS<TAB>directive<TAB>arguments<TAB>file:line", directive lower-cased,
#                           SECTIONS the enclosing <Section args> path ("/" at top level, <IfModule>
#                           and <IfDefine> transparent), Include files and directories expanded
#                           (3 levels); returns 1 when there is no proftpd.conf

cce_ftp_servers() {
    CCE_FTP_SERVERS=''
    CCE_FTP_WHY=''
    if cce_service_enabled -p vsftpd vsftpd.service vsftpd@.service vsftpd.socket; then
        CCE_FTP_SERVERS="$CCE_FTP_SERVERS vsftpd"
        CCE_FTP_WHY="$CCE_SVC_WHY"
    fi
    if cce_service_enabled -p proftpd proftpd.service proftpd.socket sysv:proftpd; then
        CCE_FTP_SERVERS="$CCE_FTP_SERVERS proftpd"
        CCE_FTP_WHY="${CCE_FTP_WHY:+$CCE_FTP_WHY; }$CCE_SVC_WHY"
    fi
    if cce_service_enabled -p pure-ftpd pure-ftpd.service sysv:pure-ftpd; then
        CCE_FTP_SERVERS="$CCE_FTP_SERVERS pure-ftpd"
        CCE_FTP_WHY="${CCE_FTP_WHY:+$CCE_FTP_WHY; }$CCE_SVC_WHY"
    fi
    if cce_service_enabled -p in.ftpd -p ftpd xinetd:ftp xinetd:gssftp inetd:ftp; then
        CCE_FTP_SERVERS="$CCE_FTP_SERVERS inetd-ftp"
        CCE_FTP_WHY="${CCE_FTP_WHY:+$CCE_FTP_WHY; }$CCE_SVC_WHY"
    fi
    CCE_FTP_SERVERS=${CCE_FTP_SERVERS# }
    [ -n "$CCE_FTP_SERVERS" ]
}

# cce_ftp_na: the NOT_APPLICABLE decision shared by the FTP configuration items.
cce_ftp_na() {
    _fn_note=''
    cce_is_live || _fn_note=' (offline root: running processes not checked)'
    cce_na "no FTP server enabled (vsftpd, proftpd, pure-ftpd, xinetd/inetd ftp)$_fn_note"
}

cce_vsftpd_conf() {
    cce_svc_first_file /etc/vsftpd/vsftpd.conf /etc/vsftpd.conf
}

cce_vsftpd_get() {
    _vg_out=$(cce_read "$1" | awk -v k="$2" '
        /^#/ { next }
        { sub(/\r$/, "") }
        index($0, k "=") == 1 { v = substr($0, length(k) + 2); sub(/[ \t]+$/, "", v); found = 1 }
        END { if (found) print "=" v }')
    [ -n "$_vg_out" ] || return 1
    printf '%s\n' "${_vg_out#=}"
}

cce_vsftpd_bool() {
    if _vb_v=$(cce_vsftpd_get "$1" "$2"); then
        case $_vb_v in
            [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee] | 1) echo YES ;;
            *) echo NO ;;
        esac
    else
        echo "$3"
    fi
}

# _cce_proftpd_files: main config then every included file (root-relative), 3 levels deep.
_cce_proftpd_files() {
    _cce_svc_r
    _pf_main=$(cce_svc_first_file /etc/proftpd/proftpd.conf /etc/proftpd.conf) || return 1
    _pf_all=$_pf_main
    _pf_level=$_pf_main
    _pf_depth=0
    while [ -n "$_pf_level" ] && [ "$_pf_depth" -lt 3 ]; do
        _pf_depth=$((_pf_depth + 1))
        _pf_next=''
        for _pf_f in $_pf_level; do
            for _pf_inc in $(cce_read "$_pf_f" | awk 'tolower($1) == "include" && NF >= 2 { print $2 }'); do
                case $_pf_inc in /*) ;; *) continue ;; esac
                if [ -d "$_cce_svc_root$_pf_inc" ]; then
                    _pf_inc="${_pf_inc%/}/*"
                fi
                # shellcheck disable=SC2231  # the Include argument is a glob on purpose
                for _pf_g in $_cce_svc_root$_pf_inc; do
                    [ -f "$_pf_g" ] || continue
                    _pf_next="$_pf_next ${_pf_g#"$_cce_svc_root"}"
                done
            done
        done
        _pf_all="$_pf_all$_pf_next"
        _pf_level=$_pf_next
    done
    printf '%s\n' "$_pf_all"
}

cce_proftpd_lines() {
    _pl_files=$(_cce_proftpd_files) || return 1
    for _pl_f in $_pl_files; do
        cce_read "$_pl_f" | awk -v f="$_pl_f" '
            { sub(/\r$/, "") }
            /^[ \t]*(#|$)/ { next }
            {
                line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
                if (line ~ /^<\//) { if (depth > 0) depth--; next }
                if (line ~ /^</) {
                    s = line; sub(/^</, "", s); sub(/>$/, "", s)
                    name = tolower(s); sub(/[ \t].*$/, "", name)
                    depth++
                    if (name == "ifmodule" || name == "ifdefine") { sect[depth] = ""; next }
                    sect[depth] = "<" s ">"
                    next
                }
                path = ""
                for (i = 1; i <= depth; i++) if (sect[i] != "") path = path "/" sect[i]
                if (path == "") path = "/"
                d = line; sub(/[ \t].*$/, "", d)
                a = substr(line, length(d) + 1); sub(/^[ \t]+/, "", a)
                printf "%s\t%s\t%s\t%s:%d\n", path, tolower(d), a, f, NR
            }'
    done
}
