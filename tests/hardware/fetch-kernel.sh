#!/usr/bin/env bash
# Fetches Debian's current kernel for the hardware suite's VM, without installing it: the
# linux-image package is downloaded (apt-get download) and unpacked (dpkg -x) into a cache,
# keeping only the kernel and the modules the VM loads (vivid, 9p over virtio, overlayfs).
# Prints the kernel's directory. Cache: $CAMSTACK_VM_CACHE, default ~/.cache/camstack/vm.
set -euo pipefail

home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${CAMSTACK_VM_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/camstack/vm}
modules=(vivid virtio_pci 9pnet_virtio 9p overlay)
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
if [ -z "$pkg" ]; then
    echo "fetch-kernel: apt knows no linux-image-amd64 (run apt-get update)" >&2
    exit 1
fi
dir=$cache/$pkg
if [ -f "$dir/ready" ]; then
    echo "$dir"
    exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null) || (cd "$tmp" && apt-get download -qq "$pkg")
dpkg -x "$tmp"/*.deb "$tmp/root"
kver=$(ls "$tmp/root/lib/modules")
depmod -b "$tmp/root" "$kver"
# Keep what the VM needs: the kernel, and the modules above with what they depend on.
mkdir -p "$tmp/keep/boot" "$tmp/keep/lib/modules/$kver"
cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/keep/boot/"
cp "$tmp/root/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$tmp/keep/lib/modules/$kver/"
for m in "${modules[@]}"; do
    modprobe -d "$tmp/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r f; do
    rel=${f#"$tmp/root/"}
    mkdir -p "$tmp/keep/$(dirname "$rel")"
    cp "$f" "$tmp/keep/$rel"
done
depmod -b "$tmp/keep" "$kver"
echo "$kver" >"$tmp/keep/kver"
rm -rf "$dir"
mv "$tmp/keep" "$dir"
touch "$dir/ready"
echo "$dir"
