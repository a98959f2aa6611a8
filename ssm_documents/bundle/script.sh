#!/bin/sh
# shellcheck shell=sh
# cce-scan check bundle: the runner.
#
# Runs the 67 items of the KISA 2026 Unix guide (U-01..U-67) against the root
# given by CCE_ROOT (default /) and writes <hostname>.tar into the current
# working directory, holding results.jsonl, meta.json and evidence/<code>.txt.
#
# Read-only: everything the runner and the checks write goes to a private
# staging directory inside the working directory, removed before exit.
# Every item runs in its own process with a time limit; an item that does not
# decide, crashes or times out is reported as ERROR.
#
# Environment:
#   CCE_ROOT              root to scan (default /); anything else is an offline root
#   CCE_ITEM_TIMEOUT      seconds per item (default 10)
#   CCE_WALK_TIMEOUT      seconds for the shared filesystem walk (default 300)
#   CCE_WALK_OVERLAP      1 (default): the walk runs in the background while the items that do not
#                         use it run, the walk items after it; 0: the walk first, then every item
#   CCE_WALK_STREAM       1 (default): find only prints the walk, into a FIFO read by one awk that
#                         writes the walk file and its slices meanwhile; 0: as CCE_WALK_FPRINTF says
#   CCE_WALK_FPRINTF      1 (default): the walk writes its slices itself where find has -fprintf;
#                         0: one awk pass after the walk writes them (as on a find without it)
#   CCE_TOTAL_TIMEOUT     seconds for the whole scan (default 480); items not started by then say
#                         ERROR, so a tar is always written before the run step's own limit (600 s)
#   CCE_ITEMS             space-separated codes to run (default: all); others say ERROR "not selected"
#   CCE_BUNDLE_SHA256     SHA-256 of the bundle tar, copied into the summary
#   AWS_SSM_INSTANCE_ID, AWS_SSM_REGION_NAME, SSM_COMMAND_ID (set by the agent) go into meta.json

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
umask 077

# The 67 items of the 2026 edition: code|severity|legacy codes|title (ko)|title (en).
cce__items() {
    cat <<'CCE_ITEMS_EOF'
U-01|high|KISA-2021:U-01|root 계정 원격 접속 제한|Restrict remote root login
U-02|high|KISA-2021:U-02 KISA-2021:U-46 KISA-2021:U-47 KISA-2021:U-48|비밀번호 관리정책 설정|Password management policy
U-03|high|KISA-2021:U-03|계정 잠금 임계값 설정|Account lockout threshold
U-04|high|KISA-2021:U-04|비밀번호 파일 보호|Protect password file
U-05|high|KISA-2021:U-44|root 이외의 UID가 ‘0’ 금지|No UID 0 other than root
U-06|high|KISA-2021:U-45|사용자 계정 su 기능 제한|Restrict su to a group
U-07|low|KISA-2021:U-49|불필요한 계정 제거|Remove unnecessary accounts
U-08|medium|KISA-2021:U-50|관리자 그룹에 최소한의 계정 포함|Minimal members in admin group
U-09|low|KISA-2021:U-51|계정이 존재하지 않는 GID 금지|No unnecessary/empty groups
U-10|medium|KISA-2021:U-52|동일한 UID 금지|No duplicate UIDs
U-11|low|KISA-2021:U-53|사용자 shell 점검|Non-login shells for system accounts
U-12|low|KISA-2021:U-54|세션 종료 시간 설정|Session timeout
U-13|medium||안전한 비밀번호 암호화 알고리즘 사용|Secure password hashing algorithm
U-14|high|KISA-2021:U-05|root 홈, 패스 디렉터리 권한 및 패스 설정|root home/PATH settings
U-15|high|KISA-2021:U-06|파일 및 디렉터리 소유자 설정|No orphaned files/dirs
U-16|high|KISA-2021:U-07|/etc/passwd 파일 소유자 및 권한 설정|/etc/passwd owner & mode
U-17|high||시스템 시작 스크립트 권한 설정|Startup script permissions
U-18|high|KISA-2021:U-08|/etc/shadow 파일 소유자 및 권한 설정|/etc/shadow owner & mode
U-19|high|KISA-2021:U-09|/etc/hosts 파일 소유자 및 권한 설정|/etc/hosts owner & mode
U-20|high|KISA-2021:U-10|/etc/(x)inetd.conf 파일 소유자 및 권한 설정|/etc/(x)inetd.conf owner & mode
U-21|high|KISA-2021:U-11|/etc/(r)syslog.conf 파일 소유자 및 권한 설정|/etc/(r)syslog.conf owner & mode
U-22|high|KISA-2021:U-12|/etc/services 파일 소유자 및 권한 설정|/etc/services owner & mode
U-23|high|KISA-2021:U-13|SUID, SGID, Sticky bit 설정 파일 점검|SUID/SGID/sticky files
U-24|high|KISA-2021:U-14|사용자, 시스템 환경변수 파일 소유자 및 권한 설정|User/system env (dot) files
U-25|high|KISA-2021:U-15|world writable 파일 점검|World-writable files
U-26|high|KISA-2021:U-16|/dev에 존재하지 않는 device 파일 점검|Non-device files in /dev
U-27|high|KISA-2021:U-17|$HOME/.rhosts, hosts.equiv 사용 금지|No .rhosts / hosts.equiv
U-28|high|KISA-2021:U-18|접속 IP 및 포트 제한|Restrict access by IP/port
U-29|low|KISA-2021:U-55|hosts.lpd 파일 소유자 및 권한 설정|hosts.lpd owner & mode
U-30|medium|KISA-2021:U-56|UMASK 설정 관리|UMASK
U-31|medium|KISA-2021:U-57|홈디렉토리 소유자 및 권한 설정|Home dir owner & mode
U-32|medium|KISA-2021:U-58|홈 디렉토리로 지정한 디렉토리의 존재 관리|Home directories exist
U-33|low|KISA-2021:U-59|숨겨진 파일 및 디렉토리 검색 및 제거|Hidden files & directories
U-34|high|KISA-2021:U-19|Finger 서비스 비활성화|Disable finger
U-35|high|KISA-2021:U-20|공유 서비스에 대한 익명 접근 제한 설정|No anonymous access to shares
U-36|high|KISA-2021:U-21|r 계열 서비스 비활성화|Disable r-services
U-37|high|KISA-2021:U-22 KISA-2021:U-65|crontab 설정파일 권한 설정 미흡|cron/at permissions
U-38|high|KISA-2021:U-23|DoS 공격에 취약한 서비스 비활성화|Disable DoS-prone services
U-39|high|KISA-2021:U-24|불필요한 NFS 서비스 비활성화|Disable unnecessary NFS
U-40|high|KISA-2021:U-25 KISA-2021:U-69|NFS 접근 통제|NFS access control
U-41|high|KISA-2021:U-26|불필요한 automountd 제거|Remove automountd
U-42|high|KISA-2021:U-27|불필요한 RPC 서비스 비활성화|Disable unnecessary RPC
U-43|high|KISA-2021:U-28|NIS, NIS+ 점검|NIS/NIS+
U-44|high|KISA-2021:U-29|tftp, talk 서비스 비활성화|Disable tftp/talk
U-45|high|KISA-2021:U-30|메일 서비스 버전 점검|Mail service version
U-46|high|KISA-2021:U-32|일반 사용자의 메일 서비스 실행 방지|Prevent user mail-queue run
U-47|high|KISA-2021:U-31|스팸 메일 릴레이 제한|Restrict mail relay
U-48|medium|KISA-2021:U-70|expn, vrfy 명령어 제한|Restrict EXPN/VRFY
U-49|high|KISA-2021:U-33|DNS 보안 버전 패치|DNS (BIND) patching
U-50|high|KISA-2021:U-34|DNS ZoneTransfer 설정|DNS zone transfer
U-51|medium||DNS 서비스의 취약한 동적 업데이트 설정 금지|No insecure DNS dynamic update
U-52|medium|KISA-2021:U-60|Telnet 서비스 비활성화|Disable Telnet
U-53|low||FTP 서비스 정보 노출 제한|Limit FTP banner info
U-54|medium|KISA-2021:U-61|암호화되지 않는 FTP 서비스 비활성화|Disable unencrypted FTP
U-55|medium|KISA-2021:U-62|FTP 계정 shell 제한|Restrict ftp account shell
U-56|low|KISA-2021:U-63|FTP 서비스 접근 제어 설정|FTP access control
U-57|medium|KISA-2021:U-64|Ftpusers 파일 설정|ftpusers: block root
U-58|medium|KISA-2021:U-66|불필요한 SNMP 서비스 구동 점검|Unnecessary SNMP
U-59|high||안전한 SNMP 버전 사용|Secure SNMP version
U-60|medium|KISA-2021:U-67|SNMP Community String 복잡성 설정|SNMP community complexity
U-61|high||SNMP Access Control 설정|SNMP access control
U-62|low|KISA-2021:U-68|로그인 시 경고 메시지 설정|Login warning banner
U-63|medium||sudo 명령어 접근 관리|sudoers permissions
U-64|high|KISA-2021:U-42|주기적 보안 패치 및 벤더 권고사항 적용|Security patches & vendor advisories
U-65|medium||NTP 및 시각 동기화 설정|NTP / time sync
U-66|medium|KISA-2021:U-72|정책에 따른 시스템 로깅 설정|System logging per policy
U-67|medium||로그 디렉터리 소유자 및 권한 설정|Log dir/file owner & mode
CCE_ITEMS_EOF
}

cce__die() {
    printf 'cce-scan: %s\n' "$*" >&2
    exit 1
}

# Locate the bundle (the directory holding this script).
case $0 in
    */*) CCE_BUNDLE_DIR=${0%/*} ;;
    *) CCE_BUNDLE_DIR=. ;;
esac
CCE_BUNDLE_DIR=$(cd "$CCE_BUNDLE_DIR" 2>/dev/null && pwd -P) || cce__die "cannot locate the bundle directory"
export CCE_BUNDLE_DIR

# --- item mode: one check in its own process ------------------------------
if [ "${1:-}" = "--item" ]; then
    [ -n "${CCE_STAGE:-}" ] && [ -n "${CCE_ITEM_DIR:-}" ] || cce__die "item mode needs the runner's environment"
    cce__code=$2
    for cce__lib in "$CCE_BUNDLE_DIR"/lib/*.sh; do
        [ -f "$cce__lib" ] || continue
        # shellcheck disable=SC1090
        . "$cce__lib"
    done
    # shellcheck disable=SC1090
    . "$CCE_BUNDLE_DIR/checks/$cce__code.sh"
    cce__fn=check_$(printf '%s' "$cce__code" | tr '-' '_')
    if ! command -v "$cce__fn" >/dev/null 2>&1; then
        cce_error "check file defines no function $cce__fn"
        exit 0
    fi
    "$cce__fn"
    exit $?
fi

# --- runner mode ------------------------------------------------------------
CCE_ROOT=${CCE_ROOT:-/}
case $CCE_ROOT in
    /*) ;;
    *) cce__die "CCE_ROOT must be an absolute path" ;;
esac
[ -d "$CCE_ROOT" ] || cce__die "CCE_ROOT is not a directory: $CCE_ROOT"
CCE_ROOT=$(cd "$CCE_ROOT" && pwd -P) || cce__die "cannot enter CCE_ROOT"
export CCE_ROOT

CCE_WORK=$(pwd -P) || cce__die "cannot resolve the working directory"
export CCE_WORK
CCE_ITEM_TIMEOUT=${CCE_ITEM_TIMEOUT:-10}
CCE_WALK_TIMEOUT=${CCE_WALK_TIMEOUT:-300}
case $CCE_ITEM_TIMEOUT in ''|*[!0-9]*) CCE_ITEM_TIMEOUT=10 ;; esac
case $CCE_WALK_TIMEOUT in ''|*[!0-9]*) CCE_WALK_TIMEOUT=300 ;; esac
CCE_TOTAL_TIMEOUT=${CCE_TOTAL_TIMEOUT:-480}
case $CCE_TOTAL_TIMEOUT in ''|*[!0-9]*) CCE_TOTAL_TIMEOUT=480 ;; esac
export CCE_ITEM_TIMEOUT CCE_WALK_TIMEOUT CCE_TOTAL_TIMEOUT

CCE_STAGE=$CCE_WORK/.cce-scan.$$
rm -rf "$CCE_STAGE"
mkdir "$CCE_STAGE" "$CCE_STAGE/out" "$CCE_STAGE/out/evidence" "$CCE_STAGE/items" || cce__die "cannot create the staging directory in $CCE_WORK"
export CCE_STAGE
CCE__WALK_BG=
CCE__LANE_BG=
trap '[ -n "${CCE__WALK_BG:-}" ] && kill "$CCE__WALK_BG" 2>/dev/null
    [ -n "${CCE__LANE_BG:-}" ] && kill "$CCE__LANE_BG" 2>/dev/null; rm -rf "$CCE_STAGE"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC1091
. "$CCE_BUNDLE_DIR/lib/common.sh"
# shellcheck disable=SC1091
. "$CCE_BUNDLE_DIR/lib/walk.sh"

cce__selected() {
    [ -z "${CCE_ITEMS:-}" ] && return 0
    case " $CCE_ITEMS " in *" $1 "*) return 0 ;; esac
    return 1
}

# Codes of the checks that use the shared walk: their file names cce_walk (or cce_walk_*), or a
# lib function that does, directly or through other lib functions (comments ignored in checks).
cce__walk_users() {
    awk '
        FNR == 1 {
            lib = (FILENAME ~ /\/lib\/[^\/]*$/); fn = ""
            code = FILENAME; sub(/^.*\//, "", code); sub(/\.sh$/, "", code)
        }
        lib {
            if (match($0, /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\([ \t]*\)/)) {
                fn = substr($0, 1, RLENGTH); sub(/[ \t]*\(.*/, "", fn); body[fn] = ""; next
            }
            if (fn != "") body[fn] = body[fn] "\n" $0
            if ($0 ~ /^}/) fn = ""
            next
        }
        !/^[ \t]*#/ { text[code] = text[code] "\n" $0 }
        END {
            uses["cce_walk"] = 1
            do {
                changed = 0
                for (f in body) if (!(f in uses)) for (u in uses) if (index(body[f], u)) { uses[f] = 1; changed = 1; break }
            } while (changed)
            for (c in text) for (u in uses) if (index(text[c], u)) { print c; break }
        }' "$CCE_BUNDLE_DIR"/lib/*.sh "$CCE_BUNDLE_DIR"/checks/*.sh 2>/dev/null
}

# The shared walk, once, for the selected items that use it.  By default it runs in the
# background while the other items run (CCE_WALK_OVERLAP=0: before them, as one step); the
# walk items run once it is done.  An item that asked for the walk while it was still running
# (one the detection above missed) is run again after it, from a clean item directory.
cce__started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cce__walk_codes=" $(cce__walk_users | tr '\n' ' ') "
cce__need_walk=0
for cce__code in $cce__walk_codes; do
    if cce__selected "$cce__code"; then
        cce__need_walk=1
        break
    fi
done
cce__overlap=0
if [ "$cce__need_walk" = 1 ]; then
    if [ "${CCE_WALK_OVERLAP:-1}" = 0 ]; then
        cce_walk >/dev/null 2>&1 || :
    else
        cce__walk_start
        cce__overlap=1
    fi
fi

# Host name of the live host: names the output tar (the upload step uses the same rule).
cce__host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null)
cce__host=$(printf '%s' "$cce__host" | tr -cd 'A-Za-z0-9._-')
case $cce__host in ''|.*) cce__host=localhost ;; esac

cce__bundle_version=dev
if [ -f "$CCE_BUNDLE_DIR/VERSION" ]; then
    cce__bundle_version=$(head -c 64 "$CCE_BUNDLE_DIR/VERSION" | tr -cd 'A-Za-z0-9._+-')
fi
cce__bundle_sha=$(printf '%s' "${CCE_BUNDLE_SHA256:-}" | tr -cd '0-9a-f' | head -c 64)
cce__has_timeout=0
command -v timeout >/dev/null 2>&1 && cce__has_timeout=1

cce__items > "$CCE_STAGE/items.txt"

# Merge the runner's table with the check files' headers (one awk for all of them):
# code|severity|legacy|title|has-check-file
cce__items | awk -F'|' -v checks="$CCE_BUNDLE_DIR/checks" '
    {
        code = $1; sev = $2; leg = $3; title = $4; has = 0
        f = checks "/" code ".sh"
        if ((getline line < f) > 0) {
            has = 1
            do {
                if (line !~ /^#/) break
                if (line ~ /^# severity: /) { v = substr(line, 13); sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v); if (v ~ /^(high|medium|low)$/) sev = v }
                else if (line ~ /^# title_ko: /) { v = substr(line, 13); sub(/[ \t]+$/, "", v); if (v != "") title = v }
                else if (line ~ /^# legacy:/) { v = substr(line, 10); sub(/^[ \t]+/, "", v); sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v); leg = v }
            } while ((getline line < f) > 0)
            close(f)
        }
        gsub(/\|/, "/", title)
        print code "|" sev "|" leg "|" title "|" has
    }' > "$CCE_STAGE/plan.txt"

cce__mkdirs=
while IFS='|' read -r cce__code _; do
    cce__mkdirs="$cce__mkdirs $CCE_STAGE/items/$cce__code"
done < "$CCE_STAGE/plan.txt"
# shellcheck disable=SC2086
mkdir $cce__mkdirs

cce__budget_ms=$((CCE_TOTAL_TIMEOUT * 1000))

# cce__run_item CODE HAS-CHECK-FILE: one item in its own process with its time limit; its
# status and reason land in its item directory, its duration in durations.txt.
cce__run_item() {
    cce__code=$1
    cce__dir=$CCE_STAGE/items/$cce__code
    cce__clock
    cce__t0=$CCE__MS
    if ! cce__selected "$cce__code"; then
        printf 'ERROR\n' > "$cce__dir/status"
        printf 'not selected in this run (CCE_ITEMS)\n' > "$cce__dir/reason"
    elif [ "$2" != 1 ]; then
        printf 'ERROR\n' > "$cce__dir/status"
        printf 'check not implemented\n' > "$cce__dir/reason"
    elif [ $((cce__t0 - cce__first_ms)) -ge "$cce__budget_ms" ]; then
        printf 'ERROR\n' > "$cce__dir/status"
        printf 'not run: the scan time budget (%s s) was used up\n' "$CCE_TOTAL_TIMEOUT" > "$cce__dir/reason"
    else
        CCE_ITEM_DIR=$cce__dir
        CCE_CODE=$cce__code
        export CCE_ITEM_DIR CCE_CODE
        if [ "$cce__has_timeout" = 1 ]; then
            timeout -k 2 "$CCE_ITEM_TIMEOUT" /bin/sh "$CCE_BUNDLE_DIR/script.sh" --item "$cce__code" \
                </dev/null >"$cce__dir/stdout" 2>"$cce__dir/stderr"
            cce__rc=$?
        else
            /bin/sh "$CCE_BUNDLE_DIR/script.sh" --item "$cce__code" \
                </dev/null >"$cce__dir/stdout" 2>"$cce__dir/stderr"
            cce__rc=$?
        fi
        if [ "$cce__has_timeout" = 1 ] && { [ "$cce__rc" = 124 ] || [ "$cce__rc" = 137 ]; }; then
            printf 'ERROR\n' > "$cce__dir/status"
            printf 'timed out after %s s\n' "$CCE_ITEM_TIMEOUT" > "$cce__dir/reason"
        elif [ ! -s "$cce__dir/status" ]; then
            printf 'ERROR\n' > "$cce__dir/status"
            if [ "$cce__rc" != 0 ] || [ -s "$cce__dir/stderr" ]; then
                printf 'check failed (exit %s)\n' "$cce__rc" > "$cce__dir/reason"
                [ -s "$cce__dir/stderr" ] && : > "$cce__dir/reason.stderr"
            else
                printf 'check made no decision\n' > "$cce__dir/reason"
            fi
        fi
    fi
    cce__clock
    printf '%s %s\n' "$cce__code" "$((CCE__MS - cce__t0))" >> "$CCE_STAGE/durations.txt"
}

cce__clock
cce__first_ms=$CCE__MS
: > "$CCE_STAGE/durations.txt"
cce__later=
while IFS='|' read -r cce__code _ _ _ cce__has; do
    [ -n "$cce__code" ] || continue
    if [ "$cce__overlap" = 1 ]; then
        case $cce__walk_codes in
            *" $cce__code "*)
                cce__later="$cce__later $cce__code:$cce__has"
                continue
                ;;
        esac
    fi
    cce__run_item "$cce__code" "$cce__has"
    if [ -f "$CCE_STAGE/items/$cce__code/walk-wait" ]; then
        rm -rf "$CCE_STAGE/items/$cce__code"
        mkdir "$CCE_STAGE/items/$cce__code"
        cce__later="$cce__later $cce__code:$cce__has"
    fi
done < "$CCE_STAGE/plan.txt"
cce__walk_wait
# The walk items (and any item run again after the walk) two at a time: the walk is done, both
# cores are free.  Each lane takes the next item no lane has taken (its claim, a mkdir, is atomic),
# one from the front of the list, the other from its back (U-33 and U-67, the longest, are last).
cce__lane() {
    for cce__entry in "$@"; do
        mkdir "$CCE_STAGE/claims/${cce__entry%%:*}" 2> /dev/null || continue
        cce__run_item "${cce__entry%%:*}" "${cce__entry#*:}"
    done
}
if [ -n "$cce__later" ]; then
    mkdir "$CCE_STAGE/claims"
    cce__back=
    for cce__entry in $cce__later; do
        cce__back="$cce__entry $cce__back"
    done
    # shellcheck disable=SC2086  # entries are CODE:0|1, no blanks
    cce__lane $cce__back &
    CCE__LANE_BG=$!
    # shellcheck disable=SC2086
    cce__lane $cce__later
    wait "$CCE__LANE_BG"
    CCE__LANE_BG=
fi

cce__finished_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cce__emit_results "$cce__host" "$cce__bundle_version" "$cce__bundle_sha" "$cce__started_at" "$cce__finished_at" \
    > "$CCE_STAGE/out/results.jsonl"
cce__emit_meta "$cce__host" "$cce__bundle_version" "$cce__bundle_sha" "$cce__started_at" "$cce__finished_at" \
    > "$CCE_STAGE/out/meta.json"

tar -cf "$CCE_STAGE/result.tar" -C "$CCE_STAGE/out" results.jsonl meta.json evidence \
    || cce__die "cannot write the result tar"
mv -f "$CCE_STAGE/result.tar" "$CCE_WORK/$cce__host.tar" || cce__die "cannot move the result tar into place"
printf '%s\n' "$CCE_WORK/$cce__host.tar"
exit 0
