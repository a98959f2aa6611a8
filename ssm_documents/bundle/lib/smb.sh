# shellcheck shell=sh
# Samba: enablement and guest access, read with smb.conf's own rules.
#
# cce_smb_enabled          0 when smbd is enabled (smb.service, smbd.service, sysv smbd/samba) or
#                          running (live); CCE_SVC_WHY says where
# cce_smb_conf             prints the root-relative smb.conf (/etc/samba/smb.conf); 1 when none
# cce_smb_guest_shares     prints "share<TAB>how" for every share a guest can reach: "guest ok" (or
#                          its synonym "public") true in the share or inherited from [global],
#                          or "guest only"; parameter names compared without case and blanks as
#                          Samba does, ";" and "#" comment lines, "\" continuations and absolute
#                          "include =" files followed one level; returns 1 when unreadable

cce_smb_enabled() {
    cce_service_enabled -p smbd smb.service smbd.service sysv:smbd sysv:samba
}

cce_smb_conf() {
    cce_svc_first_file /etc/samba/smb.conf
}

cce_smb_guest_shares() {
    _sg_main=$(cce_smb_conf) || return 1
    _sg_txt=$(cce_read "$_sg_main") || return 1
    _sg_inc=$(printf '%s\n' "$_sg_txt" | awk -F= '
        { k = tolower($1); gsub(/[ \t]/, "", k) }
        k == "include" { v = $2; sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); if (v ~ /^\// && v !~ /%/) print v }')
    for _sg_f in $_sg_inc; do
        _sg_more=$(cce_read "$_sg_f") && _sg_txt="$_sg_txt
$_sg_more"
    done
    printf '%s\n' "$_sg_txt" | awk '
        function truth(v) { v = tolower(v); return (v == "yes" || v == "true" || v == "1") }
        {
            line = $0; sub(/\r$/, "", line)
            if (cont != "") { line = cont line; cont = "" }
            if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1); next }
            if (line ~ /^[ \t]*[;#]/ || line ~ /^[ \t]*$/) next
            if (line ~ /^[ \t]*\[/) {
                sec = line; sub(/^[ \t]*\[/, "", sec); sub(/\].*$/, "", sec); sec = tolower(sec)
                if (sec != "global" && !(sec in seen)) { seen[sec] = 1; order[++n] = sec }
                next
            }
            eq = index(line, "="); if (eq == 0) next
            k = tolower(substr(line, 1, eq - 1)); gsub(/[ \t]/, "", k)
            v = substr(line, eq + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
            if (k == "public") k = "guestok"
            if (k == "onlyguest") k = "guestonly"
            if (k != "guestok" && k != "guestonly" && k != "available") next
            if (sec == "" || sec == "global") g[k] = v
            else val[sec, k] = v
        }
        END {
            for (i = 1; i <= n; i++) {
                s = order[i]
                if ((s, "available") in val && !truth(val[s, "available"])) continue
                ok = ((s, "guestok") in val) ? val[s, "guestok"] : (("guestok" in g) ? g["guestok"] : "no")
                only = ((s, "guestonly") in val) ? val[s, "guestonly"] : (("guestonly" in g) ? g["guestonly"] : "no")
                if (truth(ok)) printf "%s\tguest ok = %s%s\n", s, ok, (((s, "guestok") in val) ? "" : " (from [global])")
                else if (truth(only)) printf "%s\tguest only = %s\n", s, only
            }
        }'
}
