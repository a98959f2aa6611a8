# shellcheck shell=sh
# edition: KISA-2026
# code: U-42
# severity: high
# title_ko: 불필요한 RPC 서비스 비활성화
# title_en: Disable unnecessary RPC services
# legacy: KISA-2021:U-27
# good: 불필요한 RPC 서비스가 비활성화된 경우
# vulnerable: 불필요한 RPC 서비스가 활성화된 경우
# rule: the guide's list of unnecessary RPC services as they exist on Linux (rstatd, rusersd, walld,
# rule: sprayd, rexd, rquotad, ypupdated, cmsd, ttdbserverd) as units, xinetd stanzas, inetd lines
# rule: (name/version form) or, live, rpc.* processes: any enabled is VULNERABLE. The portmapper
# rule: (rpcbind) is unnecessary, so VULNERABLE, when enabled while nothing uses it: no NFS server, no
# rule: NIS (U-43) and no nfs mount in /etc/fstab; with one of those it is needed and not counted.

check_U_42() {
    if cce_service_enabled -p rpc.rstatd -p rpc.rusersd -p rpc.rwalld -p rpc.sprayd -p rpc.rexd \
        -p rpc.rquotad -p rpc.ypupdated -p rpc.cmsd -p rpc.ttdbserverd \
        rpc-rquotad.service rstatd.service rusersd.service rwalld.service sprayd.service \
        xinetd:rstatd xinetd:rusersd xinetd:walld xinetd:sprayd xinetd:rexd xinetd:rquotad \
        xinetd:ypupdated xinetd:cmsd xinetd:ttdbserverd inetd:rstatd inetd:rusersd inetd:walld \
        inetd:sprayd inetd:rexd inetd:rquotad inetd:ypupdated inetd:cmsd inetd:ttdbserverd \
        sysv:rstatd sysv:rusersd sysv:rwalld sysv:quotarpc; then
        cce_evidence "$CCE_SVC_WHY"
        cce_vulnerable "unnecessary RPC services enabled: $CCE_SVC_WHY"
        return 0
    fi
    [ -n "$CCE_SVC_WHY" ] && cce_evidence "$CCE_SVC_WHY"
    if cce_service_enabled -p rpcbind -p portmap rpcbind.service rpcbind.socket sysv:rpcbind sysv:portmap; then
        _rpcb=$CCE_SVC_WHY
        cce_evidence "$_rpcb"
        _users=''
        cce_nfs_server_enabled && _users="$_users NFS server;"
        cce_service_enabled -p ypserv -p ypbind ypserv.service ypbind.service sysv:nis && _users="$_users NIS;"
        _mnt=$(cce_read /etc/fstab 2>/dev/null | awk '!/^[ \t]*#/ && $3 ~ /^nfs4?$/ { printf "%s ", $2 }')
        [ -n "$_mnt" ] && _users="$_users nfs mounts ${_mnt% };"
        if [ -z "$_users" ]; then
            cce_vulnerable "rpcbind enabled but no NFS server, NIS or nfs mount needs it ($_rpcb)"
        else
            cce_good "no unnecessary RPC service; rpcbind is used by:${_users%;}"
        fi
        return 0
    fi
    _note=''
    cce_is_live || _note='; offline root: running processes not checked'
    cce_good "no RPC service enabled (rpcbind included)$_note"
}
