# shellcheck shell=sh
# lib/accounts.sh: account policy files of the scanned root.
#
#   cce_login_defs KEY        value of KEY in /etc/login.defs (the last occurrence wins, as in
#                             shadow-utils); returns 1 when KEY is not set
#   cce_pwquality KEY         effective libpwquality setting: pwquality.conf.d/*.conf in sorted order,
#                             then pwquality.conf (later wins), then the pam_pwquality.so
#                             arguments of the password stack override;
#                             returns 1 when nowhere set (callers apply the library default)
#   cce_cracklib KEY          pam_cracklib.so's KEY= argument in the password stack: the only
#                             place pam_cracklib reads (it never reads pwquality.conf);
#                             returns 1 when not given (callers apply the module default)
#   cce_password_stack        the base password stack service: system-auth or common-password
#                             (whichever exists, readable or not; returns 1 when neither does)
#   cce_password_history      "N SOURCE": passwords remembered, from pam_pwhistory.so (remember=,
#                             else pwhistory.conf, else its default 10) or pam_unix.so remember=;
#                             prints "0 none" when neither is in the password stack
#   cce_uid_min               UID_MIN of login.defs (default 1000); cce_gid_min likewise
#   cce_is_nologin_shell SHELL   true for shells that refuse logins (nologin, false, sync,
#                             shutdown, halt, empty is NOT a nologin shell)
#   cce_hash_scheme HASH      name of a crypt(3) hash's scheme: yescrypt, gost-yescrypt, sha512,
#                             sha256, bcrypt, scrypt, md5, sunmd5, des, none (empty), locked
#                             (!/* only), unknown; a leading ! (locked) is ignored when a hash follows

cce_login_defs() {
    cce__resolve /etc/login.defs 2> /dev/null || return 1
    [ -f "$CCE__RF" ] && [ -r "$CCE__RF" ] || return 1
    awk -v k="$1" '
        /^[ \t]*#/ { next }
        $1 == k { v = $2; f = 1 }
        END { if (f) print v; exit !f }' "$CCE__RF"
}

cce_password_stack() {
    local r
    if [ -z "${CCE__PWSTACK:-}" ]; then
        r=${CCE_ROOT%/}
        if [ -e "$r/etc/pam.d/system-auth" ] || [ -L "$r/etc/pam.d/system-auth" ]; then
            CCE__PWSTACK=system-auth
        elif [ -e "$r/etc/pam.d/common-password" ] || [ -L "$r/etc/pam.d/common-password" ]; then
            CCE__PWSTACK=common-password
        else
            return 1
        fi
    fi
    printf '%s\n' "$CCE__PWSTACK"
}

cce_pwquality() {
    local key svc v f
    key=$1
    cce_password_stack > /dev/null 2>&1
    svc=${CCE__PWSTACK:-}
    if [ -n "$svc" ] && v=$(cce_pam_arg "$svc" password pam_pwquality.so "$key"); then
        printf '%s\n' "$v"
        return 0
    fi
    set --
    for f in "${CCE_ROOT%/}"/etc/security/pwquality.conf.d/*.conf "${CCE_ROOT%/}"/etc/security/pwquality.conf; do
        cce__resolve "${f#"${CCE_ROOT%/}"}" 2> /dev/null || continue
        [ -f "$CCE__RF" ] && [ -r "$CCE__RF" ] && set -- "$@" "$CCE__RF"
    done
    [ "$#" -gt 0 ] || return 1
    awk -v k="$key" '
        { sub(/#.*/, "") }
        {
            p = index($0, "=")
            if (p) { key = substr($0, 1, p - 1); val = substr($0, p + 1) } else { key = $0; val = "" }
            gsub(/[ \t]/, "", key)
            gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (key == k) { v = val; f = 1 }
        }
        END { if (f) print v; exit !f }' "$@"
}

cce_cracklib() {
    local svc
    svc=$(cce_password_stack 2> /dev/null) || return 1
    cce_pam_arg "$svc" password pam_cracklib.so "$1"
}

cce_password_history() {
    local svc n
    svc=$(cce_password_stack 2> /dev/null) || {
        echo "0 none"
        return 0
    }
    if cce_pam_has "$svc" password pam_pwhistory.so; then
        if n=$(cce_pam_arg "$svc" password pam_pwhistory.so remember); then
            printf '%s %s\n' "$n" "pam_pwhistory.so remember=$n ($svc)"
        elif n=$(cce__kv_file /etc/security/pwhistory.conf remember); then
            printf '%s %s\n' "$n" "/etc/security/pwhistory.conf remember = $n"
        else
            printf '10 %s\n' "pam_pwhistory.so default remember=10 ($svc)"
        fi
        return 0
    fi
    if n=$(cce_pam_arg "$svc" password pam_unix.so remember); then
        printf '%s %s\n' "$n" "pam_unix.so remember=$n ($svc)"
        return 0
    fi
    echo "0 none"
}

cce_uid_min() {
    local v
    v=$(cce_login_defs UID_MIN 2> /dev/null)
    case $v in '' | *[!0-9]*) v=1000 ;; esac
    printf '%s\n' "$v"
}

cce_gid_min() {
    local v
    v=$(cce_login_defs GID_MIN 2> /dev/null)
    case $v in '' | *[!0-9]*) v=1000 ;; esac
    printf '%s\n' "$v"
}

cce_is_nologin_shell() {
    case $1 in
        */nologin | */false | /bin/sync | /usr/bin/sync | /sbin/shutdown | /usr/sbin/shutdown \
            | /sbin/halt | /usr/sbin/halt | /dev/null)
            return 0
            ;;
    esac
    return 1
}

cce_hash_scheme() {
    local h
    h=$1
    case $h in
        '') echo none; return 0 ;;
        '!' | '!!' | '*' | '!*' | '*LK*' | 'x' | 'NP' | 'LK') echo locked; return 0 ;;
    esac
    h=${h#!}
    h=${h#!}
    # shellcheck disable=SC2016
    case $h in
        '$y$'*) echo yescrypt ;;
        '$gy$'*) echo gost-yescrypt ;;
        '$6$'*) echo sha512 ;;
        '$5$'*) echo sha256 ;;
        '$2a$'* | '$2b$'* | '$2y$'* | '$2x$'*) echo bcrypt ;;
        '$7$'*) echo scrypt ;;
        '$1$'*) echo md5 ;;
        '$md5'*) echo sunmd5 ;;
        '$sha1$'*) echo sha1crypt ;;
        '*'* | '!'*) echo locked ;;
        ?????????????) echo des ;;
        _*) echo bsdi-des ;;
        *) echo unknown ;;
    esac
}
