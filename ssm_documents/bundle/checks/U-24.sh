# shellcheck shell=sh
# edition: KISA-2026
# code: U-24
# severity: high
# title_ko: 사용자, 시스템 환경변수 파일 소유자 및 권한 설정
# title_en: User and system environment file owner and permissions
# legacy: KISA-2021:U-14
# good: 홈 디렉터리 환경변수 파일 소유자가 root 또는 해당 계정으로 지정되어 있고, 홈 디렉터리 환경변수 파일에 root 계정과 소유자만 쓰기 권한이 부여된 경우
# vulnerable: 홈 디렉터리 환경변수 파일 소유자가 root 또는 해당 계정으로 지정되지 않거나, 홈 디렉터리 환경변수 파일에 root 계정과 소유자 외에 쓰기 권한이 부여된 경우
# rule: user files: in the home directory of every passwd account (home not "/"), the
# rule: guide's .profile, .kshrc, .cshrc, .bashrc, .bash_profile, .login, .exrc, .netrc
# rule: and their siblings .bash_login, .bash_logout, .logout, .tcshrc, .zshrc, .zshenv,
# rule: .zprofile, .zlogin, .inputrc, .xinitrc, .xsession: owner uid 0 or the account's
# rule: uid (any account sharing that home), and neither group nor other write (only
# rule: root and the owner may write).
# rule: system files (the title's "시스템 환경변수 파일"): /etc/profile, /etc/profile.d/*,
# rule: /etc/bashrc, /etc/bash.bashrc, /etc/environment, /etc/csh.cshrc, /etc/csh.login,
# rule: /etc/zshrc, /etc/zprofile, /etc/zshenv, /etc/zsh/*: owner uid 0, no other write,
# rule: no group write unless the group is gid 0.
# rule: Links are judged by their target inside the scanned root; a link loop cannot be
# rule: sourced and is only noted. Missing homes are U-32's.

check_U_24() {
    _acc=$(files_passwd | awk -F '\t' '$4 ~ /^\// && $4 != "/" { h = $4; sub(/\/+$/, "", h); print h "\t" $2 }')
    _dots=".profile .kshrc .cshrc .tcshrc .bashrc .bash_profile .bash_login .bash_logout .login .logout .exrc .netrc .zshrc .zshenv .zprofile .zlogin .inputrc .xinitrc .xsession"
    _list=$(
        printf '%s\n' "$_acc" | awk -F '\t' -v dots="$_dots" 'NF == 2 && !s[$1]++ { n = split(dots, d, " "); for (i = 1; i <= n; i++) print "U\t" $1 "/" d[i] }'
        for _f in /etc/profile /etc/bashrc /etc/bash.bashrc /etc/environment /etc/csh.cshrc /etc/csh.login \
            /etc/zshrc /etc/zprofile /etc/zshenv; do
            printf 'S\t%s\n' "$_f"
        done
        for _d in /etc/profile.d /etc/zsh; do
            for _f in "$(cce_path "$_d")"/*; do
                [ -e "$_f" ] || [ -h "$_f" ] || continue
                printf 'S\t%s/%s\n' "$_d" "${_f##*/}"
            done
        done
    )
    # only what exists is stat'ed further; home files are many (accounts x names)
    _root=$(files_root)
    _st=$(printf '%s\n' "$_list" | awk -F '\t' 'NF == 2 { print $2 }' | while IFS= read -r _p; do
        if [ -e "$_root$_p" ] || [ -h "$_root$_p" ]; then printf '%s\n' "$_p"; fi
    done | files_stat)
    _out=$({ files_names; printf '@@ACC@@\n'; printf '%s\n' "$_acc"; printf '@@LIST@@\n'; printf '%s\n' "$_list"; printf '@@END@@\n'; printf '%s\n' "$_st"; } |
        awk -F '\t' "$FILES_AWK_LIB"'
        $0 == "@@ACC@@" { part = 1; next }
        $0 == "@@LIST@@" { part = 2; next }
        $0 == "@@END@@" { part = 3; next }
        part == 0 { NAMES[$1, $2] = $3; next }
        part == 1 { OWN[$1] = OWN[$1] " " ($2 + 0) " "; next }
        part == 2 { KIND[$2] = $1; next }
        NF >= 6 {
            lp = $1; m = $2; uid = $3 + 0; gid = $4 + 0; t = $5; rp = $6
            # a link loop or unreadable link cannot be sourced by a shell: noted, not judged
            if (t == "-" || t == "?" || t == "L") { if (t != "-") print "I\t" lp ": " tname(t) " (cannot be sourced, not judged)"; next }
            n++
            via = (rp != lp) ? " (link to " rp ")" : ""
            why = ""
            if (KIND[lp] == "U") {
                h = lp; sub(/\/[^\/]*$/, "", h)
                if (uid != 0 && index(OWN[h], " " uid " ") == 0) why = "owner " who("U", uid) " is neither root nor the account"
                if (group_w(m) || other_w(m)) why = why (why == "" ? "" : "; ") "writable by " (group_w(m) ? "group" : "") (group_w(m) && other_w(m) ? " and " : "") (other_w(m) ? "other" : "")
            } else {
                if (uid != 0) why = "owner " who("U", uid) " is not root"
                if (other_w(m)) why = why (why == "" ? "" : "; ") "writable by other"
                else if (group_w(m) && gid != 0) why = why (why == "" ? "" : "; ") "writable by group " who("G", gid)
            }
            if (why != "") print "V\t" lp via " " m " " who("U", uid) ":" who("G", gid) " -- " why
        }
        END { print "N\t" n + 0 }')
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _n=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "N" { print $2 }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "bad: " $2 } $1 == "I" { print "note: " $2 }' | head -n 40)"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v environment file(s) with a wrong owner or writable by others: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ .*/, "", $2); printf "%s%s", sep, $2; sep = ", "; if (++c == 5) exit }')"
    elif [ "${_n:-0}" -gt 0 ]; then
        cce_good "$_n user and system environment files owned by root or their account, written only by them"
    else
        cce_na "no environment file found in the home directories or /etc"
    fi
}
