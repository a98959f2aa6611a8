# shellcheck shell=sh
# edition: KISA-2026
# code: U-43
# severity: high
# title_ko: NIS, NIS+ 점검
# title_en: NIS and NIS+
# legacy: KISA-2021:U-28
# good: NIS 서비스가 비활성화되어 있거나, 불가피하게 사용 시 NIS+ 서비스를 사용하는 경우
# vulnerable: NIS 서비스가 활성화된 경우
# rule: NIS server and client daemons count: ypserv, ypbind, yppasswdd, ypxfrd (units, the Debian "nis"
# rule: sysv script, or, live, their processes). Linux has no NIS+ server, so the NIS+ exception never applies.

check_U_43() {
    cce_svc_judge_disabled 'NIS' -p ypserv -p ypbind -p rpc.yppasswdd -p rpc.ypxfrd -p ypupdated ypserv.service ypbind.service yppasswdd.service ypxfrd.service sysv:nis sysv:ypserv sysv:ypbind
}
