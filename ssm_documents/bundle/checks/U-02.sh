# shellcheck shell=sh
# edition: KISA-2026
# code: U-02
# severity: high
# title_ko: 비밀번호 관리정책 설정
# title_en: Password management policy
# legacy: KISA-2021:U-02 KISA-2021:U-46 KISA-2021:U-47 KISA-2021:U-48
# good: 비밀번호 관리 정책이 설정된 경우
# vulnerable: 비밀번호 관리 정책이 설정되지 않은 경우
# rule: all of: pam_pwquality (or pam_cracklib) in the base password stack (system-auth or
# rule: common-password), above pam_unix.so (the guide: pam_pwquality and pam_pwhistory take effect
# rule: only above pam_unix; below a "sufficient" or [success=N] pam_unix they never run);
# rule: effective minlen >= 8 (pam_pwquality: module arguments override pwquality.conf, which
# rule: overrides pwquality.conf.d/*.conf, library default 8; pam_cracklib reads only its module
# rule: arguments, default minlen 9 and credits +1); complexity: digits, upper case, lower case
# rule: and special characters each required - dcredit, ucredit, lcredit and ocredit each -1 (any
# rule: negative value), as the guide asks; minclass=4 requires the same four classes and counts,
# rule: minclass 3 or less does not (it can be met without one of them); login.defs PASS_MAX_DAYS
# rule: 1..90 and PASS_MIN_DAYS >= 1; password history >= 4 (pam_pwhistory remember= above
# rule: pam_unix, pwhistory.conf, its default 10, or pam_unix remember=). Any one missing is
# rule: VULNERABLE, each is listed.

check_U_02() {
    local svc fails mod minlen minclass d u l o max min hist order src miss c
    cce_require_text /etc/login.defs /etc/pam.d/system-auth /etc/pam.d/common-password /etc/security/pwquality.conf || return 0
    fails=
    svc=$(cce_password_stack) || {
        cce_error "no base password stack (/etc/pam.d/system-auth or common-password) in the root"
        return 0
    }
    mod=
    if cce_pam_has "$svc" password pam_pwquality.so; then
        mod=pam_pwquality.so
    elif cce_pam_has "$svc" password pam_cracklib.so; then
        mod=pam_cracklib.so
    fi
    # Where pam_unix.so and the modules that must precede it sit in the password stack.
    order=$(cce_pam_stack "$svc" 2> /dev/null | awk -F '\t' '
        $1 != "password" { next }
        { n++ }
        $3 == "pam_unix.so" && !u { u = n; us = $5 }
        ($3 == "pam_pwquality.so" || $3 == "pam_cracklib.so" || $3 == "pam_pwhistory.so") && !($3 in at) { at[$3] = n; src[$3] = $5 }
        END {
            for (m in at) if (u && at[m] > u) printf "%s at %s comes after pam_unix.so at %s\n", m, src[m], us
        }')
    if [ -z "$mod" ]; then
        fails="no pam_pwquality/pam_cracklib in $svc (complexity and length not enforced)"
        cce_evidence "$svc: no password quality module"
    else
        if [ "$mod" = pam_cracklib.so ]; then
            minlen=$(cce_cracklib minlen) || minlen=9
            minclass=$(cce_cracklib minclass) || minclass=0
            d=$(cce_cracklib dcredit) || d=1
            u=$(cce_cracklib ucredit) || u=1
            l=$(cce_cracklib lcredit) || l=1
            o=$(cce_cracklib ocredit) || o=1
            src="pam_cracklib.so arguments (pam_cracklib does not read pwquality.conf)"
        else
            minlen=$(cce_pwquality minlen) || minlen=8
            minclass=$(cce_pwquality minclass) || minclass=0
            d=$(cce_pwquality dcredit) || d=0
            u=$(cce_pwquality ucredit) || u=0
            l=$(cce_pwquality lcredit) || l=0
            o=$(cce_pwquality ocredit) || o=0
            src="pam_pwquality.so arguments over pwquality.conf"
        fi
        cce_evidence "$svc: $mod minlen=$minlen minclass=$minclass dcredit=$d ucredit=$u lcredit=$l ocredit=$o ($src)"
        case $minlen in '' | *[!0-9]*) minlen=0 ;; esac
        case $minclass in '' | *[!0-9]*) minclass=0 ;; esac
        [ "$minlen" -ge 8 ] || fails="${fails:+$fails; }minlen $minlen < 8"
        if [ "$minclass" -lt 4 ]; then
            miss=
            for c in "dcredit $d" "ucredit $u" "lcredit $l" "ocredit $o"; do
                case ${c#* } in
                    -[1-9] | -[1-9][0-9]) ;;
                    *) miss="${miss:+$miss, }$c" ;;
                esac
            done
            [ -z "$miss" ] || fails="${fails:+$fails; }complexity: $miss not -1 (digits, upper and lower case and special characters must each be required; minclass $minclass)"
        fi
    fi
    if [ -n "$order" ]; then
        cce_evidence "$order"
        fails="${fails:+$fails; }$(printf '%s\n' "$order" | awk '{ printf "%s%s", (n++ ? ", " : ""), $1 }') below pam_unix.so in $svc (never reached: it must sit above pam_unix.so)"
    fi
    max=$(cce_login_defs PASS_MAX_DAYS) || max=
    min=$(cce_login_defs PASS_MIN_DAYS) || min=
    cce_evidence "/etc/login.defs: PASS_MAX_DAYS ${max:-unset} PASS_MIN_DAYS ${min:-unset}"
    case $max in
        '' | *[!0-9]*) fails="${fails:+$fails; }PASS_MAX_DAYS not set" ;;
        *) { [ "$max" -ge 1 ] && [ "$max" -le 90 ]; } || fails="${fails:+$fails; }PASS_MAX_DAYS $max > 90" ;;
    esac
    case $min in
        '' | *[!0-9]*) fails="${fails:+$fails; }PASS_MIN_DAYS not set" ;;
        *) [ "$min" -ge 1 ] || fails="${fails:+$fails; }PASS_MIN_DAYS $min < 1" ;;
    esac
    hist=$(cce_password_history)
    cce_evidence "password history: $hist"
    case ${hist%% *} in
        '' | *[!0-9]*) fails="${fails:+$fails; }password history unreadable" ;;
        *) [ "${hist%% *}" -ge 4 ] || fails="${fails:+$fails; }password history ${hist%% *} < 4 (${hist#* })" ;;
    esac
    if [ -n "$fails" ]; then
        cce_vulnerable "$fails"
    else
        cce_good "length, complexity, aging (max ${max}, min ${min} days) and history ${hist%% *} are enforced"
    fi
}
