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
# rule: SELinux .policy.sha512, the rpm database locks, and at's job counter .SEQ in its spool
# rule: (/var/spool/cron/atjobs on Debian, made by at's install script; /var/spool/at on RHEL).
# rule: Package-owned, not listed: a hidden regular file that the dpkg database lists
# rule: (var/lib/dpkg/info/*.list) and whose md5 still matches the database's (info/*.md5sums, or
# rule: the Conffiles of var/lib/dpkg/status for files under /etc), e.g. Debian cron's
# rule: /etc/cron.d/.placeholder; counted in the evidence. A changed one is listed for review. An
# rule: rpm database cannot be read from the shell: there no file counts as package-owned (the
# rule: evidence says so).
# rule: Any other hidden entry needs a person to say whether it is needed: MANUAL, listed.
# rule: Only expected ones (or none): GOOD.  No walk: ERROR.

# _u33_pkg_note: the evidence's wording for the package-owned count (which database was read).
_u33_pkg_note() {
    local r
    r=$(cce_path /)
    r=${r%/}
    if [ -d "$r/var/lib/dpkg/info" ]; then
        echo "package-owned hidden files unchanged per the dpkg database (info/*.list, md5sums, conffiles)"
    elif [ -d "$r/var/lib/rpm" ] || [ -d "$r/usr/lib/sysimage/rpm" ]; then
        echo "package-owned hidden files: not recognised (an rpm database cannot be read from the shell)"
    else
        echo "package-owned hidden files: none recognised (no dpkg database)"
    fi
}

# _u33_package_owned WALK-SLICE: prints the hidden files and directories of the slice that the dpkg
# database owns unchanged (path, one a line): a file listed by a package with the md5 the package
# recorded; a directory listed by a package whose every entry below is so too (openssh-server's
# /etc/sv/ssh/.meta holding its conffile "installed").  Only what can be package-owned is looked
# at: the hidden entries a package lists, the walk's lines below a listed hidden directory (found
# by grep -F, a hidden directory's subtree can be most of the walk), and one md5sum for the files.
_u33_package_owned() {
    local r info walk sel listed intact dirs lists
    r=$(cce_path /)
    r=${r%/}
    info=$r/var/lib/dpkg/info
    [ -d "$info" ] || return 0
    # the paths the packages list that can be hidden or below a hidden directory (they hold "/.")
    lists=$(grep -h -F '/.' "$info"/*.list 2> /dev/null)
    # SEL: "path<TAB>type<TAB>top": each hidden file or directory a package lists (top = itself;
    # one it does not list is not package-owned, whatever lies below it) ...
    sel=$({ awk -F '\t' '$4 == "f" || $4 == "d" { print $5 "\t" $4 }' "$1"; printf '@@END@@\n'; printf '%s\n' "$lists"; } |
        awk -F '\t' '$0 == "@@END@@" { b = 1; next } !b { if (!($1 in T)) { T[$1] = $2; n++; P[n] = $1 }; next }
            ($0 in T) { L[$0] = 1 }
            END { for (i = 1; i <= n; i++) if (P[i] in L) print P[i] "\t" T[P[i]] "\t" P[i] }')
    [ -n "$sel" ] || return 0
    # ... and every walk entry below a listed hidden directory (top = its nearest hidden directory)
    dirs=$(printf '%s\n' "$sel" | awk -F '\t' '$2 == "d" { print "\t" $1 "/" }')
    if [ -n "$dirs" ] && walk=$(cce_walk 2> /dev/null); then
        sel=$({ printf '%s\n' "$sel"; printf '@@END@@\n'; awk -F '\t' '$4 == "d" { print $5 }' "$1"; printf '@@END@@\n'
            printf '%s\n' "$dirs" | grep -F -f - "$walk"; } |
            awk -F '\t' '$0 == "@@END@@" { b++; next } b == 0 { print; if ($2 == "d") LD[$1] = 1; next } b == 1 { D[$0] = 1; next }
                { q = $5; while (sub(/\/[^\/]*$/, "", q) && q != "") if (q in D) { if (q in LD) print $5 "\t" $4 "\t" q; break } }')
    fi
    listed=$({ printf '%s\n' "$sel" | cut -f 1; printf '@@END@@\n'; printf '%s\n' "$lists"; } |
        awk '$0 == "@@END@@" { b = 1; next } !b { C[$0] = 1; next } ($0 in C) && !s[$0]++')
    [ -n "$listed" ] || return 0
    # the md5 each package recorded (md5sums: "md5  relpath", the lines of a hidden path or one below
    # a hidden directory; status Conffiles: " /path md5 [obsolete]"),
    # compared with the file's (one md5sum for all the regular files; GNU md5sum starts the line of
    # a name with a backslash with "\" and doubles the backslashes)
    intact=$({
        printf '%s\n' "$listed"
        printf '@@END@@\n'
        grep -h -F -e '/.' -e '  .' "$info"/*.md5sums 2> /dev/null | awk '{ m = $1; sub(/^[0-9a-f]+[ \t]+/, ""); print m "\t/" $0 }'
        awk '/^Conffiles:/ { c = 1; next } /^[^ ]/ { c = 0 } c && NF >= 2 { print $2 "\t" $1 }' "$r/var/lib/dpkg/status" 2> /dev/null
    } | awk -F '\t' '$0 == "@@END@@" { b = 1; next } !b { O[$0] = 1; next } ($2 in O) && !s[$2]++ { print $2 "\t" $1 }' |
        {
            set --
            while IFS='	' read -r _p _m; do
                { [ -f "$r$_p" ] && [ ! -L "$r$_p" ]; } || continue
                printf 'M\t%s\t%s\n' "$_m" "$_p"
                set -- "$@" "$r$_p"
                if [ "$#" -ge 200 ]; then
                    md5sum -- "$@" 2> /dev/null
                    set --
                fi
            done
            [ "$#" -gt 0 ] && md5sum -- "$@" 2> /dev/null
        } | awk -v rl="${#r}" '/^M\t/ { t = index(substr($0, 3), "\t"); M[substr($0, 3 + t)] = substr($0, 3, t - 1); next }
            { e = (substr($0, 1, 1) == "\\"); s = $0; if (e) s = substr(s, 2)
              m = s; sub(/[ \t].*$/, "", m); p = substr(s, length(m) + 3 + rl)
              if (e) gsub(/\\\\/, "\\", p)
              H[p] = m }
            END { for (p in H) if ((p in M) && M[p] == H[p]) print p }')
    { printf '%s\n' "$listed"; printf '@@END@@\n'; printf '%s\n' "$intact"; printf '@@END@@\n'; printf '%s\n' "$sel"; } |
        awk -F '\t' '$0 == "@@END@@" { b++; next } b == 0 { L[$0] = 1; next } b == 1 { I[$0] = 1; next }
            $0 != "" { if (!($3 in T)) { T[$3] = 1; n++; TOP[n] = $3 }
                if (!($1 in L) || ($2 == "f" && !($1 in I))) BAD[$3] = 1 }
            END { for (i = 1; i <= n; i++) if (!(TOP[i] in BAD)) print TOP[i] }'
}

check_U_33() {
    _x=$(cce_walk_slice H) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _homes=$(files_passwd | awk -F '\t' '$4 ~ /^\/./ && $4 != "/" { h = $4; sub(/\/+$/, "", h); print h }' | awk '!s[$0]++')
    # a home reached through a link is walked under its target: both names count
    _homes=$(printf '%s\n' "$_homes" | files_stat | awk -F '\t' '$5 == "d" { print $1; if ($6 != $1) print $6 }')
    _pkg=$(_u33_package_owned "$_x")
    # one awk: the homes on stdin, then the package-owned files, then the hidden entries; prints the
    # evidence lines (E) and a summary (S: suspicious, for review, expected, package-owned, the
    # first five suspicious paths)
    _out=$({ printf '%s\n' "$_homes"; printf '@@END@@\n'; printf '%s\n' "$_pkg"; printf '@@END@@\n'; } |
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
        $0 == "@@END@@" { body++; next }
        body == 0 { if ($0 != "") HOME[$0] = 1; next }
        body == 1 { if ($0 != "") PKG[$0] = 1; next }
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
            if (p in PKG) { np++; next }
            # expected: usual dotfiles directly in a home, /etc/skel, known system files
            if ((d in HOME) && (b in USUAL)) { nh++; next }
            if (q ~ /^\/etc\/skel\// || q ~ /^\/(etc\/\.pwd\.lock|etc\/\.updated|var\/\.updated|\.autorelabel|usr\/lib\/\.build-id|var\/spool\/cron\/atjobs\/\.SEQ|var\/spool\/at\/\.SEQ)$/ || b ~ /^\.[^\/]*\.hmac$/ ||
                q ~ /^\/etc\/selinux\/[^\/]+\/\.policy\.sha512$/ || q ~ /^\/var\/lib\/rpm\/\.(rpm|dbenv)\.lock$/) { nh++; next }
            nm++; if (nm <= 40) MD[nm] = desc
        }
        END {
            for (i = 1; i <= nv && i <= 30; i++) print "E\tsuspicious (" VW[i] "): " VD[i]
            for (i = 1; i <= nm && i <= 40; i++) print "E\treview: " MD[i]
            names = ""
            for (i = 1; i <= nv && i <= 5; i++) { p = VD[i]; sub(/ \(.*/, "", p); names = names (i > 1 ? ", " : "") p }
            print "S\t" nv + 0 "\t" nm + 0 "\t" nh + 0 "\t" np + 0 "\t" names
        }' - "$_x")
    files_report "$_out"
    IFS='	' read -r _v _m _h _np _names <<EOF
$FILES_SUM
EOF
    cce_evidence "expected hidden entries (usual dotfiles in homes, /etc/skel, known system files): $_h (not listed)"
    cce_evidence "$(_u33_pkg_note): ${_np:-0} (not listed)"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v suspicious hidden file(s)/directories: $_names"
    elif [ "$_m" -gt 0 ]; then
        cce_manual "$_m hidden file(s)/directories beyond the usual dotfiles; whether each is needed is site policy"
    else
        cce_good "only the usual hidden files ($_h): shell/tool dotfiles in homes, /etc/skel and known system files"
    fi
}
