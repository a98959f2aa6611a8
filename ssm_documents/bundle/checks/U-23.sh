# shellcheck shell=sh
# edition: KISA-2026
# code: U-23
# severity: high
# title_ko: SUID, SGID, Sticky bit 설정 파일 점검
# title_en: Files with SUID, SGID or sticky bits
# legacy: KISA-2021:U-13
# good: 주요 실행 파일의 권한에 SUID와 SGID에 대한 설정이 부여되어 있지 않은 경우
# vulnerable: 주요 실행 파일의 권한에 SUID와 SGID에 대한 설정이 부여된 경우
# rule: every regular file with setuid or setgid in the shared walk is examined (the
# rule: guide's find -perm -04000 -o -perm -02000; sticky on files has no effect on Linux).
# rule: VULNERABLE (no policy can justify these): a setuid/setgid file outside the system
# rule: directories (/usr/bin, /usr/sbin, /usr/lib*, /usr/libexec, /bin, /sbin, /lib*),
# rule: e.g. in /tmp, /home, /var, /opt, /usr/local, /dev/shm (the guide's "의심스럽거나
# rule: 특이한 파일"); or one writable by group or other.  Files inside container or
# rule: snap image trees are judged by their path inside the image.
# rule: Otherwise, which of the remaining setuid/setgid programs the host needs is site
# rule: policy (the guide: remove unneeded ones): MANUAL, listing them, programs outside
# rule: the distributions' usual set first.  None at all: GOOD.  No walk: ERROR.

check_U_23() {
    _x=$(cce_walk_slice S) || { cce_error "filesystem walk unavailable: $(files_walk 2>&1 >/dev/null | head -c 200)"; return 0; }
    # one awk: the root's names on stdin, then the set-id files; prints the evidence lines (E)
    # and a summary (S: suspicious, unusual, usual, the first five suspicious paths)
    _out=$({ files_names; printf '@@END@@\n'; } |
        awk -F '\t' "$FILES_AWK_LIB$FILES_AWK_IMAGE"'
        BEGIN {
            # setuid/setgid programs shipped by Amazon Linux, RHEL/Rocky, Ubuntu and Debian
            n = split("at chage chfn chsh crontab expiry fusermount fusermount3 gpasswd mount newgrp " \
                "newgidmap newuidmap passwd pkexec ping ping6 su sudo sudoedit umount unix_chkpwd " \
                "pam_timestamp_check ssh-keysign ssh-agent write wall bsd-write locate mlocate plocate " \
                "dbus-daemon-launch-helper polkit-agent-helper-1 Xorg.wrap userhelper usernetctl " \
                "staprun cgexec mount.nfs mount.cifs pppd traceroute6.iputils utempter chrome-sandbox " \
                "snap-confine ntfs-3g vmware-user-suid-wrapper lockdev screen dotlockfile " \
                "mail-lock mail-unlock mail-touchlock ksu grub2-set-bootflag pam_extrausers_chkpwd " \
                "chkpwd unix2_chkpwd ssh-keysign-wrapper gnome-pty-helper netreport krb5_child ldap_child " \
                "proxy_child selinux_child cockpit-session dmcrypt-get-device", k, " ")
            for (i = 1; i <= n; i++) KNOWN[k[i]] = 1
        }
        $0 == "@@END@@" { body = 1; next }
        !body { NAMES[$1, $2] = $3; next }
        {
            m = $1; uid = $2; gid = $3; p = $5
            image_split(p)
            where = (IMG == "" ? "" : " [image " IMG "]")
            b = p; sub(/^.*\//, "", b)
            desc = p " " m " " who("U", uid) ":" who("G", gid) " " special(m) where
            sysdir = (INNER ~ /^\/(usr\/)?(s?bin|lib|lib32|lib64|libx32|libexec)\//)
            why = !sysdir ? "location" : (group_w(m) || other_w(m)) ? "writable" : ""
            if (why != "") {
                if (++nv <= 5) { q = desc; sub(/ .*/, "", q); names = names (nv > 1 ? ", " : "") q }
                if (++n1 <= 40) L1[n1] = "suspicious (" why "): " desc
            } else if (b in KNOWN) {
                if (++nk <= 30) L2[nk] = "usual: " desc
            } else {
                nu++
                if (++n1 <= 40) L1[n1] = "not in the usual set: " desc
            }
        }
        END {
            for (i = 1; i <= n1 && i <= 40; i++) print "E\t" L1[i]
            for (i = 1; i <= nk && i <= 30; i++) print "E\t" L2[i]
            print "S\t" nv + 0 "\t" nu + 0 "\t" nk + 0 "\t" names
        }' - "$_x")
    files_report "$_out"
    IFS='	' read -r _v _u _k _names <<EOF
$FILES_SUM
EOF
    if [ "${_v:-0}" -gt 0 ]; then
        cce_vulnerable "$_v setuid/setgid file(s) outside the system directories or writable by group/other: $_names"
    elif [ $((_u + _k)) -gt 0 ]; then
        cce_manual "$((_u + _k)) setuid/setgid program(s) in system directories ($_u outside the distributions' usual set); which are needed is site policy: remove the bits from the others"
    else
        cce_good "no setuid/setgid regular file found"
    fi
}
