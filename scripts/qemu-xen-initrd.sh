#!/usr/bin/env bash
# qemu-xen-initrd.sh OUT: dom0's initramfs with Debian's QEMU-xen (qemu-system-xen:
# /usr/libexec/xen-qemu-system-i386 and the shared objects ldd names), for the HVM tests
# whose device model it is (tests/run-hvm-qemu.sh, run-hvm-linux.sh): build/linux/initrd.gz
# followed by a second gzip'd cpio archive (Linux unpacks concatenated ones) with QEMU, the
# hvm-qemu test guest as /etc/pvctl/hvm-qemu.elf, the dom0 script, and the stock kernel's
# bzImage and that same initramfs as /etc/pvctl/linux/vmlinuz and initrd.gz (the HVM Linux
# guest). Kept out of the common initramfs: QEMU and its libraries are some 35 MB.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: qemu-xen-initrd.sh OUT}
ird=$top/build/linux/initrd.gz
qemu=/usr/libexec/xen-qemu-system-i386
guest=$top/build/guests/hvm-qemu.elf
kimg=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
for f in "$ird" "$qemu" "$guest" "$kimg"; do
  [ -f "$f" ] || { echo "qemu-xen-initrd: missing $f (make linux-image guests; scripts/setup.sh installs qemu-system-xen)" >&2; exit 1; }
done
extra=$(mktemp -d); trap 'rm -rf "$extra"' EXIT
mkdir -p "$extra/usr/libexec" "$extra/etc/pvctl/linux" "$(dirname "$out")"
cp "$kimg" "$extra/etc/pvctl/linux/vmlinuz"; cp "$ird" "$extra/etc/pvctl/linux/initrd.gz"
cp "$qemu" "$extra/usr/libexec/"
ldd "$qemu" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do mkdir -p "$extra$(dirname "$so")"; cp -L "$so" "$extra$so"; done
strip --strip-debug -o "$extra/etc/pvctl/hvm-qemu.elf" "$guest"
cp "$top/tests/linux/hvm-qemu-dom0.sh" "$extra/hvm-qemu-dom0.sh"
{ cat "$ird"; (cd "$extra" && find . | cpio -o -H newc --quiet | gzip -1); } > "$out.tmp"
mv "$out.tmp" "$out"
