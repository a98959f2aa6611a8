# shellcheck shell=sh
# edition: KISA-2026
# code: U-49
# severity: high
# title_ko: DNS 보안 버전 패치
# title_en: Patch the DNS server (BIND)
# legacy: KISA-2021:U-33
# good: 주기적으로 패치를 관리하는 경우
# vulnerable: 주기적으로 패치를 관리하고 있지 않은 경우
# rule: named not enabled is NOT_APPLICABLE. An enabled named is MANUAL: whether the installed BIND is
# rule: the latest patched release needs the vendor's advisory data, which the host does not hold (and
# rule: the bundle never queries package repositories); the reason gives the installed package and
# rule: version from the dpkg status file or the rpm database.

check_U_49() {
    if ! cce_dns_enabled; then
        cce_dns_na
        return 0
    fi
    cce_evidence "named: $CCE_DNS_WHY"
    if cce_pkg_installed -b /usr/sbin/named bind9 bind bind9.18 bind-chroot; then
        if [ -n "$CCE_PKG_VERSION" ]; then
            _v="$CCE_PKG_NAME $CCE_PKG_VERSION ($CCE_PKG_HOW)"
        else
            _v="version unknown (found $CCE_PKG_NAME; no package database readable)"
        fi
    elif [ "$CCE_PKG_HOW" = file ]; then
        _v='version unknown (no package database readable, /usr/sbin/named not found)'
    else
        _v="no BIND package installed per $CCE_PKG_HOW"
    fi
    cce_evidence "BIND: $_v"
    cce_manual "BIND $_v; compare with ISC's and the vendor's latest security release"
}
