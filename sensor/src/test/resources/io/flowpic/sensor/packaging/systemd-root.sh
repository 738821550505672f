#!/bin/sh
# Boots systemd as PID 1 of an isolated root; run as
#   unshare --mount --pid --uts --net --cgroup --ipc --fork --kill-child sh systemd-root.sh DIR
# (SystemdRoot.java does). DIR is an empty host directory used only as a mount point: everything mounted here
# lives in the new mount namespace and vanishes with it.
#
# The root is an overlay of the host's / (read-only lower layer) with its upper layer on a tmpfs, so nothing
# written inside (dpkg -i, /var/lib/flowpic, /etc) reaches the host's disk. /tmp, /var/tmp, /run and /dev are
# fresh tmpfs: systemd-tmpfiles empties /tmp at boot, and must never see the host's. /proc/sys and /sys are
# read-only (as systemd-nspawn mounts them), so systemd-sysctl and udev skip, and kernel-wide settings stay
# the host's; capabilities that act on the whole machine (modules, clock, raw I/O) are dropped.
set -eu
base="$1"
mount --make-rprivate /
mount -t tmpfs -o mode=0700 flowpic-systemd-root "$base"
mkdir "$base/upper" "$base/work" "$base/root"
root="$base/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$root"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/var/tmp"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
for ro in sys sysrq-trigger irq bus; do
    if [ -e "$root/proc/$ro" ]; then
        mount --bind "$root/proc/$ro" "$root/proc/$ro"
        mount -o remount,bind,ro "$root/proc/$ro"
    fi
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for node in null zero full random urandom tty; do
    touch "$root/dev/$node"
    mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
# The host image's own services and timers (a database, apt and man-db timers, getty) have no business here.
for wanted in "$root"/etc/systemd/system/*.wants/*; do
    [ -e "$wanted" ] || [ -L "$wanted" ] || continue
    ln -sfn /dev/null "$root/etc/systemd/system/${wanted##*/}"
done
# systemd sets the (namespaced) host name from this file; written to the overlay, as everything here.
echo flowpic-systemd-test > "$root/etc/hostname"
cd "$root"
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot
exec setpriv --bounding-set -sys_module,-sys_time,-sys_rawio,-wake_alarm,-syslog,-block_suspend,-mac_admin,-mac_override \
    env -i container=flowpic-test PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --log-target=console --show-status=no
