# shellcheck shell=sh
# edition: KISA-2026
# code: U-65
# severity: medium
# title_ko: NTP 및 시각 동기화 설정
# title_en: NTP and time synchronisation
# legacy:
# good: NTP 및 시각 동기화 설정이 기준에 따라 적용된 경우
# vulnerable: NTP 및 시각 동기화 설정이 기준에 따라 적용되어 있지 않은 경우
# rule: the per-distribution time daemon is looked for in this order: chrony (chronyd.service on
# rule: RHEL/Rocky/Amazon Linux, chrony.service on Debian/Ubuntu; chrony.conf with include, confdir
# rule: and sourcedir), ntpd (ntpd, ntp, ntpsec units; ntp.conf), systemd-timesyncd (timesyncd.conf
# rule: and drop-ins; no NTP= falls back to the built-in FallbackNTP). No daemon enabled, or one with
# rule: no server/pool/peer/refclock, is VULNERABLE. An enabled daemon with sources is GOOD and the
# rule: sources are listed: whether they are the organisation's approved time sources is policy the
# rule: host cannot show, so the reason asks for that review. Live, the daemon must also be running.

check_U_65() {
    cce_time_sources
    if [ -n "$CCE_TIME_ERROR" ]; then
        cce_error "$CCE_TIME_DAEMON is enabled but its configuration cannot be read: $CCE_TIME_ERROR"
        return 0
    fi
    if [ -z "$CCE_TIME_DAEMON" ]; then
        _note=''
        cce_is_live || _note='; offline root: running processes not checked'
        [ -n "$CCE_SVC_WHY" ] && cce_evidence "$CCE_SVC_WHY"
        cce_vulnerable "no time synchronisation daemon enabled (chrony, ntpd, systemd-timesyncd)$_note"
        return 0
    fi
    cce_evidence "$CCE_TIME_DAEMON: $CCE_TIME_WHY"
    if [ -z "$CCE_TIME_SOURCES" ]; then
        cce_vulnerable "$CCE_TIME_DAEMON enabled but no time source configured"
        return 0
    fi
    cce_evidence "sources:" "$CCE_TIME_SOURCES"
    if cce_is_live; then
        case $CCE_TIME_DAEMON in
            chrony) _p=chronyd ;;
            ntpd) _p=ntpd ;;
            *) _p=systemd-timesyn ;;
        esac
        if ! cce_process_running "$_p"; then
            cce_vulnerable "$CCE_TIME_DAEMON is configured but not running: the clock is not being synchronised"
            return 0
        fi
    fi
    _n=$(printf '%s\n' "$CCE_TIME_SOURCES" | awk 'END { print NR }')
    cce_good "$CCE_TIME_DAEMON enabled with $_n time source(s): $(printf '%s\n' "$CCE_TIME_SOURCES" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), ($1 ~ /^(NTP|FallbackNTP)/) ? $0 : $1 " " $2 }'); confirm they are the approved sources"
}
