# shellcheck shell=sh
# edition: KISA-2026
# code: U-27
# severity: high
# title_ko: $HOME/.rhosts, hosts.equiv 사용 금지
# title_en: No $HOME/.rhosts or /etc/hosts.equiv trust
# legacy: KISA-2021:U-17
# good: rlogin, rsh, rexec 서비스를 사용하지 않거나, 사용 시 /etc/hosts.equiv 및 $HOME/.rhosts 파일 소유자가 root 또는 해당 계정이고, 권한이 600 이하이며, "+" 설정이 없는 경우
# vulnerable: rlogin, rsh, rexec 서비스를 사용하며 /etc/hosts.equiv 및 $HOME/.rhosts 파일 소유자가 root 또는 해당 계정이 아니거나, 권한이 600을 초과하거나, "+" 설정이 존재하는 경우
# rule: "in use" means an r-service is enabled (the same units, xinetd/inetd entries and,
# rule: live, processes as U-36) or a PAM stack loads pam_rhosts, which honours the same
# rule: files for other services.  Files: /etc/hosts.equiv and .rhosts in the home of every
# rule: passwd account; owner uid 0 or the account (root for hosts.equiv), no bit outside
# rule: 0600 (bits), and no "+" host or user field (a "+" token trusts every host/user).
# rule: Not in use: GOOD as the guide says, with any weak file still listed as evidence.
# rule: In use: the three conditions decide.

check_U_27() {
    _inuse=""
    if command -v cce_service_enabled >/dev/null 2>&1 &&
        cce_service_enabled -p in.rshd -p in.rlogind -p in.rexecd -p rshd -p rlogind -p rexecd \
            rsh.socket rlogin.socket rexec.socket rsh@.service rlogin@.service rexec@.service \
            xinetd:rsh xinetd:rlogin xinetd:rexec xinetd:shell xinetd:login xinetd:exec \
            inetd:shell inetd:login inetd:exec; then
        _inuse="r-service enabled: $CCE_SVC_WHY"
    fi
    _pam=$(for _f in "$(cce_path /etc/pam.d)"/*; do
        [ -f "$_f" ] || continue
        awk -v f="/etc/pam.d/${_f##*/}" '!/^[ \t]*#/ && /pam_rhosts(_auth)?\.so/ { print f ":" FNR; exit }' "$_f" 2>/dev/null
    done)
    [ -n "$_pam" ] && _inuse="${_inuse:+$_inuse; }pam_rhosts in $(printf '%s' "$_pam" | tr '\n' ' ')"
    _acc=$(files_passwd | awk -F '\t' '$4 ~ /^\// { h = $4; if (h != "/") sub(/\/+$/, "", h); print h "\t" $2 }')
    _root=$(files_root)
    _list=$({ printf '/etc/hosts.equiv\t0\n'; printf '%s\n' "$_acc" | awk -F '\t' 'NF == 2 { print ($1 == "/" ? "" : $1) "/.rhosts\t" $2 }'; } |
        while IFS="$(printf '\t')" read -r _p _u; do
            if [ -e "$_root$_p" ] || [ -h "$_root$_p" ]; then printf '%s\t%s\n' "$_p" "$_u"; fi
        done)
    _st=$(printf '%s\n' "$_list" | awk -F '\t' 'NF == 2 && !s[$1]++ { print $1 }' | files_stat)
    # "+" tokens: read each existing file (there are few)
    _plus=$(printf '%s\n' "$_st" | awk -F '\t' '$5 == "f" { print $1 "\t" $6 }' | while IFS="$(printf '\t')" read -r _lp _rp; do
        head -c 65536 "$_root$_rp" 2>/dev/null | tr -d '\000' | awk -v f="$_lp" '
            /^[ \t]*#/ { next }
            { for (i = 1; i <= 2 && i <= NF; i++) if ($i == "+") { print f "\t" FNR; exit } }'
    done)
    _out=$({ files_names; printf '@@OWN@@\n'; printf '%s\n' "$_list"; printf '@@PLUS@@\n'; printf '%s\n' "$_plus"; printf '@@END@@\n'; printf '%s\n' "$_st"; } |
        awk -F '\t' "$FILES_AWK_LIB"'
        $0 == "@@OWN@@" { part = 1; next }
        $0 == "@@PLUS@@" { part = 2; next }
        $0 == "@@END@@" { part = 3; next }
        part == 0 { NAMES[$1, $2] = $3; next }
        part == 1 { if (NF == 2) OWN[$1] = OWN[$1] " " ($2 + 0) " "; next }
        part == 2 { if (NF == 2) PLUS[$1] = $2; next }
        NF >= 6 {
            lp = $1; m = $2; uid = $3 + 0; t = $5; rp = $6
            if (t != "f") { print "V\t" lp ": " tname(t) " (not a regular file)"; next }
            why = ""
            if (uid != 0 && index(OWN[lp], " " uid " ") == 0) why = "owner " who("U", uid) " is neither root nor the account"
            if (!within(m, "0600")) why = why (why == "" ? "" : "; ") "mode " m " exceeds 0600"
            if (lp in PLUS) why = why (why == "" ? "" : "; ") "\"+\" at line " PLUS[lp]
            line = lp (rp != lp ? " (link to " rp ")" : "") " " m " " who("U", uid)
            print (why == "" ? "G\t" line : "V\t" line " -- " why)
        }')
    files_evidence_lines "$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V" { print "bad: " $2 } $1 == "G" { print "ok: " $2 }' | head -n 40)"
    _v=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "V"' | wc -l)
    _g=$(printf '%s\n' "$_out" | awk -F '\t' '$1 == "G"' | wc -l)
    if [ -z "$_inuse" ]; then
        cce_evidence "rlogin/rsh/rexec not enabled and no pam_rhosts"
        if [ "$_v" -gt 0 ]; then
            cce_good "rlogin, rsh and rexec are not in use; $_v weak trust file(s) listed in the evidence would matter if they were"
        else
            cce_good "rlogin, rsh and rexec are not in use"
        fi
        return 0
    fi
    cce_evidence "in use: $_inuse"
    if [ "$_v" -gt 0 ]; then
        cce_vulnerable "r-services in use and $_v trust file(s) break the rules: $(printf '%s\n' "$_out" |
            awk -F '\t' '$1 == "V" { sub(/ .*/, "", $2); printf "%s%s", sep, $2; sep = ", "; if (++c == 5) exit }')"
    elif [ "$_g" -gt 0 ]; then
        cce_good "r-services in use; $_g trust file(s) owned correctly, 0600 or less, without \"+\""
    else
        cce_good "r-services in use but no hosts.equiv or .rhosts file exists"
    fi
}
