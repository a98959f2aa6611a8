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
# rule: at installed (no crontab, at, cron, crond or atd program) is NOT_APPLICABLE, whatever files
# rule: other packages leave in /etc/cron.d: nothing reads them.

check_U_37() {
    _bad=''
    if [ -z "$(cce_svc_stat_files /usr/bin/crontab /usr/bin/at /usr/sbin/cron /usr/sbin/crond /usr/sbin/atd)" ]; then
        cce_na "neither cron nor at is installed (no crontab, at, cron, crond or atd program)"
        return 0
    fi
    _r=$(cce_path /)
    _r=${_r%/}
    set -- /usr/bin/crontab /usr/bin/at /etc/crontab /etc/anacrontab /etc/cron.allow /etc/cron.deny \
        /etc/at.allow /etc/at.deny
    for _f in "$_r"/etc/cron.d/* "$_r"/var/spool/cron/crontabs/* "$_r"/var/spool/cron/*; do
        [ -f "$_f" ] && set -- "$@" "${_f#"$_r"}"
    done
    _st=$(cce_svc_stat_files "$@")
    _tab=$(printf '\t')
    while IFS=$_tab read -r _m _u _g _t _p; do
        [ -n "$_p" ] || continue
        case $_p in
            /usr/bin/crontab | /usr/bin/at)
                cce_evidence "$_p mode $_m"
                cce_mode_within "$_m" 7776 || _bad="$_bad; $_p is executable by other users ($_m)"
                continue ;;
        esac
        [ "$_t" = f ] || continue
        cce_evidence "$_p mode $_m owner uid $_u"
        cce_mode_within "$_m" 0640 || _bad="$_bad; $_p mode $_m exceeds 0640"
        case $_p in
            /etc/*) [ "$_u" = 0 ] || _bad="$_bad; $_p owner uid $_u is not root" ;;
        esac
    done <<EOF_ST
$_st
EOF_ST
    if [ -n "$_bad" ]; then
        cce_vulnerable "${_bad#; }"
    else
        cce_good "crontab/at not executable by other users; cron and at files within 0640"
    fi
}
