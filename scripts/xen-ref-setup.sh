#!/usr/bin/env bash
# xen-ref-setup.sh: unpack the real Xen 4.17 (Debian xen-hypervisor-4.17-amd64) into
# build/xen-ref/root without installing it, and gunzip the hypervisor to
# build/xen-ref/xen-4.17 (QEMU's Multiboot loader takes that file directly).
# Idempotent: does nothing when build/xen-ref/xen-4.17 already exists.
# Falls back to an installed /boot/xen-4.17-amd64.gz when the download fails (offline).
set -euo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$top/build/xen-ref
out=$dir/xen-4.17
pkg=xen-hypervisor-4.17-amd64

[ -s "$out" ] && exit 0
mkdir -p "$dir/debs" "$dir/root"
cd "$dir/debs"
if ls ${pkg}_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >/dev/null 2>&1; then
  deb=$(ls ${pkg}_*.deb | head -n1)
  dpkg -x "$deb" "$dir/root"
  gz=$(ls "$dir"/root/boot/xen-4.17*-amd64.gz 2>/dev/null | head -n1)
  dpkg-deb -f "$deb" Package Version | paste -sd' ' > "$dir/VERSION"
else
  echo "xen-ref-setup: apt-get download $pkg failed; trying /boot" >&2
  gz=$(ls /boot/xen-4.17*-amd64.gz 2>/dev/null | head -n1)
  echo "installed $(basename "${gz:-none}")" > "$dir/VERSION"
fi
[ -n "${gz:-}" ] && [ -f "$gz" ] || { echo "xen-ref-setup: no xen-4.17 image found" >&2; exit 1; }
gunzip -c "$gz" > "$out.tmp" && mv "$out.tmp" "$out"
echo "xen-ref-setup: $(cat "$dir/VERSION") -> $out"
