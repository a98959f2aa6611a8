# shellcheck shell=sh
# edition: KISA-2026
# code: U-03
# severity: high
# title_ko: 계정 잠금 임계값 설정
# title_en: Account lockout threshold
# legacy: KISA-2021:U-03
# good: 계정 잠금 임계값이 10회 이하의 값으로 설정된 경우
# vulnerable: 계정 잠금 임계값이 설정되어 있지 않거나, 10회 이하의 값으로 설정되지 않은 경우
# rule: every base auth stack (system-auth and password-auth, or common-auth) must run
# rule: pam_faillock or pam_tally2 with a threshold 1..10. pam_faillock's deny comes from its
# rule: arguments, else faillock.conf (or conf=), else its default 3; pam_tally2 needs deny=.
# rule: deny=0 or a module that is absent means no lockout. The weakest stack decides.
# rule: The module must also record a failed password: a pam_faillock stack needs an authfail
# rule: rule, and the stack's controls are followed from the failing password module (pam_unix,
# rule: pam_sss, ...) - a lockout rule after a requisite pam_deny (Debian/Ubuntu) or skipped by a
# rule: jump never runs after a failure and counts as no lockout.

check_U_03() {
    local r mod deny src
    cce_require_text /etc/security/faillock.conf || return 0
    if ! r=$(cce_lockout_deny); then
        cce_error "no base PAM auth stack (system-auth, password-auth or common-auth) in the root"
        return 0
    fi
    mod=${r%% *}
    r=${r#* }
    deny=${r%% *}
    src=${r#* }
    [ "$mod" = error ] || cce_evidence "lockout: $mod deny=$deny ($src)"
    if [ "$mod" = error ]; then
        cce_error "$src"
    elif [ "$mod" = none ]; then
        cce_vulnerable "no account lockout: $src"
    elif [ "$deny" -eq 0 ]; then
        cce_vulnerable "$mod has no threshold (deny=0 or unset): $src"
    elif [ "$deny" -le 10 ]; then
        cce_good "$mod locks after $deny failures ($src)"
    else
        cce_vulnerable "$mod threshold $deny is above 10 ($src)"
    fi
}
