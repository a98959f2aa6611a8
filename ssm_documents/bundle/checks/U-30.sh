# shellcheck shell=sh
# edition: KISA-2026
# code: U-30
# severity: medium
# title_ko: UMASK 설정 관리
# title_en: UMASK setting
# legacy: KISA-2021:U-56
# good: UMASK 값이 022 이상으로 설정된 경우
# vulnerable: UMASK 값이 022 미만으로 설정된 경우
# rule: "022 이상" is read as bits: the mask must contain the group-write and other-write
# rule: bits (mask & 022 == 022): 022, 027, 077, 0022 pass; 002, 020, 007 fail, and so
# rule: does 030 although it is numerically above 022 (it leaves other-write open).
# rule: Sources: UMASK in /etc/login.defs and /etc/default/login, umask statements in
# rule: /etc/profile, /etc/profile.d/*.sh, /etc/bashrc, /etc/bash.bashrc, /etc/csh.cshrc,
# rule: /etc/csh.login and root's startup files, and umask= of pam_umask in /etc/pam.d.
# rule: Every value found must pass. User private groups, one rule on every distribution: the
# rule: umask a user-private-group mechanism sets is judged like any other value, so it fails -
# rule: a shell file's "umask 002" branch (RHEL's /etc/bashrc and /etc/profile for UID >= 200
# rule: whose user and group names match) and pam_umask in a session stack with USERGROUPS_ENAB
# rule: yes in login.defs (or its usergroups argument; nousergroups turns it off), which copies
# rule: the owner digit into the group digit of its umask (022 -> 002, 077 -> 007).
# rule: No login umask set anywhere is VULNERABLE: the guide's fix is to set UMASK 022
# rule: (Debian 13's login.defs has none). FTP (the guide's additional item), judged when the
# rule: server is enabled: vsftpd local_umask (vsftpd's default 077 when unset) and every value
# rule: of proftpd's Umask directive. A value that cannot be parsed is ERROR.

check_U_30() {
    _home=$(files_passwd | awk -F '\t' '$2 == 0 { print $4; exit }')
    [ -n "$_home" ] || _home=/root
    _list=$(
        printf '%s\n' /etc/login.defs /etc/default/login /etc/profile
        for _f in "$(cce_path /etc/profile.d)"/*.sh; do
            [ -e "$_f" ] && printf '/etc/profile.d/%s\n' "${_f##*/}"
        done
        printf '%s\n' /etc/bashrc /etc/bash.bashrc /etc/csh.cshrc /etc/csh.login
        for _f in .profile .bash_profile .bash_login .bashrc .kshrc .cshrc .tcshrc .login; do
            printf '%s/%s\n' "${_home%/}" "$_f"
        done
        for _f in "$(cce_path /etc/pam.d)"/*; do
            { [ -f "$_f" ] || [ -L "$_f" ]; } && printf '/etc/pam.d/%s\n' "${_f##*/}"
        done
    )
    _ftp=
    if cce_ftp_servers; then
        case " $CCE_FTP_SERVERS " in
            *" vsftpd "*)
                if _c=$(cce_vsftpd_conf); then
                    if _v=$(cce_vsftpd_get "$_c" local_umask); then
                        _ftp=$(printf '@@FTP@@\t%s\tvsftpd local_umask=%s\t%s' "$_c" "$_v" "$_v")
                    else
                        _ftp=$(printf '@@FTP@@\t%s\tvsftpd local_umask unset (default 077)\t077' "$_c")
                    fi
                fi
                ;;
        esac
        case " $CCE_FTP_SERVERS " in
            *" proftpd "*)
                _ftp=$(printf '%s\n' "$_ftp"
                    cce_proftpd_lines 2>/dev/null | awk -F '\t' '$2 == "umask" {
                        n = split($3, a, /[ \t]+/)
                        for (i = 1; i <= n && i <= 2; i++) printf "@@FTP@@\t%s\tproftpd Umask %s\t%s\n", $4, a[i], a[i]
                    }')
                ;;
        esac
    fi
    _out=$({ printf '%s\n' "$_list" | files_cat; printf '%s\n' "$_ftp"; } | awk -F '\n' '
        function sym2mask(s,   n, cl, i, who, perm, allowed, k, m) {
            # umask u=rwx,g=rx,o= : the listed permissions are allowed, the mask is the rest
            allowed["u"] = -1; allowed["g"] = -1; allowed["o"] = -1
            n = split(s, cl, ",")
            for (i = 1; i <= n; i++) {
                if (cl[i] !~ /^[ugoa]+=[rwx]*$/) return ""
                who = cl[i]; sub(/=.*/, "", who); perm = cl[i]; sub(/^[^=]*=/, "", perm)
                v = (perm ~ /r/ ? 4 : 0) + (perm ~ /w/ ? 2 : 0) + (perm ~ /x/ ? 1 : 0)
                if (who ~ /a/) who = "ugo"
                for (k = 1; k <= length(who); k++) allowed[substr(who, k, 1)] = v
            }
            if (allowed["g"] < 0 || allowed["o"] < 0) return ""
            m = sprintf("%d%d%d", (allowed["u"] < 0 ? 0 : 7 - allowed["u"]), 7 - allowed["g"], 7 - allowed["o"])
            return m
        }
        function judge(v, where, what,   g, o) {
            if (where !~ /^FTP /) nset++
            if (v !~ /^[0-7]+$/ || length(v) > 4) { printf "E\t%s\t%s\n", where, what; return }
            while (length(v) < 3) v = "0" v
            g = substr(v, length(v) - 1, 1) + 0; o = substr(v, length(v), 1) + 0
            if (int(g / 2) % 2 == 1 && int(o / 2) % 2 == 1) printf "G\t%s\t%s\n", where, what
            else printf "V\t%s\t%s\n", where, what
        }
        /^@@UNREADABLE@@\t/ { printf "U\t%s\n", substr($0, 16); next }
        /^@@LOOP@@\t/ { next }
        /^@@FTP@@\t/ { split($0, f, "\t"); judge(f[4], "FTP " f[2], f[3]); next }
        /^@@FILE@@\t/ { file = substr($0, 10); fnr = 0; next }
        {
            fnr++; line = $0; sub(/^[ \t]+/, "", line)
            if (line ~ /^#/ || line == "") next
            where = file ":" fnr
            if (file == "/etc/login.defs") {
                if (line ~ /^UMASK[ \t]/) { split(line, w, /[ \t]+/); judge(w[2], where, "UMASK " w[2]); defs = w[2] }
                if (line ~ /^USERGROUPS_ENAB[ \t]/) { split(line, w, /[ \t]+/); upg = tolower(w[2]); upgwhere = where }
                next
            }
            if (file == "/etc/default/login") {
                if (line ~ /^UMASK=/) { v = line; sub(/^UMASK=/, "", v); sub(/[ \t#].*/, "", v); judge(v, where, "UMASK=" v); dlogin = v }
                next
            }
            if (file ~ /^\/etc\/pam\.d\//) {
                if (line !~ /pam_umask\.so/) next
                base = ""
                if (match(line, /umask=[^ \t]+/)) {
                    v = substr(line, RSTART + 6, RLENGTH - 6); judge(v, where, "pam_umask umask=" v); base = v
                }
                # user private groups: pam_umask copies the owner digit into the group digit
                if (line ~ /^-?session[ \t]/ && line !~ /[ \t]nousergroups([ \t]|$)/ && \
                    (line ~ /[ \t]usergroups([ \t]|$)/ || upg == "yes")) {
                    if (base == "") base = (defs != "" ? defs : (dlogin != "" ? dlogin : "022"))
                    if (base ~ /^[0-7]+$/ && length(base) <= 4) {
                        b = base; while (length(b) < 3) b = "0" b
                        d = substr(b, 1, length(b) - 3) substr(b, length(b) - 2, 1) substr(b, length(b) - 2, 1) substr(b, length(b), 1)
                        judge(d, where, "pam_umask for user private groups (" (line ~ /[ \t]usergroups/ ? "usergroups argument" : "USERGROUPS_ENAB yes, " upgwhere) "): " base " becomes " d)
                    }
                }
                next
            }
            n = split(line, st, /;|&&|\|\|/)
            for (k = 1; k <= n; k++) {
                s = st[k]; sub(/^[ \t]+/, "", s); sub(/^(then|else|do)[ \t]+/, "", s)
                if (s !~ /^umask([ \t]|$)/) continue
                split(s, w, /[ \t]+/)
                v = w[2]
                if (v == "" || v == "-S" || v == "-p") continue      # prints the mask, sets nothing
                gsub(/["\047]/, "", v)
                if (v ~ /^[0-7]+$/) judge(v, where, "umask " v)
                else { m = sym2mask(v); if (m == "") printf "E\t%s\t%s\n", where, "umask " v; else judge(m, where, "umask " v " (= " m ")") }
            }
        }
        END { printf "N\t%d\n", nset }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "G" { print "ok: " $2 ": " $3 } $1 == "V" { print "below 022: " $2 ": " $3 } $1 == "E" { print "not understood: " $2 ": " $3 }')"
    _unr=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "U" { printf " %s", $2 }')
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { printf "%s%s (%s)", sep, $3, $2; sep = "; " }')
    _e=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "E" { printf "%s%s (%s)", sep, $3, $2; sep = "; " }')
    _g=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "G"' | wc -l)
    _n=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "N" { print $2 + 0 }')
    if [ -n "$_v" ]; then
        cce_vulnerable "umask below 022: $_v"
    elif [ -n "$_unr" ]; then
        cce_error "cannot read:$_unr"
    elif [ -n "$_e" ]; then
        cce_error "umask value not understood: $_e"
    elif [ "${_n:-0}" -eq 0 ]; then
        cce_evidence "no UMASK in /etc/login.defs or /etc/default/login, no umask in the profile files, no pam_umask umask="
        cce_vulnerable "no login umask is set (UMASK 022 belongs in /etc/login.defs or umask 022 in /etc/profile)"
    else
        cce_good "every umask setting masks group and other write ($_g setting(s))"
    fi
}
