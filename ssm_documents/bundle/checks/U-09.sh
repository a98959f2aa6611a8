# shellcheck shell=sh
# edition: KISA-2026
# code: U-09
# severity: low
# title_ko: 계정이 존재하지 않는 GID 금지
# title_en: No unnecessary/empty groups
# legacy: KISA-2021:U-51
# good: 시스템 관리나 운용에 불필요한 그룹이 제거된 경우
# vulnerable: 시스템 관리나 운용에 불필요한 그룹이 존재하는 경우
# rule: groups in the user range (GID_MIN..GID_MAX of login.defs) that no account uses (no
# rule: members and nobody's primary group) are candidates for removal; whether they are needed
# rule: is policy, so MANUAL listing them; GOOD when there are none. System groups are not judged.

check_U_09() {
    local pw empty gmin gmax
    cce_require_text /etc/passwd /etc/group /etc/login.defs || return 0
    if ! cce_read /etc/group > /dev/null 2>&1; then
        cce_error "/etc/group is missing or unreadable in the scanned root"
        return 0
    fi
    gmin=$(cce_gid_min)
    gmax=$(cce_login_defs GID_MAX 2> /dev/null) || gmax=60000
    case $gmax in '' | *[!0-9]*) gmax=60000 ;; esac
    pw=$CCE_ITEM_DIR/passwd.tmp
    cce_passwd_entries > "$pw"
    empty=$(cce_group_entries | awk -F: -v pf="$pw" -v lo="$gmin" -v hi="$gmax" '
        BEGIN { FS = ":"; while ((getline line < pf) > 0) { split(line, p, ":"); if (p[4] ~ /^[0-9]+$/) prim[p[4] + 0] = 1 } }
        $3 ~ /^[0-9]+$/ && $3 + 0 >= lo + 0 && $3 + 0 <= hi + 0 && $4 == "" && !(($3 + 0) in prim) {
            printf "%s%s(%d)", (k++ ? " " : ""), $1, $3 + 0 }')
    rm -f "$pw"
    if [ -z "$empty" ]; then
        cce_good "every group in the user range ($gmin-$gmax) is used by an account"
    else
        cce_evidence "groups without accounts: $empty"
        cce_manual "groups no account uses, review and remove if unneeded: $empty"
    fi
}
