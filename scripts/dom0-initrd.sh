#!/usr/bin/env bash
# dom0-initrd.sh OUT: dom0's initramfs for booting Linux domUs from dom0 (make run,
# test-toolstack, test-io): build/linux/initrd.gz followed by a second gzip'd cpio archive
# (Linux unpacks concatenated ones) holding the stock kernel's bzImage and that same
# initramfs as /etc/pvctl/linux/vmlinuz and /etc/pvctl/linux/initrd.gz, which pvctl boots.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: dom0-initrd.sh OUT}
ird=$top/build/linux/initrd.gz
kimg=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$kimg" ] && [ -f "$ird" ] || { echo "dom0-initrd: no bzImage or initramfs in build/linux (make linux-image)" >&2; exit 1; }
extra=$(mktemp -d); trap 'rm -rf "$extra"' EXIT
mkdir -p "$extra/etc/pvctl/linux" "$(dirname "$out")"
cp "$kimg" "$extra/etc/pvctl/linux/vmlinuz"; cp "$ird" "$extra/etc/pvctl/linux/initrd.gz"
{ cat "$ird"; (cd "$extra" && find . | cpio -o -H newc --quiet | gzip -1); } > "$out.tmp"
mv "$out.tmp" "$out"
