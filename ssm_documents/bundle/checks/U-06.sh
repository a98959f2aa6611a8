# shellcheck shell=sh
# edition: KISA-2026
# code: U-06
# severity: high
# title_ko: 사용자 계정 su 기능 제한
# title_en: Restrict su to a group
# legacy: KISA-2021:U-45
# good: su 명령어를 특정 그룹에 속한 사용자만 사용하도록 제한된 경우
# vulnerable: su 명령어를 모든 사용자가 사용하도록 설정된 경우
# rule: restricted when the su PAM stack has pam_wheel.so as a required/requisite (or
# rule: [..default=die..]) auth rule (a "sufficient ... trust" line alone grants, it does not
# rule: restrict), or when the su binary (/usr/bin/su, /bin/su) has no execute bit for others
# rule: (e.g. 4750 root:wheel), so only its group may run it. pam_wheel with "deny" inverts the
# rule: test (members are refused) and does not count. No su binary and no su PAM
# rule: service: NOT_APPLICABLE. Unrestricted su on a system with no ordinary login account is
# rule: GOOD, as the guide's note says (root alone needs no su restriction): no account besides
# rule: UID 0 has a login shell (nologin, false, sync, shutdown and halt shells do not log in).

check_U_06() {
    local wheel su st mode gid grp users
    cce_require_text /etc/pam.d/su || return 0
    wheel=$(cce_pam_stack su 2> /dev/null | awk -F '\t' '
        $1 == "auth" && $3 == "pam_wheel.so" && ($2 == "required" || $2 == "requisite" || $2 ~ /default=die/) \
            && (" " $4 " ") !~ / deny / {
            print $5 ": auth " $2 " pam_wheel.so " $4; exit }')
    if [ -n "$wheel" ]; then
        cce_evidence "$wheel"
        grp=$(printf '%s\n' "$wheel" | sed -n 's/.*group=\([^ ]*\).*/\1/p')
        cce_good "su requires group membership through pam_wheel (group ${grp:-wheel})"
        return 0
    fi
    cce_evidence "/etc/pam.d/su: no required pam_wheel.so auth rule"
    su=
    for st in /usr/bin/su /bin/su; do
        if cce_stat "$st" > /dev/null 2>&1; then
            su=$st
            break
        fi
    done
    if [ -z "$su" ]; then
        if cce_read /etc/pam.d/su > /dev/null 2>&1; then
            cce_vulnerable "su has no pam_wheel restriction (the su binary was not found to check its mode)"
        else
            cce_na "su is not installed (no su binary, no /etc/pam.d/su)"
        fi
        return 0
    fi
    st=$(cce_stat "$su")
    users=$(cce_passwd_entries 2> /dev/null | awk -F: '
        $3 ~ /^[0-9]+$/ && $3 + 0 == 0 { next }
        $7 ~ /\/(nologin|false|true|sync|shutdown|halt)$/ || $7 == "/dev/null" { next }
        { printf "%s%s", (n++ ? " " : ""), $1 }')
    mode=${st%% *}
    gid=$(printf '%s\n' "$st" | awk '{ print $3 }')
    cce_evidence "$su: mode $mode owner $(printf '%s\n' "$st" | awk '{ print $2 }') group $gid ($(cce_group_name "$gid"))"
    if cce_mode_within "$mode" 7776; then
        cce_good "$su is $mode: only members of group $(cce_group_name "$gid") may run it"
    elif [ -z "$users" ]; then
        cce_evidence "accounts that can log in besides root: none"
        cce_good "su is not restricted, but there is no ordinary login account (only root logs in), so no restriction is needed"
    else
        cce_evidence "accounts that can log in besides root: $users"
        cce_vulnerable "su is open to every user: no required pam_wheel rule and $su is $mode"
    fi
}
