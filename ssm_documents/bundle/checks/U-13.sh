# shellcheck shell=sh
# edition: KISA-2026
# code: U-13
# severity: medium
# title_ko: 안전한 비밀번호 암호화 알고리즘 사용
# title_en: Secure password hashing algorithm
# legacy:
# good: SHA-2 이상의 안전한 비밀번호 암호화 알고리즘을 사용하는 경우
# vulnerable: 취약한 비밀번호 암호화 알고리즘을 사용하는 경우
# rule: three places must agree on SHA-2 or stronger (sha256, sha512, yescrypt, gost-yescrypt,
# rule: bcrypt, scrypt): the pam_unix.so hash option of the base password stack (without one,
# rule: pam_unix uses login.defs); login.defs ENCRYPT_METHOD (unset means DES, or MD5 with
# rule: MD5_CRYPT_ENAB yes); and every stored hash in /etc/shadow and /etc/passwd. MD5, DES,
# rule: bigcrypt and SHA-1 anywhere is VULNERABLE. Hashes never appear in evidence, only schemes.

check_U_13() {
    local svc opt enc md5 weak schemes
    cce_require_text /etc/login.defs /etc/passwd /etc/shadow /etc/pam.d/system-auth /etc/pam.d/common-password || return 0
    weak=
    svc=$(cce_password_stack 2> /dev/null) || svc=
    opt=
    if [ -n "$svc" ]; then
        for opt in yescrypt gost_yescrypt sha512 sha256 blowfish md5 bigcrypt; do
            if cce_pam_arg "$svc" password pam_unix.so "$opt" > /dev/null 2>&1; then
                break
            fi
            opt=
        done
        cce_evidence "$svc: pam_unix.so hash option ${opt:-none (uses login.defs)}"
        case $opt in md5 | bigcrypt) weak="pam_unix.so uses $opt" ;; esac
    fi
    enc=$(cce_login_defs ENCRYPT_METHOD 2> /dev/null) || enc=
    if [ -z "$enc" ]; then
        md5=$(cce_login_defs MD5_CRYPT_ENAB 2> /dev/null) || md5=
        case $md5 in [Yy][Ee][Ss]) enc=MD5 ;; *) enc="DES (unset)" ;; esac
    fi
    cce_evidence "/etc/login.defs: ENCRYPT_METHOD $enc"
    case $enc in
        SHA256 | SHA512 | YESCRYPT | BCRYPT | GOST_YESCRYPT | sha256 | sha512 | yescrypt) ;;
        *) weak="${weak:+$weak; }ENCRYPT_METHOD $enc" ;;
    esac
    schemes=$CCE_ITEM_DIR/schemes.tmp
    {
        cce_shadow_entries 2> /dev/null | awk -F: '{ print $1 " " $2 }'
        cce_passwd_entries 2> /dev/null | awk -F: '$2 != "x" { print $1 " " $2 }'
    } | awk '
        function scheme(h) {
            if (h == "") return "none"
            if (h ~ /^(!|!!|\*|!\*|\*LK\*|x|NP|LK)$/) return "locked"
            sub(/^!!?/, "", h)
            if (h ~ /^\$y\$/) return "yescrypt"
            if (h ~ /^\$gy\$/) return "gost-yescrypt"
            if (h ~ /^\$6\$/) return "sha512"
            if (h ~ /^\$5\$/) return "sha256"
            if (h ~ /^\$2[abxy]\$/) return "bcrypt"
            if (h ~ /^\$7\$/) return "scrypt"
            if (h ~ /^\$1\$/) return "md5"
            if (h ~ /^\$md5/) return "sunmd5"
            if (h ~ /^\$sha1\$/) return "sha1crypt"
            if (h ~ /^[*!]/) return "locked"
            if (length(h) == 13) return "des"
            if (h ~ /^_/) return "bsdi-des"
            return "unknown"
        }
        { print $1 " " scheme($2) }' > "$schemes"
    cce_evidence "stored hash schemes: $(awk '{ c[$2]++ } END { for (s in c) printf "%s=%d ", s, c[s] }' "$schemes")"
    md5=$(awk '$2 ~ /^(md5|des|bsdi-des|sunmd5|sha1crypt|unknown)$/ { printf "%s%s(%s)", (k++ ? " " : ""), $1, $2 }' "$schemes")
    rm -f "$schemes"
    [ -n "$md5" ] && weak="${weak:+$weak; }weak stored hashes: $md5"
    if [ -n "$weak" ]; then
        cce_vulnerable "$weak"
    else
        cce_good "SHA-2 or stronger everywhere (pam_unix ${opt:-via login.defs}, ENCRYPT_METHOD $enc)"
    fi
}
