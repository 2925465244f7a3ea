#!/usr/bin/env bash
# run-hvm-linux.sh: the stock Debian kernel, unmodified, as an HVM guest on emulated hardware
# (issue 16, docs/hvm.md "Linux as an HVM guest"). Boots the stock kernel as dom0 on q35 with
# pvtest=hvmlinux0 and the initramfs scripts/qemu-xen-initrd.sh makes (QEMU-xen, the bzImage
# and the initramfs): dom0's xenstored, then tests/linux/hvm-linux-dom0.sh creates the HVM
# guest with pvctl (kernel=, disk = hda on QEMU's IDE), follows its serial console, checks
# the guest's disk reads and writes on the image; the runner checks the summary and the
# hypervisor's clean final state. Log: build/test-results/hvm-linux/boot.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux
res=$top/build/test-results/hvm-linux; mkdir -p "$res"
TMO=${TMO:-1500}
status=0
log_has() { tr -d '\r' < "$log" | grep -Ec -- "$1" > /dev/null; }
show_tail() { echo "    --- last lines of $1 ---"; tail -n 30 "$1" | tr -d '\r' | sed 's/^/    /'; }

[ -f "$hv" ] && [ -f "$k" ] || { echo "FAIL: hvm-linux/setup: missing $hv or $k (make hypervisor linux-image)"; exit 1; }
"$top/scripts/qemu-xen-initrd.sh" "$res/initrd.gz" || { echo "FAIL: hvm-linux/setup: scripts/qemu-xen-initrd.sh failed"; exit 1; }

log=$res/boot.log
rm -f "$log"
start=$(date +%s)
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
    -M "$k console=hvc0 loglevel=4 pvtest=hvmlinux0" -M "$res/initrd.gz initrd" \
    -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
echo "hvm-linux: boot and checks took $(( $(date +%s) - start ))s" >&2

tr -d '\r' < "$log" | sed -n 's/^(d0) \(PASS\|FAIL\): /\1: /p; s/^(d0) \(    guest: .*\)/\1/p; s/^(d0) \(    (HV) .*exits.*\)/\1/p; s/^(d0) \(hvm-linux: .*\)/    \1/p'
if log_has '^\(d0\) [1-9][0-9]* passed, 0 failed'; then echo "PASS: hvm-linux/checks-complete"
else echo "FAIL: hvm-linux/checks-complete: no clean summary line"; show_tail "$log"; status=1; fi
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then echo "PASS: hvm-linux/final-state"
else echo "FAIL: hvm-linux/final-state: $why"; show_tail "$log"; status=1; fi
exit $status
