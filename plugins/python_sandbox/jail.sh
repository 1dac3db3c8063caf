# Builds the sandbox's file system inside fresh mount, network, PID, IPC and UTS namespaces (made by
# `unshare`), then becomes an unprivileged user in it and starts Python. Run by sh as root; arguments:
#   $1 empty host folder to build the root on   $2 uid/gid to run as   $3 size of /tmp in MiB
#   $4 python executable                          $5 python prefix      $6 harness source
# The new root holds only /usr (read-only, no setuid), the interpreter's prefix (read-only), /dev/null,
# /dev/zero, /dev/urandom and an empty size-limited /tmp owned by the sandbox user. Nothing else of the host
# (the repository, /etc, /root, /home, /proc) exists inside. The mounts vanish with the namespace.
set -eu
umask 022  # the caller may run with 077 (candor main() does); the sandbox user must traverse these folders
root=$1; uid=$2; tmp_mb=$3; python=$4; prefix=$5; harness=$6

mount -t tmpfs -o size=1m,mode=755,nosuid,nodev candor-sandbox "$root"

bind_ro() {  # $1 host folder; mounted read-only, no setuid, at the same path inside
    mkdir -p "$root$1"
    mount --bind "$1" "$root$1"
    mount -o remount,bind,ro,nosuid,nodev "$root$1"
}

bind_ro /usr
for name in bin sbin lib lib64; do
    if [ -L "/$name" ]; then ln -s "$(readlink "/$name")" "$root/$name"
    elif [ -d "/$name" ]; then bind_ro "/$name"
    fi
done
case "$prefix" in
    /usr|/usr/*) ;;
    *) bind_ro "$prefix" ;;
esac

mkdir "$root/dev"
for device in null zero urandom; do
    touch "$root/dev/$device"
    mount --bind "/dev/$device" "$root/dev/$device"
done
mkdir "$root/tmp"
mount -t tmpfs -o "size=${tmp_mb}m,mode=700,uid=$uid,gid=$uid,nosuid,nodev" candor-sandbox-tmp "$root/tmp"
mount -o remount,ro "$root"

exec chroot --userspec="$uid:$uid" --groups="$uid" "$root" \
    /usr/bin/env -i HOME=/tmp TMPDIR=/tmp PATH=/usr/bin LANG=C.UTF-8 PYTHONHASHSEED=0 \
    "$python" -I -S -X utf8 -c "$harness"
