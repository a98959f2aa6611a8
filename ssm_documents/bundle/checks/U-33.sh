# shellcheck shell=sh
# edition: KISA-2026
# code: U-33
# severity: low
# title_ko: 숨겨진 파일 및 디렉토리 검색 및 제거
# title_en: Hidden files and directories
# legacy: KISA-2021:U-59
# good: 불필요하거나 의심스러운 숨겨진 파일 및 디렉토리를 제거한 경우
# vulnerable: 불필요하거나 의심스러운 숨겨진 파일 및 디렉토리를 제거하지 않은 경우
# rule: entries whose name starts with "." in the shared walk (the guide's find -name ".*").
# rule: VULNERABLE, as suspicious beyond policy: names made only of dots and blanks
# rule: ("...", ". ", ".. "), hidden entries under /dev, hidden executable files under /tmp,
# rule: /var/tmp or /dev/shm, hidden entries in the program directories (/bin, /sbin,
# rule: /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin; FIPS ".*.hmac" checksums
# rule: excepted), and hidden files carrying setuid/setgid.  Container/snap image trees are
# rule: judged by their inner path.
# rule: Expected, not listed: the usual shell and tool dotfiles directly in a home
# rule: directory (.bashrc, .profile, .ssh, .cache, ...), /etc/skel/.*, /etc/.pwd.lock,
# rule: /etc/.updated, /var/.updated, /.autorelabel, /usr/lib/.build-id, FIPS ".*.hmac",
# rule: SELinux .policy.sha512 and the rpm database locks.
# rule: Any other hidden entry needs a person to say whether it is needed: MANUAL, listed.
# rule: Only expected ones (or none): GOOD.  No walk: ERROR.

check_U_33() {
    _x=$(cce_walk_slice H) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _homes=$(files_passwd | awk -F '\t' '$4 ~ /^\/./ && $4 != "/" { h = $4; sub(/\/+$/, "", h); print h }' | awk '!s[$0]++')
    # a home reached through a link is walked under its target: both names count
    _homes=$(printf '%s\n' "$_homes" | files_stat | awk -F '\t' '$5 == "d" { print $1; if ($6 != $1) print $6 }')
    # one awk: the homes on stdin, then the hidden entries; prints the evidence lines (E) and a
    # summary (S: suspicious, for review, expected, the first five suspicious paths)
    _out=$({ printf '%s\n' "$_homes"; printf '@@END@@\n'; } |
        awk -F '\t' "$FILES_AWK_LIB$FILES_AWK_IMAGE"'
        BEGIN {
            n = split(".bashrc .bash_profile .bash_login .bash_logout .bash_history .profile .kshrc .cshrc " \
                ".tcshrc .login .logout .zshrc .zshenv .zprofile .zlogin .zsh_history .sh_history .history " \
                ".inputrc .vimrc .viminfo .lesshst .wget-hsts .python_history .mysql_history .psql_history " \
                ".selected_editor .sudo_as_admin_successful .ssh .cache .config .local .gnupg .pki .k5login " \
                ".Xauthority .xinitrc .xsession .emacs .exrc .gitconfig .aws .docker .kube .npm .ansible " \
                ".landscape .motd_shown .hushlogin .forward .netrc .rhosts", u, " ")
            for (i = 1; i <= n; i++) USUAL[u[i]] = 1
        }
        $0 == "@@END@@" { body = 1; next }
        !body { if ($0 != "") HOME[$0] = 1; next }
        {
            m = $1; t = $4; p = $5
            image_split(p); q = INNER
            b = q; sub(/^.*\//, "", b)
            d = q; sub(/\/[^\/]*$/, "", d); if (d == "") d = "/"
            desc = p " (" tname(t) " " m ")"
            sus = ""
            if (b ~ /^[. \t]+$/ && b != "." && b != "..") sus = "name of dots/blanks"
            else if (q ~ /^\/dev\//) sus = "hidden entry in /dev"
            else if (d ~ /^\/(tmp|var\/tmp|dev\/shm)(\/|$)/ && t == "f" && substr(m, 2) ~ /[1357]/) sus = "hidden executable in a temporary directory"
            else if (d ~ /^\/(usr\/)?(local\/)?s?bin$/ && b !~ /\.hmac$/) sus = "hidden entry in a program directory"
            else if (t == "f" && special(m) != "") sus = "hidden " special(m) " file"
            if (sus != "") { nv++; if (nv <= 30) { VW[nv] = sus; VD[nv] = desc }; next }
            # expected: usual dotfiles directly in a home, /etc/skel, known system files
            if ((d in HOME) && (b in USUAL)) { nh++; next }
            if (q ~ /^\/etc\/skel\// || q ~ /^\/(etc\/\.pwd\.lock|etc\/\.updated|var\/\.updated|\.autorelabel|usr\/lib\/\.build-id)$/ || b ~ /^\.[^\/]*\.hmac$/ ||
                q ~ /^\/etc\/selinux\/[^\/]+\/\.policy\.sha512$/ || q ~ /^\/var\/lib\/rpm\/\.(rpm|dbenv)\.lock$/) { nh++; next }
            nm++; if (nm <= 40) MD[nm] = desc
        }
        END {
            for (i = 1; i <= nv && i <= 30; i++) print "E\tsuspicious (" VW[i] "): " VD[i]
            for (i = 1; i <= nm && i <= 40; i++) print "E\treview: " MD[i]
            names = ""
            for (i = 1; i <= nv && i <= 5; i++) { p = VD[i]; sub(/ \(.*/, "", p); names = names (i > 1 ? ", " : "") p }
            print "S\t" nv + 0 "\t" nm + 0 "\t" nh + 0 "\t" names
        }' - "$_x")
    files_report "$_out"
    IFS='	' read -r _v _m _h _names <<EOF
$FILES_SUM
EOF
    cce_evidence "expected hidden entries (usual dotfiles in homes, /etc/skel, known system files): $_h (not listed)"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v suspicious hidden file(s)/directories: $_names"
    elif [ "$_m" -gt 0 ]; then
        cce_manual "$_m hidden file(s)/directories beyond the usual dotfiles; whether each is needed is site policy"
    else
        cce_good "only the usual hidden files ($_h): shell/tool dotfiles in homes, /etc/skel and known system files"
    fi
}
