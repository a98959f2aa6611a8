# shellcheck shell=sh
# edition: KISA-2026
# code: U-64
# severity: high
# title_ko: 주기적 보안 패치 및 벤더 권고사항 적용
# title_en: Apply security patches and vendor advisories
# legacy: KISA-2021:U-42
# good: 패치 적용 정책을 수립하여 주기적으로 패치 관리를 하고 있으며, 패치 관련 내용을 확인하고 적용하였을 경우
# vulnerable: 패치 적용 정책을 수립하지 않고 주기적으로 패치 관리를 하지 않거나, 패치 관련 내용을 확인하지 않고 적용하지 않고 있는 경우
# rule: always MANUAL: a patch policy and the vendor's advisory data are needed, and the bundle never
# rule: queries package repositories. The reason reports what the host shows: the distribution, the
# rule: running (live; with "reboot pending" when a newer one is installed) or installed (offline)
# rule: kernels, the last package transaction from the package
# rule: manager's own log (apt history/dpkg.log, dnf.rpm.log/yum.log) and whether automatic updates
# rule: (unattended-upgrades, dnf-automatic, yum-cron) are enabled.

check_U_64() {
    _os=$(cce_os_release PRETTY_NAME 2>/dev/null)
    [ -n "$_os" ] || _os="$(cce_os_release ID 2>/dev/null) $(cce_os_release VERSION_ID 2>/dev/null)"
    _r=$(cce_path /)
    _r=${_r%/}
    _inst=''
    for _m in "$_r"/lib/modules/* "$_r"/usr/lib/modules/*; do
        [ -d "$_m" ] || continue
        case " $_inst " in *" ${_m##*/} "*) ;; *) _inst="$_inst ${_m##*/}" ;; esac
    done
    if cce_is_live; then
        _run=$(uname -r 2>/dev/null)
        _k="running kernel $_run"
        # shellcheck disable=SC2086  # one kernel release per word
        _newest=$(printf '%s\n' $_inst | sort -V 2>/dev/null | tail -n 1)
        if [ -n "$_newest" ] && [ "$_newest" != "$_run" ]; then
            _k="$_k (newest installed $_newest: reboot pending)"
        fi
    else
        _k="installed kernels:${_inst:- none found}"
    fi
    _last=''
    if _t=$(cce_read /var/log/apt/history.log 2>/dev/null) && [ -n "$_t" ]; then
        _last=$(printf '%s\n' "$_t" | awk '/^Start-Date:/ { d = $2 " " $3 } END { print d }')
        [ -n "$_last" ] && _last="$_last (apt history)"
    fi
    if [ -z "$_last" ] && _t=$(cce_read /var/log/dpkg.log 2>/dev/null) && [ -n "$_t" ]; then
        _last="$(printf '%s\n' "$_t" | awk 'NF { d = $1 " " $2 } END { print d }') (dpkg.log)"
    fi
    for _l in /var/log/dnf.rpm.log /var/log/yum.log; do
        [ -n "$_last" ] && break
        if _t=$(cce_read "$_l" 2>/dev/null) && [ -n "$_t" ]; then
            _last="$(printf '%s\n' "$_t" | awk -v l="$_l" 'NF { d = (l ~ /dnf/) ? $1 : $1 " " $2 " " $3 } END { print d }') (${_l##*/})"
        fi
    done
    _auto=''
    if cce_read /etc/apt/apt.conf.d/20auto-upgrades 2>/dev/null | grep -q 'Unattended-Upgrade *"1"'; then
        _auto="$_auto unattended-upgrades"
    fi
    cce_service_enabled dnf-automatic.timer dnf-automatic-install.timer yum-cron.service && _auto="$_auto $CCE_SVC_WHY"
    cce_evidence "OS: $_os" "$_k" "last package transaction: ${_last:-none recorded}" "automatic updates:${_auto:- none enabled}"
    cce_manual "patch state needs the patch policy and vendor advisories: $_os; $_k; last package transaction ${_last:-not recorded}; automatic updates${_auto:+:}${_auto:- not enabled}"
}
