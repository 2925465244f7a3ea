#!/usr/bin/env bash
# run-hvm-ioreq.sh: an HVM guest's I/O served by a device model in dom0 through Xen's ioreq
# ABI (issue 16 stage 3a, docs/hvm.md "The ioreq flow"). In `make test-hvm`.
#  - dom0: the stock Debian kernel (pvtest=ioreq) runs tests/dom0/ioreq-dm.c, linked against
#    Debian's libxendevicemodel1, libxenforeignmemory1 and libxenevtchn1: it creates an ioreq
#    server for d1, maps its page (XENMEM_acquire_resource through privcmd), binds vCPU 0's
#    port, claims ports 0x5a0-0x5a7 and the MMIO page 0xe0000000 and serves them;
#  - d1: tests/guests/hvm-ioreq (HVM, 32-bit) waits for the device, checks IN/OUT of 1, 2 and
#    4 bytes, MMIO reads and writes (mov, or, movzx, cmp), an ISA IRQ the device model raises
#    by dm_op, and a port nobody claims, prints DONE and says bye; the device model never
#    answers the bye but destroys its server while d1 waits on it (the hypervisor completes
#    the OUT, d1 powers off) and unmaps the page;
#  - d2: the same guest; dom0's second device model answers its first request with a state
#    that is not one: the hypervisor crashes d2 alone, its server's page is freed at the
#    device model's unmap;
#  - d3: the same guest; dom0's third device model never answers its first request and
#    destroys d3 (XEN_DOMCTL_destroydomain) while its vCPU waits, then unmaps the page;
#    dom0 powers off;
#  - the hypervisor ends in its clean final state: every frame back ("frames free N (at boot N)").
# Log: build/test-results/hvm-ioreq/boot.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
guest=$top/build/guests/hvm-ioreq.elf
res=$top/build/test-results/hvm-ioreq; mkdir -p "$res"
TMO=${TMO:-600}
status=0

for f in "$hv" "$k" "$ird" "$guest"; do
  [ -f "$f" ] || { echo "FAIL: hvm-ioreq/setup: missing $f (make hypervisor guests linux-image)"; exit 1; }
done
log_has() { tr -d '\r' < "$log" | grep -Ec -- "$1" > /dev/null; }
show_tail() { echo "    --- last lines of $1 ---"; tail -n 30 "$1" | tr -d '\r' | sed 's/^/    /'; }
expect() {   # name ERE why
  if log_has "$2"; then echo "PASS: hvm-ioreq/$1"; else echo "FAIL: hvm-ioreq/$1: $3"; status=1; fi
}

log=$res/boot.log
start=$(date +%s)
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c 1 -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=384M" \
    -M "$k console=hvc0 loglevel=4 pvtest=ioreq" -M "$ird initrd" \
    -M "$guest pvhv.hvm pvhv.mem=4M" -M "$guest pvhv.hvm pvhv.mem=4M" -M "$guest pvhv.hvm pvhv.mem=4M" \
    -m 768 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
echo "hvm-ioreq: boot took $(( $(date +%s) - start ))s" >&2

tr -d '\r' < "$log" | sed -n 's/^(d0) \(PASS\|FAIL\): /\1: /p'
expect guest-checks '^\(d1\) DONE: hvm-ioreq: [1-9][0-9]* passed, 0 failed' \
  "$(tr -d '\r' < "$log" | grep -E '^\(d1\) (FAIL|DONE)' | head -5 | tr '\n' ' ')"
expect guest-poweroff '\(HV\) d1 shutdown: poweroff' "d1 did not power off"
expect device-model-summary '^\(d0\) ioreq-dm: [1-9][0-9]* passed, 0 failed, [1-9][0-9]* requests$' \
  "$(tr -d '\r' < "$log" | grep -E '^\(d0\) ioreq-dm' | head -3 | tr '\n' ' ')"
expect garbage-state-crashes-guest-alone '\(HV\) d2 crashed: garbage ioreq state from its device model' \
  "no crash of d2 for the garbage answer"
expect garbage-device-model-done '^\(d0\) ioreq-dm: [0-9]+ passed, 0 failed, 1 requests \(garbage answered\)' \
  "the garbage device model did not finish"
expect server-destroyed-while-guest-waits '^\(d0\) PASS: dom0/ioreq-destroy-server' \
  "the device model could not destroy its server while d1 waited on it"
expect silent-device-model-done '^\(d0\) ioreq-dm: [0-9]+ passed, 0 failed, 1 requests \(never answered\)' \
  "the silent device model did not destroy d3 and unmap its page"
expect waiting-guest-destroyed '\(HV\) d3 shutdown: ' "d3 was not destroyed while it waited"
expect dom0-poweroff '\(HV\) d0 shutdown: poweroff' "dom0 did not power off"
sed -n 's/^(HV) \(d1 v0: [0-9]* exits.*\)/    \1/p' "$log" | tr -d '\r'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then echo "PASS: hvm-ioreq/final-state"
else echo "FAIL: hvm-ioreq/final-state: $why"; show_tail "$log"; status=1; fi
exit $status
