# shellcheck shell=sh
# edition: KISA-2026
# code: U-11
# severity: low
# title_ko: 사용자 shell 점검
# title_en: Non-login shells for system accounts
# legacy: KISA-2021:U-53
# good: 로그인이 필요하지 않은 계정에 /bin/false(/sbin/nologin) 쉘이 부여된 경우
# vulnerable: 로그인이 필요하지 않은 계정에 /bin/false(/sbin/nologin) 쉘이 부여되지 않은 경우
# rule: accounts that never need a login (daemon, bin, sys, adm, listen, nobody, nobody4,
# rule: noaccess, diag, operator, games, gopher, lp, uucp, nuucp, news, mail) must have nologin or
# rule: false (sync/shutdown/halt keep their own commands): otherwise VULNERABLE. Other system
# rule: accounts (UID 1..UID_MIN-1) with an interactive shell are listed as MANUAL. An empty
# rule: shell field means /bin/sh.

check_U_11() {
    local umin named other
    cce_require_text /etc/passwd /etc/login.defs || return 0
    if ! cce_read /etc/passwd > /dev/null 2>&1; then
        cce_error "/etc/passwd is missing or unreadable in the scanned root"
        return 0
    fi
    umin=$(cce_uid_min)
    named=$(cce_passwd_entries | awk -F: '
        $1 ~ /^(daemon|bin|sys|adm|listen|nobody|nobody4|noaccess|diag|operator|games|gopher|lp|uucp|nuucp|news|mail)$/ &&
        $7 !~ /(nologin|false)$/ { printf "%s%s(%s)", (k++ ? " " : ""), $1, ($7 == "" ? "/bin/sh" : $7) }')
    other=$(cce_passwd_entries | awk -F: -v umin="$umin" '
        $1 ~ /^(daemon|bin|sys|adm|listen|nobody|nobody4|noaccess|diag|operator|games|gopher|lp|uucp|nuucp|news|mail|root|sync|shutdown|halt)$/ { next }
        $3 ~ /^[0-9]+$/ && $3 + 0 > 0 && $3 + 0 < umin + 0 && $7 !~ /(nologin|false)$/ {
            printf "%s%s(%s)", (k++ ? " " : ""), $1, ($7 == "" ? "/bin/sh" : $7) }')
    if [ -n "$named" ]; then
        cce_evidence "system accounts with a login shell: $named"
        [ -n "$other" ] && cce_evidence "other system-range accounts with a login shell: $other"
        cce_vulnerable "accounts that need no login have a shell: $named"
    elif [ -n "$other" ]; then
        cce_evidence "system-range accounts with a login shell: $other"
        cce_manual "system accounts with an interactive shell, confirm they need logins: $other"
    else
        cce_good "system accounts have nologin/false shells"
    fi
}
