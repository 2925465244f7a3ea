#!/usr/bin/env bash
# run-io.sh: split-driver block I/O (issue 15, docs/io.md). `make test-io`.
# Dom0 (the stock Debian kernel, pvtest=io0) and a stock Linux domU (d1, pvtest=io) boot
# side by side on QEMU q35. Dom0's xenstored (xenstore-lite) introduces the domU; dom0's
# tests/linux/io-dom0.sh makes a 64 MiB image and an 8 MiB one, and attaches them with
# the project's hotplug (dom0-tools/hotplug/vbd-attach) as xvda (w) and xvdb (r); the
# domU's xen-blkfront connects to dom0's xen-blkback. The domU (tests/linux/io-domU.sh)
# writes 32 MiB of random data with O_DIRECT and 16 MiB through the page cache, syncs and
# prints their sha256; a write to xvdb fails. Dom0 detaches both (vbd-detach), finds the
# same sha256 on the image and the read-only image unchanged, attaches xvda again; the
# domU reads its data back, makes an ext2 filesystem, fscks, mounts, remounts and fscks
# it; dom0 detaches and fscks the image. Both power off; the hypervisor's final state
# must be clean. A second boot (pvio.mode=crash): the domU crashes with writes in flight;
# dom0's forced detach leaves no loop device and no node, and the hypervisor reaps the
# domU with every frame back. Prints PASS/FAIL lines; logs: build/test-results/io/{boot,crash}.log.
# IO_SMP=N: QEMU with N CPUs (default 1); HV_IMAGE: another hypervisor build.
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
clean() { tr -d '\r' < "$log"; }
log_has() { clean | grep -Ec -- "$1" > /dev/null; }
val() { clean | sed -n "s/^($1) $2: //p" | head -1; }
pass() { echo "PASS: io/$1"; }
fail() { echo "FAIL: io/$1"; status=1; }
check() {   # NAME ERE: one line of the log matches
  if log_has "$2"; then pass "$1"; else fail "$1 (no line matching '$2')"; fi
}

# boot NAME [KERNEL WORDS]: dom0 and the domU d1 with those words; sets log and rc.
boot() {
  local start
  log=$res/$1.log; rm -f "$log"; start=$(date +%s)
  QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c "${IO_SMP:-1}" -k "$hv" \
      -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k console=hvc0 loglevel=4 pvtest=io0 pvio.dom=1 ${2:-}" -M "$ird initrd" \
      -M "$k console=hvc0 loglevel=4 pvtest=io pvhv.mem=256M ${2:-}" -M "$ird initrd" \
      -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
  rc=$?
  echo "io: boot '$1' took $(( $(date +%s) - start ))s" >&2
}

boot boot

check attach-xvda '^\(d0\) IO0-ATTACH: xvda ok'
check attach-xvdb-readonly '^\(d0\) IO0-ATTACH: xvdb ok'
check blkfront-sees-64MiB '^\(d1\) IO-XVDA: 131072 sectors'
check both-ends-connected '^\(d0\) IO0-STATE: backend 4 frontend 4'
check persistent-grants-negotiated '^\(d0\) IO0-PERSISTENT: backend 1 frontend 1'
check indirect-descriptors-offered '^\(d0\) IO0-INDIRECT: backend [1-9][0-9]*$'
check indirect-descriptors-used '^\(d1\) IO-XVDA-MAX-SEGMENTS: ([2-9][0-9]|1[2-9]|[1-9][0-9][0-9]+)$'
check blkback-wrote-48MiB '^\(d0\) IO0-STATS: wr_req [0-9]+ wr_sect (9[89][0-9]{3}|[1-9][0-9]{5,})'
check same-image-writable-twice-refused '^\(d0\) IO0-DOUBLE-ATTACH: refused'
check readonly-image-writable-refused '^\(d0\) IO0-DOUBLE-ATTACH-RO: refused'
d=$(val d1 IO-SHA-DIRECT); d0=$(val d0 IO0-SHA-DIRECT)
if [ -n "$d" ] && [ "$d" = "$d0" ]; then pass odirect-32MiB-reaches-image
else fail "odirect-32MiB-reaches-image: domU '$d', image '$d0'"; fi
c=$(val d1 IO-SHA-CACHED); c0=$(val d0 IO0-SHA-CACHED)
if [ -n "$c" ] && [ "$c" = "$c0" ]; then pass pagecache-16MiB-reaches-image
else fail "pagecache-16MiB-reaches-image: domU '$c', image '$c0'"; fi
check domU-reads-back '^\(d1\) IO-READBACK: ok'
check readonly-disk-is-ro '^\(d1\) IO-XVDB-RO: 1'
check readonly-write-refused '^\(d1\) IO-RO-WRITE: refused'
check readonly-read '^\(d1\) IO-RO-READ: ok'
check readonly-image-unchanged '^\(d0\) IO0-RO-IMAGE: unchanged'
check detach-clean '^\(d0\) IO0-DETACH: rc 0'
check detach-readonly-clean '^\(d0\) IO0-DETACH-RO: rc 0'
check no-loop-devices-left '^\(d0\) IO0-LOOPS: none left'
check reattach '^\(d0\) IO0-REATTACH: ok'
r=$(val d1 IO-REATTACH-SHA)
if [ -n "$r" ] && [ "$r" = "$d" ]; then pass data-after-reattach
else fail "data-after-reattach: '$r', written '$d'"; fi
check ext2-mkfs-fsck-remount '^\(d1\) IO-FS: ok'
check detach-after-fs '^\(d0\) IO0-DETACH2: rc 0'
check dom0-fsck-image '^\(d0\) IO0-FSCK: clean'
check no-backend-nodes-left '^\(d0\) IO0-BACKEND-NODES: 0$'
check no-io-failures-reported '^\(d0\) IO0-DONE'
if log_has '^\((d0|d1)\) IO0?-FAIL'; then
  fail "no-io-failures-reported"; clean | grep -E '^\((d0|d1)\) IO0?-FAIL' | sed 's/^/    /'
fi
# --- the second boot: a domU that crashes with writes in flight (pvio.mode=crash) ---
crash_checks() {
  check crash/domU-crashed-mid-io '^\(d1\) IO-CRASHING: [1-9][0-9]* writes in flight'
  check crash/domU-crash-reported '\(HV\) d1 shutdown: crash'
  check crash/detach-forced '^\(d0\) IO0-CRASH-DETACH: rc [02]$'
  check crash/no-loop-devices-left '^\(d0\) IO0-LOOPS: none left'
  check crash/no-backend-nodes-left '^\(d0\) IO0-BACKEND-NODES: 0$'
  check crash/dom0-poweroff '\(HV\) d0 shutdown: poweroff'
  local why
  why=$(hv_boot_verdict "$log" "$rc" "$TMO")
  if [ -z "$why" ]; then pass crash/final-state-no-leak
  else fail "crash/final-state-no-leak: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi
}

check domU-poweroff '\(HV\) d1 shutdown: poweroff'
check dom0-poweroff '\(HV\) d0 shutdown: poweroff'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then pass final-state
else fail "final-state: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi

boot crash pvio.mode=crash
crash_checks
exit $status
