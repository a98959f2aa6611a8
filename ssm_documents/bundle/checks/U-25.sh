# shellcheck shell=sh
# edition: KISA-2026
# code: U-25
# severity: high
# title_ko: world writable 파일 점검
# title_en: World-writable files
# legacy: KISA-2021:U-15
# good: world writable 파일이 존재하지 않거나, 존재 시 설정 이유를 인지하고 있는 경우
# vulnerable: world writable 파일이 존재하나 설정 이유를 인지하지 못하고 있는 경우
# rule: regular files with the other-write bit in the shared walk (the guide's find -type f
# rule: -perm -2; symlinks always show 0777 and are not files; devices, sockets and fifos
# rule: are not counted).  None: GOOD.
# rule: Whether the reason for the others is known is site policy (MANUAL, listing them),
# rule: except where no reason can exist: a world-writable file under /etc, /boot, /root,
# rule: /bin, /sbin, /lib*, /usr (outside container/snap image trees) lets any user change
# rule: system configuration or programs: VULNERABLE.  No walk: ERROR.

check_U_25() {
    _x=$(files_extract) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    _out=$({ files_names; printf '@@END@@\n'; awk -F '\t' '$1 == "W"' "$_x"; } |
        awk -F '\t' "$FILES_AWK_LIB$FILES_AWK_IMAGE"'
        $0 == "@@END@@" { body = 1; next }
        !body { NAMES[$1, $2] = $3; next }
        {
            m = $2; p = $6
            desc = p " " m " " who("U", $3) ":" who("G", $4)
            if (!image_split(p) && p ~ /^\/(etc|boot|root|bin|sbin|lib|lib32|lib64|libx32|usr)\//) print "V\t" desc
            else print "M\t" desc (IMG == "" ? "" : " [image " IMG "]")
        }')
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _m=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "M"' | wc -l)
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "system path: " $2 }' | head -n 30)"
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "M" { print "review: " $2 }' | head -n 40)"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "$_v world-writable file(s) in system directories: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ .*/, "", $2); printf "%s%s", sep, $2; sep = ", "; if (++c == 5) exit }')"
    elif [ "$_m" -gt 0 ]; then
        cce_manual "$_m world-writable file(s); confirm the reason for each or remove the other-write bit"
    else
        cce_good "no world-writable regular file found"
    fi
}
