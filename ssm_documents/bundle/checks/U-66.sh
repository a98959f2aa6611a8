# shellcheck shell=sh
# edition: KISA-2026
# code: U-66
# severity: medium
# title_ko: 정책에 따른 시스템 로깅 설정
# title_en: System logging per policy
# legacy: KISA-2021:U-72
# good: 로그 기록 정책이 보안 정책에 따라 설정되어 수립되어 있으며, 로그를 남기고 있는 경우
# vulnerable: 로그 기록 정책 미수립 또는 정책에 따라 설정되어 있지 않거나, 로그를 남기고 있지 않은 경우
# rule: the guide's sample policy is the baseline: messages of auth, authpriv, cron, mail, daemon,
# rule: kern and user at level info must reach a file or a remote host. rsyslog (when enabled) is read
# rule: with its selector semantics (parts applied in order, "none", "!", "="; includes followed).
# rule: journald with persistent storage (Storage=persistent, or auto with /var/log/journal, the
# rule: Amazon Linux 2023 and Debian 12 default) keeps every facility and meets the baseline.
# rule: GOOD: rsyslog covers the baseline or journald is persistent. VULNERABLE: nothing is stored
# rule: persistently, or auth/authpriv are not logged. MANUAL: rsyslog logs auth but misses other
# rule: baseline facilities and journald is volatile (the organisation's policy decides), or the
# rule: logger is syslog-ng, whose configuration this check does not read. Live, a logger counts
# rule: only while its process runs (rsyslogd, systemd-journald).

check_U_66() {
    _j=''
    _r=$(cce_path /)
    _r=${_r%/}
    if [ -e "$_r/usr/lib/systemd/systemd-journald" ] || [ -e "$_r/lib/systemd/systemd-journald" ]; then
        _j=$(cce_journald_storage)
        cce_evidence "journald Storage=$_j"
    fi
    _rs=''
    _miss=''
    _down=''
    if cce_service_enabled -p rsyslogd rsyslog.service sysv:rsyslog; then
        _rs=1
        cce_evidence "rsyslog: $CCE_SVC_WHY"
        if ! _files=$(cce_rsyslog_files) || ! cce_read /etc/rsyslog.conf >/dev/null; then
            cce_error "rsyslog is enabled but /etc/rsyslog.conf cannot be read"
            return 0
        fi
        # shellcheck disable=SC2086  # root-relative paths without blanks
        _rules=$(cce_rsyslog_rules $_files)
        [ -n "$_rules" ] && cce_evidence "rules:" "$(printf '%s\n' "$_rules" | head -n 25)"
        _cov=$(cce_rsyslog_coverage "$_rules" auth authpriv cron mail daemon kern user)
        _miss=$(printf '%s\n' "$_cov" | awk -F '\t' '$2 == "no" { printf "%s ", $1 }')
        _auth=$(printf '%s\n' "$_cov" | awk -F '\t' '($1 == "auth" || $1 == "authpriv") && $2 == "no" { f = 1 } END { print (f ? "no" : "yes") }')
    fi
    _sng=''
    cce_service_enabled -p syslog-ng syslog-ng.service sysv:syslog-ng && _sng=$CCE_SVC_WHY
    case $_j in persistent | auto:persistent) _jp=1 ;; *) _jp='' ;; esac
    # live: a logger that is configured but not running keeps nothing now
    if cce_is_live; then
        if [ -n "$_rs" ] && ! cce_process_running rsyslogd; then
            cce_evidence "rsyslogd is not running"
            _rs=''
            _miss=''
            _down="$_down rsyslog"
        fi
        if [ -n "$_jp" ] && ! cce_process_running systemd-journal; then
            cce_evidence "systemd-journald is not running"
            _jp=''
            _down="$_down journald"
        fi
    fi
    if [ -n "$_rs" ] && [ -z "$_miss" ]; then
        cce_good "rsyslog stores auth, authpriv, cron, mail, daemon, kern and user at info${_j:+; journald $_j}"
    elif [ -n "$_jp" ]; then
        cce_good "journald keeps every facility on disk (Storage=$_j)${_rs:+; rsyslog misses: ${_miss% }}"
    elif [ -n "$_sng" ]; then
        cce_manual "syslog-ng is the logger ($_sng); its configuration is not evaluated: compare it with the logging policy"
    elif [ -n "$_rs" ] && [ "$_auth" = yes ]; then
        cce_manual "rsyslog logs auth/authpriv but not ${_miss% } at info, and journald is ${_j:-absent}: confirm against the logging policy"
    elif [ -n "$_rs" ]; then
        cce_vulnerable "rsyslog does not store auth/authpriv messages (missing: ${_miss% }) and journald is ${_j:-absent}"
    elif [ -n "$_down" ]; then
        cce_vulnerable "nothing is being logged persistently: configured but not running:$_down"
    else
        cce_vulnerable "no persistent system log: no rsyslog or syslog-ng enabled and journald storage is ${_j:-absent}"
    fi
}
