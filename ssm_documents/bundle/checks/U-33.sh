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
# rule: ("...", ". ", ".. "), hidden entries under /dev, /tmp, /var/tmp or in the system
# rule: program directories (/bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin),
# rule: and hidden files carrying setuid/setgid.  Container/snap image trees are judged by
# rule: their inner path.
# rule: Whether the other hidden entries are needed is site policy: MANUAL, with those
# rule: outside home directories and /etc/skel listed and the ones in homes counted.
# rule: No hidden entry at all: GOOD.  No walk: ERROR.

check_U_33() {
    _x=$(files_extract) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _homes=$(files_passwd | awk -F '\t' '$4 ~ /^\/./ && $4 != "/" { h = $4; sub(/\/+$/, "", h); print h }' | awk '!s[$0]++')
    _out=$({ printf '%s\n' "$_homes"; printf '@@END@@\n'; awk -F '\t' '$1 == "H"' "$_x"; } |
        awk -F '\t' "$FILES_AWK_LIB$FILES_AWK_IMAGE"'
        $0 == "@@END@@" { body = 1; next }
        !body { if ($0 != "") HOME[$0] = 1; next }
        {
            m = $2; t = $5; p = $6
            image_split(p); q = INNER
            b = q; sub(/^.*\//, "", b)
            d = q; sub(/\/[^\/]*$/, "", d); if (d == "") d = "/"
            desc = p " (" tname(t) " " m ")"
            sus = ""
            if (b ~ /^[. \t]+$/ && b != "." && b != "..") sus = "name of dots/blanks"
            else if (q ~ /^\/dev\//) sus = "hidden entry in /dev"
            else if (d ~ /^\/(tmp|var\/tmp)(\/|$)/ && b !~ /^\.(X[0-9]+-lock|X11-unix|ICE-unix|XIM-unix|font-unix|Test-unix)$/) sus = "hidden entry in a temporary directory"
            else if (d ~ /^\/(usr\/)?(local\/)?s?bin$/) sus = "hidden entry in a program directory"
            else if (t == "f" && special(m) != "") sus = "hidden " special(m) " file"
            if (sus != "") { print "V\t" sus "\t" desc; next }
            # inside a home directory (at any depth) or /etc/skel: counted only
            inhome = 0
            x = p
            while (x != "" && x != "/") { if (x in HOME) { inhome = 1; break }; sub(/\/[^\/]*$/, "", x) }
            if (inhome || p ~ /^\/etc\/skel\//) { nh++; next }
            print "M\t\t" desc
        }
        END { print "C\t" nh + 0 }')
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _m=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "M"' | wc -l)
    _h=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "C" { print $2 }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "suspicious (" $2 "): " $3 }' | head -n 30)"
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "M" { print "review: " $3 }' | head -n 40)"
    cce_evidence "hidden entries inside home directories and /etc/skel: ${_h:-0} (not listed)"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v suspicious hidden file(s)/directories: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ \(.*/, "", $3); printf "%s%s", sep, $3; sep = ", "; if (++c == 5) exit }')"
    elif [ $((_m + ${_h:-0})) -gt 0 ]; then
        cce_manual "$_m hidden entries outside home directories and ${_h:-0} inside them; whether each is needed is site policy"
    else
        cce_good "no hidden file or directory found"
    fi
}
