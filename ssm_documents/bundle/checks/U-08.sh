# shellcheck shell=sh
# edition: KISA-2026
# code: U-08
# severity: medium
# title_ko: 관리자 그룹에 최소한의 계정 포함
# title_en: Minimal members in admin group
# legacy: KISA-2021:U-50
# good: 관리자 그룹에 불필요한 계정이 등록되어 있지 않은 경우
# vulnerable: 관리자 그룹에 불필요한 계정이 등록된 경우
# rule: the admin group is the group with GID 0. Its members other than root (the member list of
# rule: /etc/group, and accounts with primary GID 0 that have an interactive shell) need an
# rule: organisational decision: MANUAL listing them; GOOD when there are none.

check_U_08() {
    local members primary
    cce_require_text /etc/passwd /etc/group || return 0
    if ! cce_read /etc/group > /dev/null 2>&1; then
        cce_error "/etc/group is missing or unreadable in the scanned root"
        return 0
    fi
    members=$(cce_group_entries | awk -F: '$3 ~ /^[0-9]+$/ && $3 + 0 == 0 {
        n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] != "" && m[i] != "root") printf "%s%s", (k++ ? " " : ""), m[i] }')
    primary=$(cce_passwd_entries | awk -F: '$4 ~ /^[0-9]+$/ && $4 + 0 == 0 && $1 != "root" && $7 !~ /(nologin|false|\/sync|shutdown|halt)$/ {
        printf "%s%s", (k++ ? " " : ""), $1 }')
    cce_evidence "GID 0 group $(cce_group_name 0): members [${members}] primary-GID-0 login accounts [${primary}]"
    if [ -z "$members$primary" ]; then
        cce_good "the GID 0 group has no members besides root"
    else
        cce_manual "confirm these members of the GID 0 group are approved administrators: ${members}${members:+${primary:+ }}${primary}"
    fi
}
