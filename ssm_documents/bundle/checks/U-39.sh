# shellcheck shell=sh
# edition: KISA-2026
# code: U-39
# severity: high
# title_ko: 불필요한 NFS 서비스 비활성화
# title_en: Disable unnecessary NFS services
# legacy: KISA-2021:U-24
# good: 불필요한 NFS 서비스 관련 데몬이 비활성화된 경우
# vulnerable: 불필요한 NFS 서비스 관련 데몬이 활성화된 경우
# rule: the NFS server daemons count (nfs-server, nfs-kernel-server, nfs, nfs-mountd units, their sysv
# rule: scripts, and, live, nfsd or rpc.mountd processes); client-side helpers (rpc-statd, nfs-client) do
# rule: not. An enabled NFS server is VULNERABLE, whatever it exports and to whom: the guide's note
# rule: says NFS is prohibited in principle and, where it cannot be avoided, is controlled under
# rule: U-40 - exports limited to named clients are U-40's criterion, not a proof of need. A server
# rule: that must stay is a documented exception.

check_U_39() {
    cce_svc_judge_disabled 'NFS server' -p nfsd -p rpc.mountd nfs-server.service nfs-kernel-server.service nfs.service nfs-mountd.service sysv:nfs-kernel-server sysv:nfs
}
