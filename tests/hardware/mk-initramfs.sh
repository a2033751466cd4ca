#!/usr/bin/env bash
# Builds the initramfs of the hardware suite's VM: busybox, the kernel modules of vivid and of
# 9p over virtio, and an init that mounts the host's / read-only (over virtio-9p, with a tmpfs
# overlay on top so that the VM may write anywhere), loads vivid and then either runs a job
# chrooted into that copy of the host, or boots the host's own systemd on it as PID 1.
# Usage: mk-initramfs.sh KERNEL_ROOT KVER OUTPUT
#   KERNEL_ROOT holds lib/modules/KVER (a linux-image .deb unpacked with dpkg -x, depmod run).
# The kernel command line tells init what to do:
#   camstack.job=PATH   the host script to run (in the chroot, or as a systemd service)
#   camstack.out=DIR    a host directory shared read-write at the same path
#   camstack.systemd=1  boot systemd as PID 1 instead of chrooting
# init prints "CAMSTACK-VM-RC=N" on the console when the job ends, then powers off.
set -euo pipefail

root=$1 kver=$2 out=$3
mods=$root/lib/modules/$kver
[ -f "$mods/modules.dep" ] || { echo "mk-initramfs: no modules.dep in $mods" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/camstack-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,tmp,host,lower,ovl}
cp /bin/busybox "$work/bin/busybox"

# Modules in load order, each once: vivid, then 9p over virtio-pci and overlayfs.
: >"$work/modules.order"
for m in vivid virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
        while read -r f; do
            rel=${f#"$root"}
            grep -qx "$rel" "$work/modules.order" && continue
            mkdir -p "$work$(dirname "$rel")"
            cp "$f" "$work$rel"
            echo "$rel" >>"$work/modules.order"
        done
done

cat >"$work/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
arg() { sed -n "s/.*camstack\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
finish() {
    echo "CAMSTACK-VM-RC=$1 uptime $(cut -d' ' -f1 /proc/uptime)s"
    poweroff -f
}
for m in $(cat /modules.order); do
    case $m in
    */vivid.ko*) insmod "$m" n_devs=1 node_types=0x1 ;;
    *) insmod "$m" ;;
    esac || echo "camstack-vm: insmod $m failed"
done
[ -e /dev/video0 ] || echo "camstack-vm: vivid made no /dev/video0"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /lower || finish 97
mount -t tmpfs -o size=70% tmpfs /ovl
mkdir -p /ovl/u /ovl/w
mount -t overlay -o lowerdir=/lower,upperdir=/ovl/u,workdir=/ovl/w overlay /host || finish 97
JOB=$(arg job)
SYSTEMD=$(arg systemd)
if [ "$SYSTEMD" != 1 ]; then
    # A chroot job gets the VM's own /tmp and /run, not the host's (over 9p), except the
    # directories it is told to keep (the source and build trees, which may live in /tmp).
    KEEP=$(arg keep | tr : ' ')
    i=0
    for d in $KEEP; do
        mkdir -p "/keep$i" && mount --bind "/host$d" "/keep$i"
        i=$((i + 1))
    done
    mount -t tmpfs tmpfs /host/tmp
    mount -t tmpfs tmpfs /host/run
    i=0
    for d in $KEEP; do
        mkdir -p "/host$d" && mount --bind "/keep$i" "/host$d"
        i=$((i + 1))
    done
fi
OUT=$(arg out)
if [ -n "$OUT" ]; then
    mkdir -p "/host$OUT"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "/host$OUT" || finish 97
fi
[ -n "$JOB" ] && [ -e "/host$JOB" ] || { echo "camstack-vm: no job '$JOB'"; finish 98; }
if [ "$SYSTEMD" = 1 ]; then
    # The host's systemd as the real PID 1 on the overlay: a small default target whose one
    # service runs the job, prints the status line and powers off.
    E=/host/etc/systemd/system
    cat >"$E/camstack-vm.target" <<U
[Unit]
Description=camstack VM test target
Requires=basic.target
After=basic.target
Wants=camstack-vm-job.service
AllowIsolate=yes
U
    cat >"$E/camstack-vm-job.service" <<U
[Unit]
Description=camstack VM test job
After=basic.target
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
Environment=CAMSTACK_VM=1
ExecStart=/bin/sh -c '$JOB; echo "CAMSTACK-VM-RC=\$? uptime \$(cut -d" " -f1 /proc/uptime)s"'
ExecStopPost=/bin/systemctl --no-block poweroff --force
U
    # /tmp stays the host's /tmp (over 9p, under the overlay), where the source and build
    # trees may be: no tmpfs on it (tmp.mount, which a host may enable), and Debian's
    # tmp.conf must not empty it.
    ln -sf /dev/null "$E/tmp.mount"
    mkdir -p /host/etc/tmpfiles.d
    ln -sf /dev/null /host/etc/tmpfiles.d/tmp.conf
    # The camera belongs to the video group, as udev's default rules make it (a host may have
    # no udev): camerad's unit reaches /dev/video* through SupplementaryGroups=video.
    video=$(sed -n 's/^video:[^:]*:\([0-9]*\):.*/\1/p' /host/etc/group)
    for v in /dev/video*; do
        [ -e "$v" ] && [ -n "$video" ] && chgrp "$video" "$v" && chmod 0660 "$v"
    done
    ln -sf camstack-vm.target "$E/default.target"
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /host/run
    # Hand the real API file systems over: the 9p lower has the host's empty directories.
    mount --move /dev /host/dev
    mount --move /sys /host/sys
    mount --move /proc /host/proc
    exec switch_root /host /lib/systemd/systemd
fi
for d in dev proc sys; do mount --bind "/$d" "/host/$d"; done
chroot /host /usr/bin/env CAMSTACK_VM=1 /bin/sh -c "$JOB"
finish $?
INIT
chmod +x "$work/init"
mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
