# shellcheck shell=sh
# edition: KISA-2026
# code: U-07
# severity: low
# title_ko: 불필요한 계정 제거
# title_en: Remove unnecessary accounts
# legacy: KISA-2021:U-49
# good: 불필요한 계정이 존재하지 않는 경우
# vulnerable: 불필요한 계정이 존재하는 경우
# rule: which accounts are unnecessary (departed, on leave, unused) is organisational policy:
# rule: MANUAL with the accounts that can log in (interactive shell) listed for review.
# rule: VULNERABLE when a default account that is never needed for logins (lp, uucp, nuucp, news,
# rule: games, gopher) has both an interactive shell and a usable password.
# rule: GOOD when root is the only account with an interactive shell.

check_U_07() {
    local shadow bad list
    cce_require_text /etc/passwd /etc/shadow || return 0
    if ! cce_read /etc/passwd > /dev/null 2>&1; then
        cce_error "/etc/passwd is missing or unreadable in the scanned root"
        return 0
    fi
    shadow=$CCE_ITEM_DIR/shadow.tmp
    cce_shadow_entries > "$shadow" 2> /dev/null || : > "$shadow"
    list=$(cce_passwd_entries | awk -F: '
        $7 !~ /(nologin|false|\/sync|shutdown|halt)$/ && $1 != "root" { printf "%s%s", (n++ ? " " : ""), $1 }')
    bad=$(cce_passwd_entries | awk -F: -v sf="$shadow" '
        BEGIN { while ((getline line < sf) > 0) { split(line, s, ":"); pw[s[1]] = s[2] } }
        $1 ~ /^(lp|uucp|nuucp|news|games|gopher)$/ && $7 !~ /(nologin|false)$/ {
            p = ($2 == "x" ? pw[$1] : $2)
            if (p != "" && p !~ /^[!*]/) printf "%s%s", (n++ ? ", " : ""), $1
        }')
    rm -f "$shadow"
    if [ -n "$bad" ]; then
        cce_evidence "default accounts with a shell and a usable password: $bad"
        cce_vulnerable "unneeded default accounts can log in: $bad"
    elif [ -z "$list" ]; then
        cce_good "root is the only account with an interactive shell"
    else
        cce_evidence "accounts with an interactive shell: $list"
        cce_manual "review whether these login accounts are still needed: $list"
    fi
}
