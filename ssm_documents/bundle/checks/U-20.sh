# shellcheck shell=sh
# edition: KISA-2026
# code: U-20
# severity: high
# title_ko: /etc/(x)inetd.conf 파일 소유자 및 권한 설정
# title_en: /etc/(x)inetd.conf owner and permissions
# legacy: KISA-2021:U-10
# good: /etc/(x)inetd.conf 파일의 소유자가 root이고, 권한이 600 이하인 경우
# vulnerable: /etc/(x)inetd.conf 파일의 소유자가 root가 아니거나, 권한이 600 이하가 아닌 경우
# rule: /etc/inetd.conf, /etc/xinetd.conf and every file in /etc/xinetd.d must be owned by
# rule: uid 0 with no bit outside 0600 (bits, links judged by their target).
# rule: systemd: /etc/systemd/system.conf must be owned by uid 0 with no bit outside 0600, as the
# rule: guide's systemd example has it (chown root; chmod 600), so the 0644 every distribution
# rule: ships is VULNERABLE. The rest of /etc/systemd is not judged here (chmod -R 600 would
# rule: take the search bit off its directories).
# rule: None of these files present: NOT_APPLICABLE.

check_U_20() {
    _inet=$(
        {
            printf '/etc/inetd.conf\n/etc/xinetd.conf\n'
            for _f in "$(cce_path /etc/xinetd.d)"/*; do
                [ -e "$_f" ] || [ -h "$_f" ] || continue
                printf '/etc/xinetd.d/%s\n' "${_f##*/}"
            done
        } | files_stat | files_judge 0600 0 | awk -F '\t' '$1 != "MISSING"'
    )
    _sd=$(printf '/etc/systemd/system.conf\n' | files_stat | files_judge 0600 0 | awk -F '\t' '$1 != "MISSING"')
    printf '%s\n%s\n' "$_inet" "$_sd" | awk 'NF' |
        files_decide_simple NA "no /etc/inetd.conf, /etc/xinetd.conf, /etc/xinetd.d or /etc/systemd/system.conf" \
            "inetd/xinetd/systemd configuration"
}
