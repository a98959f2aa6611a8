# shellcheck shell=sh
# edition: KISA-2026
# code: U-37
# severity: high
# title_ko: crontab 설정파일 권한 설정 미흡
# title_en: crontab and at permissions
# legacy: KISA-2021:U-22 KISA-2021:U-65
# good: crontab 및 at 명령어에 일반 사용자 실행 권한이 제거되어 있으며, cron 및 at 관련 파일 권한이 640 이하인 경우
# vulnerable: crontab 및 at 명령어에 일반 사용자 실행 권한이 부여되어 있으며, cron 및 at 관련 파일 권한이 640 이상인 경우
# rule: read as the guide's remedy states it (chmod 750 on the commands, 640 on the files); either
# rule: failure is VULNERABLE. Commands: /usr/bin/crontab and /usr/bin/at must lack the other-execute
# rule: bit (setuid/setgid bits allowed), so the distributions' 4755/2755 defaults are VULNERABLE.
# rule: Files, no bit outside 0640: /etc/crontab, /etc/anacrontab, /etc/cron.allow, /etc/cron.deny,
# rule: /etc/cron.d/*, /etc/at.allow, /etc/at.deny (owner root too), and the user crontabs in
# rule: /var/spool/cron/crontabs (Debian) or /var/spool/cron (RHEL), owned by their users. The
# rule: cron.hourly..monthly scripts are programs, not settings, and are not judged. Neither cron nor
# rule: at present is NOT_APPLICABLE.

_u37_file() {  # path owner-must-be-root(1|0)
    _m=$(cce_mode "$1") || return 0
    _u=$(cce_uid "$1")
    _seen=1
    cce_evidence "$1 mode $_m owner $(cce_owner_name "$_u") ($_u)"
    cce_mode_within "$_m" 0640 || _bad="$_bad; $1 mode $_m exceeds 0640"
    [ "$2" = 1 ] && [ "$_u" != 0 ] && _bad="$_bad; $1 owner uid $_u is not root"
    return 0
}

check_U_37() {
    _bad=''
    _seen=''
    _r=$(cce_path /)
    _r=${_r%/}
    for _c in /usr/bin/crontab /usr/bin/at; do
        _m=$(cce_mode "$_c") || continue
        _seen=1
        cce_evidence "$_c mode $_m"
        cce_mode_within "$_m" 7776 || _bad="$_bad; $_c is executable by other users ($_m)"
    done
    for _f in /etc/crontab /etc/anacrontab /etc/cron.allow /etc/cron.deny /etc/at.allow /etc/at.deny; do
        _u37_file "$_f" 1
    done
    for _f in "$_r"/etc/cron.d/*; do
        [ -f "$_f" ] || continue
        _u37_file "${_f#"$_r"}" 1
    done
    for _d in /var/spool/cron/crontabs /var/spool/cron; do
        for _f in "$_r$_d"/*; do
            [ -f "$_f" ] || continue
            _u37_file "${_f#"$_r"}" 0
        done
    done
    if [ -z "$_seen" ]; then
        cce_na "neither cron nor at is installed (no crontab/at command, no cron or at files)"
    elif [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "crontab/at not executable by other users; cron and at files within 0640"
    fi
}
