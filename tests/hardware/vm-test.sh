#!/usr/bin/env bash
# The meson test of the hardware suite: runs a test program inside the qemu VM (Debian's
# kernel, vivid loaded, the host's / over 9p so the build tree is where it is here) and
# passes its exit status back. Exits 77 (skipped) with the reason when this machine cannot
# run the VM: no qemu, no kernel fetched (scripts/deps test fetches it), no busybox.
# Usage: vm-test.sh [--systemd] BUILD_ROOT SOURCE_ROOT TEST [PLUGIN PLUGIN_DIR]
#   --systemd   boot the host's systemd as PID 1 in the VM and install camstack into it as
#               tests/system/run-nspawn does (meson install, systemd-sysusers, daemon-reload)
#               before TEST runs; without it, TEST runs chrooted, with no init
#   TEST        the test program, run as root in the VM with CS_BUILD_ROOT/CS_SOURCE_ROOT and
#               every CS_* and CK_* variable of this script's environment
#   PLUGIN      a libv4l2 plugin installed into PLUGIN_DIR inside the VM only
set -uo pipefail

systemd=
if [ "${1:-}" = --systemd ]; then
    systemd=--systemd
    shift
fi
build=$1 src=$2 test=$3 plugin=${4:-} plugin_dir=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
skip() {
    echo "SKIP: $*"
    exit 77
}
for tool in qemu-system-x86_64 cpio modprobe depmod; do
    command -v "$tool" >/dev/null || skip "no $tool (scripts/deps test installs it)"
done
[ -x /bin/busybox ] || skip "no /bin/busybox (scripts/deps test installs busybox-static)"
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${CAMSTACK_VM_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/camstack/vm}
kdir=$(ls -d "$cache"/linux-image-*/ 2>/dev/null | sort -V | tail -1)
kdir=${kdir%/}
[ -n "$kdir" ] && [ -f "$kdir/ready" ] ||
    skip "no kernel in $cache (scripts/deps test fetches it)"
kver=$(cat "$kdir/kver")
vm=$build/tests/hardware/vm
mkdir -p "$vm"
initrd=$vm/initrd-$kver.gz
if [ ! -f "$initrd" ] || [ "$here/mk-initramfs.sh" -nt "$initrd" ]; then
    "$here/mk-initramfs.sh" "$kdir" "$kver" "$initrd" || skip "cannot build the initramfs"
fi
name=$(basename "$test")${systemd:+-systemd}
job=$vm/job-$name.sh
# 'VALUE' for sh, whatever VALUE holds.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
    echo "#!/bin/sh"
    echo "# Written by vm-test.sh: runs $(basename "$test") inside the VM${systemd:+ (systemd as PID 1)}."
    echo "export PATH=/usr/sbin:/usr/bin:/sbin:/bin CK_DEFAULT_TIMEOUT=300 CK_VERBOSITY=normal"
    # The test's own settings (a systemd service starts with a clean environment).
    while IFS= read -r v; do
        echo "export $v=$(quote "${!v}")"
    done < <(compgen -e | grep -E '^(CS|CK)_' | grep -vx 'CS_BUILD_ROOT\|CS_SOURCE_ROOT')
    echo "export CS_BUILD_ROOT=$(quote "$build") CS_SOURCE_ROOT=$(quote "$src")"
    if [ -n "$plugin" ]; then
        echo "mkdir -p '$plugin_dir' && cp '$plugin' '$plugin_dir/' &&"
        echo "    export CS_TEST_V4L2_PLUGIN='$plugin_dir/$(basename "$plugin")'"
    fi
    if [ -n "$systemd" ]; then
        # Installed the way a user installs it, as run-nspawn does in its container.
        echo "t0=\$(cut -d' ' -f1 /proc/uptime)"
        echo "meson install -C $(quote "$build") --no-rebuild --quiet >/tmp/camstack-install.log 2>&1 ||"
        echo "    { cat /tmp/camstack-install.log; echo 'vm-test: meson install failed'; exit 1; }"
        echo "systemd-sysusers || { echo 'vm-test: systemd-sysusers failed'; exit 1; }"
        echo "systemctl daemon-reload || { echo 'vm-test: daemon-reload failed'; exit 1; }"
        echo "echo \"vm-test: camstack installed, from \$t0 s to \$(cut -d' ' -f1 /proc/uptime) s of uptime\""
    fi
    echo "cd /tmp && exec $(quote "$test")"
} >"$job"
chmod +x "$job"
t0=$(date +%s)
CAMSTACK_VM_KEEP="$build:$src" CAMSTACK_VM_LOG=$vm/console-$name.log \
    CAMSTACK_VM_TIMEOUT=${CAMSTACK_VM_TIMEOUT:-540} \
    "$here/run-vm.sh" $systemd "$kdir/boot/vmlinuz-$kver" "$initrd" "$job"
rc=$?
echo "vm-test: $name in the VM: exit status $rc after $(($(date +%s) - t0)) s"
exit "$rc"
