# shellcheck shell=sh
# edition: KISA-2026
# code: U-04
# severity: high
# title_ko: 비밀번호 파일 보호
# title_en: Protect password file
# legacy: KISA-2021:U-04
# good: 쉐도우 비밀번호를 사용하거나, 비밀번호를 암호화하여 저장하는 경우
# vulnerable: 쉐도우 비밀번호를 사용하지 않고, 비밀번호를 암호화하여 저장하지 않는 경우
# rule: /etc/shadow must exist and every /etc/passwd entry's password field must be "x" (or a
# rule: lock marker "*" / "!"); a hash or an empty field in /etc/passwd is VULNERABLE (an empty
# rule: field is a login without any password).

check_U_04() {
    local bad
    cce_require_text /etc/passwd /etc/shadow || return 0
    if ! cce_read /etc/passwd > /dev/null 2>&1; then
        cce_error "/etc/passwd is missing or unreadable in the scanned root"
        return 0
    fi
    bad=$(cce_passwd_entries | awk -F: '
        $2 == "x" || $2 == "*" || $2 == "!" || $2 == "!!" { next }
        { printf "%s%s(%s)", (n++ ? ", " : ""), $1, ($2 == "" ? "empty password" : "password in /etc/passwd") }')
    if ! cce_read /etc/shadow > /dev/null 2>&1; then
        cce_vulnerable "/etc/shadow is missing or unreadable: passwords are not shadowed${bad:+; $bad}"
        return 0
    fi
    cce_evidence "/etc/shadow present ($(cce_mode /etc/shadow 2> /dev/null || echo ?))"
    if [ -n "$bad" ]; then
        cce_evidence "passwd entries not shadowed: $bad"
        cce_vulnerable "not shadowed: $bad"
    else
        cce_good "every /etc/passwd entry uses the shadow file"
    fi
}
