#!/usr/bin/env bash
# Boots Debian's kernel with the hardware suite's initramfs under qemu (TCG, or KVM when asked
# for) and runs JOB, a host script, inside: chrooted into a writable copy
# of the host's / (the build tree is at the same path), or with --systemd as a service of the
# host's own systemd booted as PID 1. The console goes to stdout and to $CAMSTACK_VM_LOG.
# Usage: run-vm.sh [--systemd] KERNEL INITRD JOB
# Environment: CAMSTACK_VM_OUT (a host directory shared read-write at the same path),
#   CAMSTACK_VM_KEEP (colon-separated host directories a chroot job keeps seeing even where
#   the VM mounts its own /tmp and /run over them),
#   CAMSTACK_VM_TIMEOUT (seconds, default 300), CAMSTACK_VM_ACCEL (tcg or kvm),
#   CAMSTACK_VM_CPUS (2), CAMSTACK_VM_MEM (MB, 1536).
# Exit status: the job's, or 124 if the VM timed out, 99 if no status came back.
set -uo pipefail

systemd=0
if [ "${1:-}" = --systemd ]; then
    systemd=1
    shift
fi
kernel=$1 initrd=$2 job=$3
out=${CAMSTACK_VM_OUT:-}
log=${CAMSTACK_VM_LOG:-}
if [ -z "$log" ]; then
    log=$(mktemp "${TMPDIR:-/tmp}/camstack-vm.XXXXXX")
    trap 'rm -f "$log"' EXIT
fi
# TCG by default: a /dev/kvm that opens may still fail to run a guest (nested virtualisation).
accel=${CAMSTACK_VM_ACCEL:-tcg}
[ "$accel" = tcg ] && accel=tcg,thread=multi
cpu=max
[ "$accel" = kvm ] && cpu=host
append="console=ttyS0 quiet panic=-1 camstack.job=$job"
[ -n "$out" ] && append+=" camstack.out=$out"
[ -n "${CAMSTACK_VM_KEEP:-}" ] && append+=" camstack.keep=$CAMSTACK_VM_KEEP"
[ "$systemd" = 1 ] && append+=" camstack.systemd=1"
echo "run-vm: qemu ($accel), kernel $kernel, job $job" | tee "$log"
timeout --kill-after=10 "${CAMSTACK_VM_TIMEOUT:-300}" qemu-system-x86_64 \
    -machine q35 -accel "$accel" -cpu "$cpu" -smp "${CAMSTACK_VM_CPUS:-2}" \
    -m "${CAMSTACK_VM_MEM:-1536}" -nographic -no-reboot -nic none \
    -kernel "$kernel" -initrd "$initrd" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    ${out:+-virtfs local,path=$out,mount_tag=out,security_model=none,multidevs=remap} \
    -append "$append" </dev/null 2>&1 | tee -a "$log"
qrc=${PIPESTATUS[0]}
rc=$(sed -n 's/.*CAMSTACK-VM-RC=\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$rc" ]; then
    [ "$qrc" = 124 ] && { echo "run-vm: the VM did not finish in ${CAMSTACK_VM_TIMEOUT:-300} s"; exit 124; }
    echo "run-vm: no exit status from the VM (qemu exited with $qrc)"
    exit 99
fi
exit "$rc"
