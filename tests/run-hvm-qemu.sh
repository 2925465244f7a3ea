#!/usr/bin/env bash
# run-hvm-qemu.sh: Debian's QEMU-xen (qemu-system-xen 7.2, unchanged) as the device model of
# an HVM guest on our hypervisor (issue 16, docs/hvm.md "QEMU-xen"). Boots the stock Debian
# kernel as dom0 on q35 with pvtest=hvmqemu and the initramfs scripts/qemu-xen-initrd.sh
# makes: dom0's xenstored, then tests/linux/hvm-qemu-dom0.sh creates tests/guests/hvm-qemu
# with pvctl, starts QEMU with -xen-domid -machine xenfv, unpauses the guest, which finds
# QEMU's PCI devices and writes on its 16550, and checks what QEMU logged; the runner checks
# the summary and the hypervisor's clean final state. Log: build/test-results/hvm-qemu/boot.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux
res=$top/build/test-results/hvm-qemu; mkdir -p "$res"
TMO=${TMO:-600}
status=0
log_has() { tr -d '\r' < "$log" | grep -Ec -- "$1" > /dev/null; }
show_tail() { echo "    --- last lines of $1 ---"; tail -n 30 "$1" | tr -d '\r' | sed 's/^/    /'; }

[ -f "$hv" ] && [ -f "$k" ] || { echo "FAIL: hvm-qemu/setup: missing $hv or $k (make hypervisor linux-image)"; exit 1; }
"$top/scripts/qemu-xen-initrd.sh" "$res/initrd.gz" || { echo "FAIL: hvm-qemu/setup: scripts/qemu-xen-initrd.sh failed"; exit 1; }

log=$res/boot.log
rm -f "$log"
start=$(date +%s)
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
    -M "$k console=hvc0 loglevel=4 pvtest=hvmqemu" -M "$res/initrd.gz initrd" \
    -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
echo "hvm-qemu: boot and checks took $(( $(date +%s) - start ))s" >&2

tr -d '\r' < "$log" | sed -n 's/^(d0) \(PASS\|FAIL\): /\1: /p; s/^(d0) \(    qemu: .*\)/\1/p; s/^(d0) \(hvm-qemu: .*\)/    \1/p'
if log_has '^\(d0\) [1-9][0-9]* passed, 0 failed'; then echo "PASS: hvm-qemu/checks-complete"
else echo "FAIL: hvm-qemu/checks-complete: no clean summary line"; show_tail "$log"; status=1; fi
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then echo "PASS: hvm-qemu/final-state"
else echo "FAIL: hvm-qemu/final-state: $why"; show_tail "$log"; status=1; fi
exit $status
