# shellcheck shell=sh
# edition: KISA-2026
# code: U-28
# severity: high
# title_ko: 접속 IP 및 포트 제한
# title_en: Restrict access by source IP and port
# legacy: KISA-2021:U-18
# good: 접속을 허용할 특정 호스트에 대한 IP주소 및 포트 제한을 설정한 경우
# vulnerable: 접속을 허용할 특정 호스트에 대한 IP주소 및 포트 제한을 설정하지 않은 경우
# rule: host-based controls read from the scanned root: TCP Wrapper (/etc/hosts.deny with
# rule: "ALL: ALL" plus allow rules in /etc/hosts.allow, counted only when libwrap is
# rule: installed: RHEL 8+ and current sshd builds ignore these files), firewalld (enabled
# rule: unit; zones with <source> or rich rules with a source address), nftables and
# rule: iptables saved rules (enabled nftables/iptables/netfilter-persistent unit; "saddr" /
# rule: "-s ADDR ... ACCEPT" with a drop/reject default) and ufw (ENABLED=yes; rules with a
# rule: "from" address and a DROP/REJECT default input policy).
# rule: GOOD: at least one enabled control allows specific source addresses and denies the
# rule: rest.  MANUAL: a control is enabled but limits ports only (sources may be limited
# rule: outside the host, e.g. by security groups, which the host cannot see; that is site
# rule: policy).  VULNERABLE: no host-based control is enabled at all.

check_U_28() {
    _root=$(files_root)
    _good=""
    _ports=""
    _have_svc=0
    command -v cce_service_enabled >/dev/null 2>&1 && _have_svc=1
    _enabled() {
        [ "$_have_svc" = 1 ] || return 1
        cce_service_enabled "$@"
    }

    # TCP Wrapper
    _libwrap=""
    for _l in "$_root"/lib64/libwrap.so.0* "$_root"/usr/lib64/libwrap.so.0* "$_root"/lib/*/libwrap.so.0* \
        "$_root"/usr/lib/*/libwrap.so.0* "$_root"/usr/lib/libwrap.so.0*; do
        [ -e "$_l" ] && { _libwrap=${_l#"$_root"}; break; }
    done
    _deny=$(head -c 65536 "$_root/etc/hosts.deny" 2>/dev/null | awk '!/^[ \t]*#/ { l = $0; gsub(/[ \t]/, "", l); if (toupper(l) ~ /^ALL:ALL(:DENY)?$/) { print FNR; exit } }')
    _allow=$(head -c 65536 "$_root/etc/hosts.allow" 2>/dev/null | awk '!/^[ \t]*#/ && /:/ { n++ } END { print n + 0 }')
    if [ -n "$_deny" ] && [ "${_allow:-0}" -gt 0 ]; then
        if [ -n "$_libwrap" ]; then
            _good="${_good}TCP Wrapper (hosts.deny ALL:ALL, $_allow allow rule(s)); "
            cce_evidence_file /etc/hosts.allow 10
        else
            cce_evidence "hosts.deny has ALL:ALL but libwrap is not installed: TCP Wrapper files have no effect"
        fi
    elif [ -n "$_deny" ]; then
        cce_evidence "hosts.deny denies ALL:ALL with no allow rule in hosts.allow"
    fi

    # firewalld
    if _enabled firewalld.service; then
        _zone=$(awk -F '=' '$1 == "DefaultZone" { gsub(/[ \t"]/, "", $2); print $2 }' "$_root/etc/firewalld/firewalld.conf" 2>/dev/null)
        _zone=${_zone:-public}
        _src=$(cat "$_root"/etc/firewalld/zones/*.xml 2>/dev/null | awk '/<source[ \t]+(address|ipset)=/ || (/<rule/ && /source/) || /<source[ \t]/ { n++ } END { print n + 0 }')
        _zf=$_root/etc/firewalld/zones/$_zone.xml
        [ -f "$_zf" ] || _zf=$_root/usr/lib/firewalld/zones/$_zone.xml
        _zs=$(head -c 65536 "$_zf" 2>/dev/null | awk '/<service |<port / { n++ } /target="ACCEPT"/ { acc = 1 } END { print n + 0, acc + 0 }')
        cce_evidence "firewalld enabled; default zone $_zone; source-bound rules: $_src; open services/ports in the default zone: ${_zs% *}"
        if [ "$_src" -gt 0 ] && [ "${_zs#* }" = 0 ]; then
            _good="${_good}firewalld ($_src source-restricted rule(s)); "
        elif [ "${_zs#* }" = 1 ]; then
            cce_evidence "firewalld default zone $_zone accepts everything"
        else
            _ports="${_ports}firewalld; "
        fi
    fi

    # nftables / iptables saved rules
    _nft=""
    if _enabled nftables.service; then
        for _f in /etc/nftables.conf /etc/sysconfig/nftables.conf; do
            [ -f "$_root$_f" ] && _nft="$_nft $_f"
        done
        for _f in "$_root"/etc/nftables/*.nft "$_root"/etc/nftables.d/*.nft "$_root"/etc/nftables.d/*.conf; do
            [ -f "$_f" ] && _nft="$_nft ${_f#"$_root"}"
        done
        _r=$(for _f in $_nft; do head -c 262144 "$_root$_f" 2>/dev/null; printf '\n'; done |
            awk '!/^[ \t]*#/ { if (/saddr/ && /accept/) s++; if (/policy[ \t]+drop/ || /^[ \t]*(drop|reject)[ \t]*$/) d++; if (/dport/ && /accept/) p++ } END { print s + 0, d + 0, p + 0 }')
        # shellcheck disable=SC2086  # three numbers
        set -- $_r
        cce_evidence "nftables enabled ($_nft): source-restricted accepts $1, drop policies $2, port accepts $3"
        if [ "$1" -gt 0 ] && [ "$2" -gt 0 ]; then _good="${_good}nftables; "
        elif [ "$2" -gt 0 ]; then _ports="${_ports}nftables; "; fi
    fi
    for _pair in "iptables.service:/etc/sysconfig/iptables" "netfilter-persistent.service:/etc/iptables/rules.v4"; do
        _u=${_pair%%:*}
        _f=${_pair#*:}
        _enabled "$_u" || continue
        [ -f "$_root$_f" ] || { cce_evidence "$_u enabled but $_f missing"; continue; }
        _r=$(head -c 262144 "$_root$_f" | awk '
            /^:INPUT (DROP|REJECT)/ { d++ }
            /^-A INPUT/ && /-j (DROP|REJECT)/ && !/ -s / && !/--dport/ { d++ }
            /^-A INPUT/ && / -s / && !/ -s 0\.0\.0\.0\/0/ && /-j ACCEPT/ { s++ }
            /^-A INPUT/ && /--dport/ && /-j ACCEPT/ { p++ }
            END { print s + 0, d + 0, p + 0 }')
        # shellcheck disable=SC2086  # three numbers
        set -- $_r
        cce_evidence "$_u enabled ($_f): source-restricted accepts $1, default drop/reject $2, port accepts $3"
        if [ "$1" -gt 0 ] && [ "$2" -gt 0 ]; then _good="${_good}iptables ($_f); "
        elif [ "$2" -gt 0 ]; then _ports="${_ports}iptables ($_f); "; fi
    done

    # ufw
    if awk -F '=' '$1 == "ENABLED" { gsub(/[ \t"]/, "", $2); if (tolower($2) == "yes") f = 1 } END { exit !f }' "$_root/etc/ufw/ufw.conf" 2>/dev/null &&
        { [ "$_have_svc" = 0 ] || _enabled ufw.service; }; then
        _pol=$(awk -F '=' '$1 == "DEFAULT_INPUT_POLICY" { gsub(/[ \t"]/, "", $2); print $2 }' "$_root/etc/default/ufw" 2>/dev/null)
        _s=$(cat "$_root/etc/ufw/user.rules" "$_root/etc/ufw/user6.rules" 2>/dev/null |
            awk '/^-A ufw6?-user-input/ && / -s / && !/ -s (0\.0\.0\.0\/0|::\/0)/ && /-j ACCEPT/ { n++ } END { print n + 0 }')
        cce_evidence "ufw enabled; default input policy ${_pol:-unknown}; source-restricted allow rules $_s"
        case $_pol in
            DROP | REJECT) if [ "$_s" -gt 0 ]; then _good="${_good}ufw; "; else _ports="${_ports}ufw; "; fi ;;
        esac
    fi

    [ "$_have_svc" = 1 ] || cce_evidence "service helper unavailable: firewall units could not be checked"
    if cce_is_live; then
        cce_evidence "saved configuration and unit enablement read; the kernel's live rule set is not queried (that would need nft/iptables, which may load modules)"
    else
        cce_evidence "offline root: only saved configuration was read (live firewall rules skipped)"
    fi
    if [ -n "$_good" ]; then
        cce_good "source IP and port restriction configured: ${_good%; }"
    elif [ -n "$_ports" ]; then
        cce_manual "a host firewall is enabled (${_ports%; }) but no rule limits source addresses; confirm sources are limited elsewhere (e.g. security groups) per site policy"
    else
        cce_vulnerable "no host-based IP/port restriction (TCP Wrapper, firewalld, nftables, iptables, ufw); security groups are outside the host and not seen"
    fi
}
