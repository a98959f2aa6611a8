#!/bin/sh
# Build stock Debian roots with debootstrap for tests/distros (make test-distros).
#
#   build-roots.sh CACHE_DIR [RELEASE...]      (default releases: bullseye bookworm trixie)
#
# For each release two roots, CACHE_DIR/<release>-<variant>/root:
#   minimal   debootstrap --variant=minbase, nothing else;
#   services  a copy of minimal plus SERVICES_PACKAGES (below), installed by apt-get inside the
#             root with a policy-rc.d that refuses every start: no service ever runs.
# A root is reused when its key (release, variant, mirror, package list, this script's recipe
# version) matches CACHE_DIR/<release>-<variant>/key; otherwise it is rebuilt from nothing.
# The releases build side by side (one background job each), logs in CACHE_DIR/<root>.log.
# Needs root (debootstrap, chroot for apt-get and package scripts); installs debootstrap if missing.
set -eu

# Bump when the recipe changes in a way the key does not see: every root is rebuilt.
RECIPE=1

# The services a Debian server commonly runs, and the packages the KISA items read a default
# configuration from: systemd as init (every installed Debian server has it; minbase has none, and
# without it only Debian 13's services pull it in: U-17, U-20, U-66 read its files), SSH (U-01),
# cron and at (U-37), rsyslog (U-21, U-66, U-67), sudo (U-63),
# pam_pwquality (U-02), Postfix (U-45..U-48), BIND (U-49..U-51), vsftpd (U-35, U-53..U-57),
# net-snmp (U-58..U-61), the NFS server and rpcbind (U-39..U-42), chrony (U-65).
SERVICES_PACKAGES=${SERVICES_PACKAGES:-"systemd-sysv openssh-server cron at rsyslog sudo libpam-pwquality postfix bind9 vsftpd snmpd nfs-kernel-server chrony"}

CACHE=${1:?usage: build-roots.sh CACHE_DIR [RELEASE...]}
shift
[ "$#" -gt 0 ] || set -- bullseye bookworm trixie

# The machine's Debian mirror (deb822 or one-line sources), else Debian's own.
mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then
        echo "$DEBIAN_MIRROR"
        return
    fi
    found=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
    if [ -z "$found" ]; then
        found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
    fi
    echo "${found:-http://deb.debian.org/debian}"
}

if [ "$(id -u)" != 0 ]; then
    echo "build-roots.sh: debootstrap needs root" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
fi

MIRROR=$(mirror)
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

key_of() { # release variant
    packages=""
    [ "$2" = services ] && packages=$SERVICES_PACKAGES
    printf 'recipe=%s release=%s variant=%s mirror=%s packages=%s\n' "$RECIPE" "$1" "$2" "$MIRROR" "$packages"
}

# debootstrap mounts /proc (and more) inside the root while it configures; a mount it leaves behind
# would put the host's /proc in the root the bundle walks (and in the copy for services).
unmount_below() { # dir
    awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        umount "$m" || umount -l "$m"
    done
    if awk -v r="$1/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "build-roots.sh: mounts remain below $1" >&2
        return 1
    fi
}

fresh() { # dir release variant: true when dir holds a complete root of this key (and no mount)
    [ -f "$1/key" ] && [ -d "$1/root" ] && unmount_below "$1/root" && [ "$(cat "$1/key")" = "$(key_of "$2" "$3")" ]
}

build_minimal() { # release
    dir=$CACHE/$1-minimal
    if fresh "$dir" "$1" minimal; then
        echo "$1-minimal: cached"
        return
    fi
    rm -rf --one-file-system "$dir"
    mkdir -p "$dir" || return 1
    debootstrap --variant=minbase "$1" "$dir/root.tmp" "$MIRROR" >"$CACHE/$1-minimal.log" 2>&1 || { unmount_below "$dir/root.tmp"; return 1; }
    unmount_below "$dir/root.tmp" || return 1
    rm -f "$dir/root.tmp/var/cache/apt/archives/"*.deb
    mv "$dir/root.tmp" "$dir/root" || return 1
    key_of "$1" minimal >"$dir/key" || return 1
    echo "$1-minimal: built"
}

build_services() { # release
    dir=$CACHE/$1-services
    if fresh "$dir" "$1" services; then
        echo "$1-services: cached"
        return
    fi
    rm -rf --one-file-system "$dir"
    mkdir -p "$dir" || return 1
    unmount_below "$CACHE/$1-minimal/root" || return 1
    cp -ax "$CACHE/$1-minimal/root" "$dir/root.tmp" || return 1
    root=$dir/root.tmp
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" || return 1
    chmod 755 "$root/usr/sbin/policy-rc.d" || return 1
    # shellcheck disable=SC2086 # the package list splits on spaces
    {
        chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            apt-get update -q &&
            chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                apt-get install -y -q --no-install-recommends $SERVICES_PACKAGES
    } >"$CACHE/$1-services.log" 2>&1 || { unmount_below "$root"; return 1; }
    unmount_below "$root" || return 1
    rm -f "$root/usr/sbin/policy-rc.d" "$root/var/cache/apt/archives/"*.deb || return 1
    mv "$root" "$dir/root" || return 1
    key_of "$1" services >"$dir/key" || return 1
    echo "$1-services: built"
}

build_release() { # release
    build_minimal "$1" && build_services "$1"
}

echo "building Debian roots in $CACHE from $MIRROR: $*"
pids=""
for release in "$@"; do
    build_release "$release" &
    pids="$pids $!"
done
failed=0
for pid in $pids; do
    wait "$pid" || failed=1
done
if [ "$failed" != 0 ]; then
    echo "build-roots.sh: a root failed to build; see $CACHE/*.log" >&2
    exit 1
fi
du -sh "$CACHE"/*/root
