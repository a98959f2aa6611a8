# shellcheck shell=sh
# edition: KISA-2026
# code: U-21
# severity: high
# title_ko: /etc/(r)syslog.conf 파일 소유자 및 권한 설정
# title_en: /etc/(r)syslog.conf owner and permissions
# legacy: KISA-2021:U-11
# good: /etc/(r)syslog.conf 파일의 소유자가 root(또는 bin, sys)이고, 권한이 640 이하인 경우
# vulnerable: /etc/(r)syslog.conf 파일의 소유자가 root(또는 bin, sys)가 아니거나, 권한이 640 이하가 아닌 경우
# rule: judged files: /etc/syslog.conf, /etc/rsyslog.conf, the *.conf drop-ins of
# rule: /etc/rsyslog.d (rsyslog includes them, so they are the same configuration) and
# rule: /etc/syslog-ng/syslog-ng.conf. Owner uid 0 or the uid of bin/sys in the scanned
# rule: root's passwd; no bit outside 0640 (bits). The distributions' 0644 default is
# rule: therefore VULNERABLE, as the guide says. No syslog daemon configuration at all
# rule: (journald only, e.g. Amazon Linux 2023) is NOT_APPLICABLE.

check_U_21() {
    _owners=$(files_uids_named bin sys)
    {
        printf '/etc/syslog.conf\n/etc/rsyslog.conf\n/etc/syslog-ng/syslog-ng.conf\n'
        for _f in "$(cce_path /etc/rsyslog.d)"/*.conf; do
            [ -e "$_f" ] || [ -h "$_f" ] || continue
            printf '/etc/rsyslog.d/%s\n' "${_f##*/}"
        done
    } | files_stat | files_judge 0640 "$_owners" | awk -F '\t' '$1 != "MISSING"' |
        files_decide_simple NA "no syslog.conf, rsyslog.conf or syslog-ng.conf (no classic syslog daemon configured)" \
            "syslog configuration"
}
