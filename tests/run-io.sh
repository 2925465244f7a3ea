#!/usr/bin/env bash
# run-io.sh: split-driver block I/O (issue 15, docs/io.md). `make test-io`.
# Dom0 (the stock Debian kernel, pvtest=io0) boots on QEMU q35 with its xenstored; its
# tests/linux/io-dom0.sh makes a 64 MiB image and an 8 MiB one and `pvctl create`s a stock
# Linux domU with disk= [ xvda (w), xvdb (r) ]: pvctl's device_vbd.c sets up the loop
# devices and the xenstore nodes, the domU's xen-blkfront connects to dom0's xen-blkback.
# The domU (tests/linux/io-domU.sh; its console relayed by dom0 as "[domU] ..." lines)
# writes 32 MiB of random data with O_DIRECT and 16 MiB through the page cache, syncs and
# prints their sha256; a write to xvdb fails. Dom0 checks block-list, pvctl block-detach's
# both, finds the same sha256 on the image and the read-only image unchanged, block-attaches
# them again; the domU reads its data back, makes an ext2 filesystem, fscks, mounts,
# remounts and fscks it; dom0 detaches xvda and fscks the image; the domU powers off and
# pvctl's monitor destroys it and removes xvdb. Refused attachments and bad disk specs
# leave nothing behind. Then create->destroy cycles of a test guest with a disk leave no
# loop device, node, frame or event channel. The hypervisor's final state must be clean.
# A second boot (pvio.mode=crash): the domU crashes with writes in flight; the monitor's
# destroy leaves no loop device and no node, and the hypervisor reaps the domU with every
# frame back. Prints PASS/FAIL lines; logs: build/test-results/io/{boot,crash}.log.
# IO_SMP=N: QEMU with N CPUs (default 1); HV_IMAGE: another hypervisor build;
# IO_CYCLES: lifecycle cycles (default 25, docs/io.md).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
res=$top/build/test-results/io; mkdir -p "$res"
TMO=${TMO:-420}
status=0
for f in "$hv" "$k" "$ird"; do
  [ -f "$f" ] || { echo "FAIL: io/setup: missing $f (make hypervisor linux-image)"; exit 1; }
done
# The domU's lines, relayed by dom0 as "(d0) [domU] X", read as "(dU) X".
clean() { tr -d '\r' < "$log" | sed 's/^(d0) \[domU\] /(dU) /'; }
log_has() { clean | grep -Ec -- "$1" > /dev/null; }
val() { clean | sed -n "s/^($1) $2: //p" | head -1; }
pass() { echo "PASS: io/$1"; }
fail() { echo "FAIL: io/$1"; status=1; }
check() {   # NAME ERE: one line of the log matches
  if log_has "$2"; then pass "$1"; else fail "$1 (no line matching '$2')"; fi
}

# Dom0's initramfs with the stock kernel's bzImage and the initramfs under /etc/pvctl/linux,
# for pvctl to boot a Linux domU (scripts/dom0-initrd.sh).
"$top/scripts/dom0-initrd.sh" "$res/initrd.gz" || { echo "FAIL: io/setup: scripts/dom0-initrd.sh failed"; exit 1; }

# boot NAME [KERNEL WORDS]: dom0 with those words (it creates the domU); sets log and rc.
boot() {
  local start
  log=$res/$1.log; rm -f "$log"; start=$(date +%s)
  QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c "${IO_SMP:-1}" -k "$hv" \
      -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k console=hvc0 loglevel=4 pvtest=io0 pvio.cycles=${IO_CYCLES:-25} ${2:-}" -M "$res/initrd.gz initrd" \
      -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
  rc=$?
  echo "io: boot '$1' took $(( $(date +%s) - start ))s" >&2
}

boot boot

check block-commands-help '^\(d0\) IO0-HELP: ok'
check pvctl-create-with-disks '^\(d0\) IO0-CREATE: ok'
check attach-xvda '^\(d0\) IO0-ATTACH: xvda ok'
check attach-xvdb-readonly '^\(d0\) IO0-ATTACH: xvdb ok'
check frontend-nodes '^\(d0\) IO0-FRONTEND: xvda ok'
check bad-disk-spec-refused-with-line '^\(d0\) IO0-BAD-SPEC: refused: .*/tmp/bad.cfg:5: disk: .*format .qcow2.: only raw'
check bad-disk-spec-leaves-nothing '^\(d0\) IO0-NOTHING-LEFT: bad-spec'
check failed-attach-refused '^\(d0\) IO0-REFUSED-ATTACH: refused: .*is attached to domain'
check failed-attach-leaves-nothing '^\(d0\) IO0-NOTHING-LEFT: failed-attach'
check missing-image-refused '^\(d0\) IO0-MISSING-IMAGE: refused: .*no such image'
check missing-image-leaves-nothing '^\(d0\) IO0-NOTHING-LEFT: missing-image'
check double-attach-leaves-nothing '^\(d0\) IO0-NOTHING-LEFT: double-attach'
check block-list-header '^\(d0\) IO0-BLOCK-LIST-HEADER: ok'
check block-list-shows-disks '^\(d0\) IO0-BLOCK-LIST: xvda xvdb'
check block-list-connected '^\(d0\) IO0-BLOCK-LIST-CONNECTED: 51712 +0 +[0-9]+ +4 +[0-9]+ +[0-9]+ '
check blkfront-sees-64MiB '^\(dU\) IO-XVDA: 131072 sectors'
check both-ends-connected '^\(d0\) IO0-STATE: backend 4 frontend 4'
check persistent-grants-negotiated '^\(d0\) IO0-PERSISTENT: backend 1 frontend 1'
check indirect-descriptors-offered '^\(d0\) IO0-INDIRECT: backend [1-9][0-9]*$'
check indirect-descriptors-used '^\(dU\) IO-XVDA-MAX-SEGMENTS: ([2-9][0-9]|1[2-9]|[1-9][0-9][0-9]+)$'
check blkback-wrote-48MiB '^\(d0\) IO0-STATS: wr_req [0-9]+ wr_sect (9[89][0-9]{3}|[1-9][0-9]{5,})'
check same-image-writable-twice-refused '^\(d0\) IO0-DOUBLE-ATTACH: refused'
check readonly-image-writable-refused '^\(d0\) IO0-DOUBLE-ATTACH-RO: refused'
d=$(val dU IO-SHA-DIRECT); d0=$(val d0 IO0-SHA-DIRECT)
if [ -n "$d" ] && [ "$d" = "$d0" ]; then pass odirect-32MiB-reaches-image
else fail "odirect-32MiB-reaches-image: domU '$d', image '$d0'"; fi
c=$(val dU IO-SHA-CACHED); c0=$(val d0 IO0-SHA-CACHED)
if [ -n "$c" ] && [ "$c" = "$c0" ]; then pass pagecache-16MiB-reaches-image
else fail "pagecache-16MiB-reaches-image: domU '$c', image '$c0'"; fi
check domU-reads-back '^\(dU\) IO-READBACK: ok'
check readonly-disk-is-ro '^\(dU\) IO-XVDB-RO: 1'
check readonly-write-refused '^\(dU\) IO-RO-WRITE: refused'
check readonly-read '^\(dU\) IO-RO-READ: ok'
check readonly-image-unchanged '^\(d0\) IO0-RO-IMAGE: unchanged'
check detach-clean '^\(d0\) IO0-DETACH: rc 0'
check detach-readonly-clean '^\(d0\) IO0-DETACH-RO: rc 0'
check no-loop-devices-after-detach '^\(d0\) IO0-LOOPS-AFTER-DETACH: none left'
check block-list-empty-after-detach '^\(d0\) IO0-BLOCK-LIST-EMPTY: ok'
check reattach '^\(d0\) IO0-REATTACH: ok'
r=$(val dU IO-REATTACH-SHA)
if [ -n "$r" ] && [ "$r" = "$d" ]; then pass data-after-reattach
else fail "data-after-reattach: '$r', written '$d'"; fi
check ext2-mkfs-fsck-remount '^\(dU\) IO-FS: ok'
check detach-after-fs '^\(d0\) IO0-DETACH2: rc 0'
check dom0-fsck-image '^\(d0\) IO0-FSCK: clean'
check domU-gone '^\(d0\) IO0-DOMU-GONE: ok'
check dead-domU-loops-freed '^\(d0\) IO0-LOOPS: none left'
check dead-domU-backend-nodes-gone '^\(d0\) IO0-BACKEND-NODES: 0$'
check dead-domU-frontend-nodes-gone '^\(d0\) IO0-FRONTEND-NODES: 0$'
check lifecycle-cycles '^\(d0\) IO0-CYCLES: [0-9]+ in .* errors 0$'
check lifecycle-no-loop-devices '^\(d0\) IO0-CYCLES-LOOPS: none left'
check lifecycle-free-pages '^\(d0\) IO0-CYCLES-FREE-PAGES: back'
check lifecycle-dom0-event-channels '^\(d0\) IO0-CYCLES-EVTCHN: back'
check lifecycle-xenstore-nodes '^\(d0\) IO0-CYCLES-XS-NODES: back'
clean | sed -n 's/^(d0) IO0-CYCLES: /    lifecycle: /p'
check no-io-failures-reported '^\(d0\) IO0-DONE'
if log_has '^\((d0|dU)\) IO0?-FAIL'; then
  fail "no-io-failures-reported"; clean | grep -E '^\((d0|dU)\) IO0?-FAIL' | sed 's/^/    /'
fi
# --- the second boot: a domU that crashes with writes in flight (pvio.mode=crash) ---
crash_checks() {
  check crash/domU-crashed-mid-io '^\(dU\) IO-CRASHING: [1-9][0-9]* writes in flight'
  check crash/domU-crash-reported '\(HV\) d[1-9][0-9]* shutdown: crash'
  check crash/monitor-destroyed-domU '^\(d0\) IO0-DOMU-GONE: ok'
  check crash/no-loop-devices-left '^\(d0\) IO0-LOOPS: none left'
  check crash/no-backend-nodes-left '^\(d0\) IO0-BACKEND-NODES: 0$'
  check crash/no-frontend-nodes-left '^\(d0\) IO0-FRONTEND-NODES: 0$'
  check crash/dom0-poweroff '\(HV\) d0 shutdown: poweroff'
  local why
  why=$(hv_boot_verdict "$log" "$rc" "$TMO")
  if [ -z "$why" ]; then pass crash/final-state-no-leak
  else fail "crash/final-state-no-leak: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi
}

check domU-poweroff '\(HV\) d[1-9][0-9]* shutdown: poweroff'
check dom0-poweroff '\(HV\) d0 shutdown: poweroff'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then pass final-state
else fail "final-state: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi

boot crash "pvio.mode=crash pvio.cycles=0"
crash_checks
exit $status
