# shellcheck shell=sh
# edition: KISA-2026
# code: U-14
# severity: high
# title_ko: root 홈, 패스 디렉터리 권한 및 패스 설정
# title_en: root home and PATH directory permissions and PATH setting
# legacy: KISA-2021:U-05
# good: PATH 환경변수에 "." 이 맨 앞이나 중간에 포함되지 않은 경우
# vulnerable: PATH 환경변수에 "." 이 맨 앞이나 중간에 포함된 경우
# rule: root's PATH is read statically from the files a root login shell reads (the guide:
# rule: /etc/profile, then root's and the system's environment files): /etc/environment,
# rule: login.defs ENV_SUPATH/ENV_PATH, /etc/profile, /etc/profile.d/*.sh, /etc/bashrc,
# rule: /etc/bash.bashrc, /etc/csh.cshrc, /etc/csh.login and root's .profile, .bash_profile,
# rule: .bash_login, .bashrc, .kshrc, .cshrc, .tcshrc, .login (home from the scanned passwd).
# rule: An element counts as "." when it is ".", empty (POSIX: an empty element is the
# rule: current directory) or a relative path; it is allowed only as the last element.
# rule: Each assignment is judged alone ($PATH kept as a placeholder), and the assignments
# rule: are also composed in reading order ($PATH replaced by the previous value) so that
# rule: "PATH=$PATH:." followed by "PATH=$PATH:/opt/bin" is caught. RHEL's "pathmunge ."
# rule: counts as a leading "." unless "after" is given.
# rule: The title also names the PATH directories: a directory of root's composed PATH
# rule: that is writable by other users (o+w) is VULNERABLE too. The mode of root's home is
# rule: reported as evidence.

check_U_14() {
    _home=$(files_passwd | awk -F '\t' '$2 == 0 && $1 == "root" { print $4; exit }')
    [ -n "$_home" ] || _home=$(files_passwd | awk -F '\t' '$2 == 0 { print $4; exit }')
    [ -n "$_home" ] || _home=/root
    _list=$(
        printf '%s\n' /etc/environment /etc/login.defs /etc/profile
        for _f in "$(cce_path /etc/profile.d)"/*.sh; do
            [ -e "$_f" ] && printf '/etc/profile.d/%s\n' "${_f##*/}"
        done
        printf '%s\n' /etc/bashrc /etc/bash.bashrc /etc/csh.cshrc /etc/csh.login
        for _f in .profile .bash_profile .bash_login .bashrc .kshrc .cshrc .tcshrc .login; do
            printf '%s/%s\n' "${_home%/}" "$_f"
        done
    )
    # every file read through links resolved inside the scanned root, in reading order
    _cat=$(printf '%s\n' "$_list" | files_cat)
    _unreadable=$(printf '%s\n' "$_cat" | awk -F '\t' '$1 == "@@UNREADABLE@@" { printf " %s", $2 }')
    if [ -n "$_unreadable" ]; then
        cce_error "cannot read:$_unreadable"
        return 0
    fi
    _files=$(printf '%s\n' "$_cat" | awk -F '\t' '$1 == "@@FILE@@" { print $2 }')
    _out=$(printf '%s\n' "$_cat" | awk -F '\n' '
        function judge(v,   n, e, i, bad) {
            n = split(v, e, ":"); bad = ""
            for (i = 1; i < n; i++)
                if (e[i] == "" || e[i] == "." || e[i] !~ /^[\/$~]/)
                    bad = bad (bad == "" ? "" : ",") (e[i] == "" ? "(empty)" : e[i])
            return bad
        }
        function unq(v) {
            if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2)
            return v
        }
        function value(s,   q, c, i, out) {
            # first shell word of s with quotes removed (no expansion)
            out = ""; q = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (q != "") { if (c == q) { q = "" } else out = out c; continue }
                if (c == "\"" || c == "\047") { q = c; continue }
                if (c == " " || c == "\t" || c == ";" || c == "&" || c == "|" || c == ")") break
                out = out c
            }
            return out
        }
        function record(v, how,   b, comp) {
            b = judge(v)
            gsub(/\$\{PATH\}|\$PATH/, "\001", v)
            comp = v; gsub(/\001/, cur, comp)
            cur = comp
            printf "A\t%s:%d\t%s\t%s\n", file, fnr, how, b
        }
        BEGIN { cur = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }
        /^@@FILE@@\t/ { file = substr($0, 10); fnr = 0; next }
        /^@@(UNREADABLE|LOOP)@@\t/ { next }
        {
            fnr++
            line = $0
            sub(/^[ \t]+/, "", line)
            if (line ~ /^#/ || line == "") next
            if (file == "/etc/login.defs") {
                if (line ~ /^ENV_(SU)?PATH[ \t]/) {
                    v = line; sub(/^ENV_(SU)?PATH[ \t]+/, "", v); sub(/^PATH=/, "", v); sub(/[ \t].*$/, "", v)
                    b = judge(v)
                    printf "A\t%s:%d\t%s\t%s\n", file, fnr, "ENV_PATH " v, b
                }
                next
            }
            # several statements per line: a; b
            n = split(line, st, /;|&&|\|\|/)
            for (k = 1; k <= n; k++) {
                s = st[k]; sub(/^[ \t]+/, "", s)
                sub(/^(then|else|do)[ \t]+/, "", s)
                sub(/^(export|declare -x|typeset -x|readonly|local)[ \t]+/, "", s)
                if (s ~ /^PATH\+=/) { v = value(substr(s, 7)); record("$PATH" v, "PATH+=" v); continue }
                if (s ~ /^PATH=/) { v = value(substr(s, 6)); record(v, "PATH=" v); continue }
                if (s ~ /^setenv[ \t]+PATH[ \t]/) {
                    v = s; sub(/^setenv[ \t]+PATH[ \t]+/, "", v); v = value(v); record(v, "setenv PATH " v); continue
                }
                if (s ~ /^set[ \t]+path[ \t]*=[ \t]*\(/) {
                    v = s; sub(/^set[ \t]+path[ \t]*=[ \t]*\(/, "", v); sub(/\).*$/, "", v)
                    gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/[ \t]+/, ":", v)
                    gsub(/\$path/, "$PATH", v)
                    record(v, "set path=(" v ")"); continue
                }
                if (s ~ /^pathmunge[ \t]+[^( \t]/) {
                    split(s, w, /[ \t]+/); d = unq(w[2])
                    if (w[3] == "after") record("$PATH:" d, "pathmunge " d " after")
                    else record(d ":$PATH", "pathmunge " d)
                }
            }
        }
        END { printf "C\t%s\n", cur }')
    _bad=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "A" && $4 != "" { printf "%s: %s (\".\" or relative element before the end: %s)\n", $2, $3, $4 }')
    _comp=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "C" { print $2 }')
    _compbad=$(printf '%s\n' "$_comp" | awk '{ n = split($0, e, ":"); b = ""
        for (i = 1; i < n; i++) if (e[i] == "" || e[i] == "." || e[i] !~ /^[\/$~]/) b = b (b == "" ? "" : ",") (e[i] == "" ? "(empty)" : e[i])
        print b }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "A" { print $2 ": " $3 }')"
    cce_evidence "PATH composed in reading order: $_comp"
    # PATH directories writable by others, and root's home
    _dirs=$(printf '%s\n%s\n' "$_comp" "$_home" | awk 'NR == 1 { n = split($0, e, ":"); for (i = 1; i <= n; i++) if (e[i] ~ /^\//) print e[i]; next } { print }' | awk '!s[$0]++')
    _st=$(printf '%s\n' "$_dirs" | files_stat)
    _ww=$(printf '%s\n' "$_st" | awk -F '\t' -v home="$_home" "$FILES_AWK_LIB"'
        $1 != home && $5 == "d" && other_w($2) { printf "%s%s (%s)", sep, $1, $2; sep = ", " }')
    cce_evidence "$(printf '%s\n' "$_st" | awk -F '\t' -v home="$_home" '$1 == home { print "root home " $1 ": mode " $2 " uid " $3 " gid " $4 " type " $5 }')"
    if [ -n "$_bad" ] || [ -n "$_compbad" ] || [ -n "$_ww" ]; then
        _why=""
        [ -n "$_bad" ] && _why="$(printf '%s\n' "$_bad" | head -n 3 | tr '\n' ';' | sed 's/;$//')"
        [ -n "$_compbad" ] && [ -z "$_bad" ] && _why="composed PATH has \".\"/relative element before the end: $_compbad"
        [ -n "$_ww" ] && _why="${_why:+$_why; }PATH directory writable by others: $_ww"
        cce_vulnerable "root PATH: $_why"
        return 0
    fi
    if [ -z "$_files" ]; then
        cce_good "no startup file sets PATH; root gets the login default (no \".\")"
        return 0
    fi
    cce_good "no \".\", empty or relative element before the end of root's PATH in $(printf '%s\n' "$_files" | awk 'NF { n++ } END { print n + 0 }') startup file(s)"
}
