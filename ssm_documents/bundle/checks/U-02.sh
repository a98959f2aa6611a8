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
# rule: common-password); effective minlen >= 8 (module arguments override pwquality.conf, which
# rule: overrides pwquality.conf.d/*.conf; library default 8); complexity: minclass >= 3, or
# rule: dcredit, ocredit and one of ucredit/lcredit negative; login.defs PASS_MAX_DAYS 1..90 and
# rule: PASS_MIN_DAYS >= 1; password history >= 4 (pam_pwhistory remember=, pwhistory.conf, its
# rule: default 10, or pam_unix remember=). Any one missing is VULNERABLE, each is listed.

check_U_02() {
    local svc fails mod minlen minclass d u l o max min hist
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
    if [ -z "$mod" ]; then
        fails="no pam_pwquality/pam_cracklib in $svc (complexity and length not enforced)"
        cce_evidence "$svc: no password quality module"
    else
        if ! minlen=$(cce_pwquality minlen); then
            minlen=8
            [ "$mod" = pam_cracklib.so ] && minlen=9
        fi
        minclass=$(cce_pwquality minclass) || minclass=0
        d=$(cce_pwquality dcredit) || d=0
        u=$(cce_pwquality ucredit) || u=0
        l=$(cce_pwquality lcredit) || l=0
        o=$(cce_pwquality ocredit) || o=0
        cce_evidence "$svc: $mod minlen=$minlen minclass=$minclass dcredit=$d ucredit=$u lcredit=$l ocredit=$o"
        case $minlen in '' | *[!0-9]*) minlen=0 ;; esac
        case $minclass in '' | *[!0-9]*) minclass=0 ;; esac
        [ "$minlen" -ge 8 ] || fails="${fails:+$fails; }minlen $minlen < 8"
        if [ "$minclass" -lt 3 ]; then
            case "$d:$o" in
                -[1-9]*:-[1-9]*)
                    case "$u:$l" in
                        -[1-9]*:* | *:-[1-9]*) ;;
                        *) fails="${fails:+$fails; }no letter class required" ;;
                    esac
                    ;;
                *) fails="${fails:+$fails; }complexity not required (minclass $minclass, dcredit $d, ocredit $o)" ;;
            esac
        fi
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
