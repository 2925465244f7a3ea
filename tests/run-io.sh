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
# remounts and fscks it; dom0 detaches xvda and fscks the image; dom0 detaches xvdb while
# the domU reads it in a loop (it completes, the reader stops, the disk attaches again and
# reads the same); the domU powers off and pvctl's monitor destroys it and removes xvdb.
# Refused attachments and bad disk specs leave nothing behind. Then create->destroy cycles
# of a test guest with a disk leave no loop device, node, frame or event channel. The hypervisor's final state must be clean.
# A second boot (pvio.mode=crash): the domU crashes with writes in flight; the monitor's
# destroy leaves no loop device and no node, and the hypervisor reaps the domU with every
# frame back. Prints PASS/FAIL lines; logs: build/test-results/io/{boot,crash}.log.
# IO_SMP=N: QEMU with N CPUs (default 1); HV_IMAGE: another hypervisor build;
# IO_CYCLES: lifecycle cycles (default 25, docs/io.md).
# A third boot (pvtest=front0, tests/linux/front-dom0.sh): the pvfront test guest attacks
# blkback and netback next to a benign one that must be unharmed, then IO_FRONT_CYCLES
# (default 100) connected create -> I/O -> destroy cycles must leave nothing behind.
# IO_BOOTS: the boots to run (default "boot crash front").
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
# Dom0 runs io-dom0.sh (pvtest=io0) unless the words name another pvtest.
boot() {
  local start words="pvtest=io0 pvio.cycles=${IO_CYCLES:-25} ${2:-}"
  case "${2:-}" in *pvtest=*) words=$2 ;; esac
  log=$res/$1.log; rm -f "$log"; start=$(date +%s)
  QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c "${IO_SMP:-1}" -k "$hv" \
      -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k console=hvc0 loglevel=4 $words" -M "$res/initrd.gz initrd" \
      -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
  rc=$?
  echo "io: boot '$1' took $(( $(date +%s) - start ))s" >&2
}

first_checks() {
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
  check busy-detach-while-reading '^\(dU\) IO-BUSY-READING: [1-9][0-9]* passes, running$'
  check busy-detach-returns '^\(d0\) IO0-BUSY-DETACH: rc [01] in [0-9] s'
  check busy-detach-removes-disk '^\(d0\) IO0-BUSY-DETACH-LIST: empty'
  check busy-detach-reader-stops '^\(dU\) IO-BUSY-READER: stopped'
  check busy-detach-image-unchanged '^\(d0\) IO0-BUSY-RO-IMAGE: unchanged'
  check busy-detach-reattach '^\(d0\) IO0-BUSY-REATTACH: ok'
  if [ "$(val dU IO-BUSY-REATTACHED)" = "$(val d0 IO0-RO-SHA)" ] && [ -n "$(val d0 IO0-RO-SHA)" ]; then
    pass busy-detach-reattached-reads-same
  else fail "busy-detach-reattached-reads-same (domU '$(val dU IO-BUSY-REATTACHED)', image '$(val d0 IO0-RO-SHA)')"; fi
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

  check domU-poweroff '\(HV\) d[1-9][0-9]* shutdown: poweroff'
  check dom0-poweroff '\(HV\) d0 shutdown: poweroff'
  why=$(hv_boot_verdict "$log" "$rc" "$TMO")
  if [ -z "$why" ]; then pass final-state
  else fail "final-state: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi

}
crash_checks() {
  check crash/domU-crashed-mid-io '^\(dU\) IO-CRASHING: [1-9][0-9]* writes in flight'
  clean | grep -E '^\(dU\) IO-CRASH-DIAG' | sed 's/^/    /'   # when none was seen: why
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

# --- the third boot: pvfront, a hostile front end next to a benign one, then connected
# create -> I/O -> destroy cycles (tests/linux/front-dom0.sh, tests/guests/pvfront) ---
front_checks() {
  local c
  check front/guests-created '^\(d0\) FRONT0-CREATED: benign [0-9]+ hostile [0-9]+$'
  for c in "xvda connected to blkback" "blk: a good round first" "blk: bad grant reference: error" \
      "blk: last_sect past the page: error" "blk: first_sect after last_sect: error" \
      "blk: sectors past the end of the disk: error" "blk: 12 segments in a direct request: error" \
      "blk: unknown operation 77: EOPNOTSUPP" "blk: indirect request of 5000 segments: error" \
      "blk: indirect page with a bad grant reference: error" "blk: indirect segments of garbage: error" \
      "blk: xvda still serves after the bad requests" "blk: no response to a bogus producer index" \
      "blk: the back end closes the halted ring" "blk: the ring is unmapped after close" \
      "blk: a request after close gets nothing" "blk: xvda reconnects after the attack" \
      "blk: and serves again" "blk: closed again, ring unmapped" \
      "vif 0 connected to netback" "net: a good frame on vif 0: OKAY" "net: bad grant reference: error" \
      "net: a 10-byte frame: error" "net: vif 0 still serves after them" \
      "net: a frame across a page: no response \(netback disables the vif\)" "net: vif 0 closes" \
      "net: vif 0's rings unmapped after close" "vif 1 connected to netback" \
      "net: a good frame on vif 1: OKAY" "net: no response to a bogus producer index" \
      "net: vif 1 closes" "net: vif 1's rings unmapped after close" "net: a frame after close gets nothing"; do
    check "front/hostile: ${c//\\/}" "^\(d[1-9][0-9]*\) PASS: pvfront: $c$"
  done
  check front/hostile-done '^\(d[1-9][0-9]*\) DONE: pvfront: [1-9][0-9]* passed, 0 failed$'
  check front/benign-io-ok '^\(d0\) FRONT0-BENIGN: ok$'
  check front/benign-frames-arrived '^\(d0\) FRONT0-BENIGN-FRAMES: (6[4-9]|[7-9][0-9]|[1-9][0-9]{2,})$'
  check front/benign-data-on-image '^\(d0\) FRONT0-BENIGN-DATA: match$'
  check front/hostile-powered-off '^\(d0\) FRONT0-HOSTILE: gone$'
  check front/dom0-logged-blk-bogus-index '^\(d0\) FRONT0-LOG: bogus ring requests: [1-9]'
  check front/dom0-logged-net-cross-page '^\(d0\) FRONT0-LOG: Cross page boundary: [1-9]'
  check front/dom0-logged-net-bogus-index '^\(d0\) FRONT0-LOG: Impossible number of requests: [1-9]'
  check front/dom0-disabled-two-vifs '^\(d0\) FRONT0-LOG: fatal error; disabling device: 2$'
  check front/hostile-no-leak '^\(d0\) FRONT0-HOSTILE-LEAKS: none$'
  check front/connected-cycles '^\(d0\) FRONT0-CYCLES: ([0-9]+) of \1 connected, errors 0,'
  check front/connected-cycles-data '^\(d0\) FRONT0-CYCLES-DATA: the last cycle'
  check front/connected-cycles-no-leak '^\(d0\) FRONT0-CYCLES-LEAKS: none$'
  check front/dom0-done '^\(d0\) FRONT0-DONE$'
  if log_has '^\(d[0-9]+\) FAIL: pvfront'; then
    fail front/no-guest-failures; clean | grep -E '^\(d[0-9]+\) FAIL: pvfront' | head -20 | sed 's/^/    /'
  else pass front/no-guest-failures; fi
  check front/dom0-poweroff '\(HV\) d0 shutdown: poweroff'
  local why
  why=$(hv_boot_verdict "$log" "$rc" "$TMO")
  if [ -z "$why" ]; then pass front/final-state-no-leak
  else fail "front/final-state-no-leak: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi
}
want() { case " ${IO_BOOTS:-boot crash front} " in *" $1 "*) ;; *) return 1 ;; esac; }
if want boot; then boot boot; first_checks; fi
if want crash; then boot crash "pvio.mode=crash pvio.cycles=0"; crash_checks; fi
if want front; then
  TMO=${IO_FRONT_TMO:-900}             # 100 cycles take about 200 s under TCG
  boot front "pvtest=front0 pvio.front_cycles=${IO_FRONT_CYCLES:-100}"
  clean | sed -n 's/^(d0) FRONT0-CYCLES: /    connected cycles: /p'
  front_checks
fi
exit $status
