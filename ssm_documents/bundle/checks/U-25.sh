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
    _x=$(cce_walk_slice W) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    # one awk: the root's names on stdin, then the world-writable files; prints the evidence
    # lines (E) and a summary (S: in system directories, for review, the first five of the former)
    _out=$({ files_names; printf '@@END@@\n'; } |
        awk -F '\t' "$FILES_AWK_LIB$FILES_AWK_IMAGE"'
        $0 == "@@END@@" { body = 1; next }
        !body { NAMES[$1, $2] = $3; next }
        {
            m = $1; p = $5
            desc = p " " m " " who("U", $2) ":" who("G", $3)
            if (!image_split(p) && p ~ /^\/(etc|boot|root|bin|sbin|lib|lib32|lib64|libx32|usr)\//) {
                if (++nv <= 5) { q = desc; sub(/ .*/, "", q); names = names (nv > 1 ? ", " : "") q }
                if (nv <= 30) V[nv] = "system path: " desc
            } else if (++nm <= 40) M[nm] = "review: " desc (IMG == "" ? "" : " [image " IMG "]")
        }
        END {
            for (i = 1; i <= nv && i <= 30; i++) print "E\t" V[i]
            for (i = 1; i <= nm && i <= 40; i++) print "E\t" M[i]
            print "S\t" nv + 0 "\t" nm + 0 "\t" names
        }' - "$_x")
    files_report "$_out"
    IFS='	' read -r _v _m _names <<EOF
$FILES_SUM
EOF
    if [ "${_v:-0}" -gt 0 ]; then
        cce_vulnerable "$_v world-writable file(s) in system directories: $_names"
    elif [ "${_m:-0}" -gt 0 ]; then
        cce_manual "$_m world-writable file(s); confirm the reason for each or remove the other-write bit"
    else
        cce_good "no world-writable regular file found"
    fi
}
