# shellcheck shell=sh
# edition: KISA-2026
# code: U-58
# severity: medium
# title_ko: 불필요한 SNMP 서비스 구동 점검
# title_en: Unnecessary SNMP service
# legacy: KISA-2021:U-66
# good: SNMP 서비스를 사용하지 않는 경우
# vulnerable: SNMP 서비스를 사용하는 경우
# rule: as the guide states it: snmpd enabled (snmpd.service, the sysv script, or, live, an snmpd
# rule: process) is VULNERABLE; the trap daemon snmptrapd counts too. Its configuration is judged by U-59..U-61.

check_U_58() {
    cce_svc_judge_disabled 'SNMP agent' -p snmpd -p snmptrapd snmpd.service snmptrapd.service sysv:snmpd
}
