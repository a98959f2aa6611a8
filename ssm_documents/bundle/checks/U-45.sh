# shellcheck shell=sh
# edition: KISA-2026
# code: U-45
# severity: high
# title_ko: 메일 서비스 버전 점검
# title_en: Mail server version
# legacy: KISA-2021:U-30
# good: 메일 서비스 버전이 최신 버전인 경우
# vulnerable: 메일 서비스 버전이 최신 버전이 아닌 경우
# rule: no MTA enabled (sendmail, postfix, exim) is NOT_APPLICABLE. An enabled MTA is MANUAL: whether
# rule: its version is the latest patched one needs the vendor's advisory data, which the host does
# rule: not hold (and the bundle never queries package repositories). The reason and evidence give the
# rule: installed package and version from the dpkg status file or the rpm database.

check_U_45() {
    if ! cce_mta_enabled; then
        cce_mta_na
        return 0
    fi
    cce_evidence "MTA: $CCE_MTA_WHY"
    _found=''
    for _m in $CCE_MTA; do
        case $_m in
            sendmail) set -- -b /usr/sbin/sendmail.sendmail -b /usr/lib/sm.bin/sendmail sendmail sendmail-bin ;;
            postfix) set -- -b /usr/sbin/postfix postfix ;;
            exim) set -- -b /usr/sbin/exim4 -b /usr/sbin/exim exim4-daemon-light exim4-daemon-heavy exim4-base exim ;;
        esac
        if cce_pkg_installed "$@"; then
            if [ -n "$CCE_PKG_VERSION" ]; then
                _v="$_m $CCE_PKG_NAME $CCE_PKG_VERSION ($CCE_PKG_HOW)"
            else
                _v="$_m version unknown (found $CCE_PKG_NAME; no package database readable)"
            fi
        else
            if [ "$CCE_PKG_HOW" = file ]; then
                _v="$_m version unknown (no package database readable, binary not found)"
            else
                _v="$_m enabled but no package of it is installed per $CCE_PKG_HOW"
            fi
        fi
        cce_evidence "$_v"
        _found="$_found; $_v"
    done
    cce_manual "mail server versions found: ${_found#; }; compare with the vendor's latest security release"
}
