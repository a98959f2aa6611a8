# shellcheck shell=sh
# edition: KISA-2026
# code: U-12
# severity: low
# title_ko: 세션 종료 시간 설정
# title_en: Session timeout
# legacy: KISA-2021:U-54
# good: Session Timeout이 600초(10분) 이하로 설정된 경우
# vulnerable: Session Timeout이 600초(10분) 이하로 설정되지 않은 경우
# rule: TMOUT assignments (plain, export, readonly, declare/typeset) in /etc/profile,
# rule: /etc/profile.d/*.sh, /etc/bashrc and /etc/bash.bashrc, and csh "set autologout" (minutes)
# rule: in /etc/csh.cshrc and /etc/csh.login. GOOD when at least one sets 1..600 s and none sets
# rule: 0 or more than 600 (a later file could override a good one); no setting is VULNERABLE;
# rule: only non-numeric values is MANUAL. Unreadable files are listed in the evidence.

check_U_12() {
    local f files vals
    files="/etc/profile /etc/bashrc /etc/bash.bashrc"
    for f in "$(cce_path /etc/profile.d)"/*.sh; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        files="$files ${f#"${CCE_ROOT%/}"}"
    done
    vals=$CCE_ITEM_DIR/tmout.tmp
    : > "$vals"
    for f in $files /etc/csh.cshrc /etc/csh.login; do
        if ! cce_read "$f" > /dev/null 2>&1; then
            if [ -e "$(cce_path "$f")" ] || [ -L "$(cce_path "$f")" ]; then
                cce_evidence "$f: unreadable (not a regular file, symlink loop or permissions)"
            fi
            continue
        fi
        cce_read "$f" | head -c 1048576 | awk -v f="$f" '
            { sub(/#.*/, "") }
            {
                line = $0
                while (match(line, /(^|[ \t;&|(])(export[ \t]+|readonly[ \t]+|declare[ \t]+-[A-Za-z]+[ \t]+|typeset[ \t]+-[A-Za-z]+[ \t]+)?TMOUT=[^ \t;&|)]*/)) {
                    s = substr(line, RSTART, RLENGTH)
                    sub(/.*TMOUT=/, "", s)
                    gsub(/["\047]/, "", s)
                    print f ":" FNR " TMOUT " s
                    line = substr(line, RSTART + RLENGTH)
                }
                if (match($0, /set[ \t]+autologout[ \t]*=[ \t]*[0-9]+/)) {
                    s = substr($0, RSTART, RLENGTH); sub(/.*=[ \t]*/, "", s)
                    print f ":" FNR " autologout " s * 60
                }
            }' >> "$vals"
    done
    if [ ! -s "$vals" ]; then
        cce_vulnerable "no session timeout (TMOUT/autologout) is set"
        return 0
    fi
    while IFS= read -r f; do cce_evidence "$f"; done < "$vals"
    awk '
        $3 !~ /^[0-9]+$/ { other++; next }
        $3 + 0 >= 1 && $3 + 0 <= 600 { good++; next }
        { bad = bad (bad == "" ? "" : ", ") $1 " " $2 "=" $3 }
        END {
            if (bad != "") print "VULNERABLE timeout disabled or above 600 s: " bad
            else if (good) print "GOOD session timeout is 600 s or less"
            else print "MANUAL TMOUT is set from a variable, confirm its value"
        }' "$vals" > "$vals.verdict"
    f=$(cat "$vals.verdict")
    rm -f "$vals" "$vals.verdict"
    case $f in
        GOOD*) cce_good "${f#GOOD }" ;;
        VULNERABLE*) cce_vulnerable "${f#VULNERABLE }" ;;
        *) cce_manual "${f#MANUAL }" ;;
    esac
}
