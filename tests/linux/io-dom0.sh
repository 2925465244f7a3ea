# Dom0's side of `make test-io` (tests/run-io.sh, docs/io.md): the domU pvio.dom=N
# (default 1) gets xvda (64 MiB file, writable) and xvdb (8 MiB, read-only) through
# dom0-tools/hotplug (vbd-attach, vbd-detach) and xen-blkback. Prints "IO0-..." lines
# the runner compares with the domU's.
dom=$(sed -n 's/.*pvio\.dom=\([0-9]*\).*/\1/p' /proc/cmdline); dom=${dom:-1}
sha() { sha256sum | cut -d' ' -f1; }
wait_phase() {
  n=0
  while [ "$(xenstore-read "/local/domain/$dom/data/io-phase" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); [ $n -gt $(($2 * 2)) ] && { echo "IO0-FAIL: domU phase is not $1 after $2 s"; return 1; }
    sleep 0.5
  done
}
img=/tmp/io.img; ro=/tmp/ro.img
dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
dd if=/dev/urandom of=$ro bs=1M count=8 2>/dev/null
ro_sha=$(sha < $ro)
vbd-attach "$dom" $img xvda w > /dev/null && echo "IO0-ATTACH: xvda ok"
vbd-attach "$dom" $ro xvdb r > /dev/null && echo "IO0-ATTACH: xvdb ok"
# One writer per image: the same image again, on another vdev, must be refused.
vbd-attach "$dom" $img xvdc r 2>/dev/null && echo "IO0-DOUBLE-ATTACH: accepted" || echo "IO0-DOUBLE-ATTACH: refused"
vbd-attach "$dom" $ro xvdc w 2>/dev/null && echo "IO0-DOUBLE-ATTACH-RO: accepted" || echo "IO0-DOUBLE-ATTACH-RO: refused"
# What the two ends negotiated, and what blkback counted (before the detach).
show_vbd() {
  be=/local/domain/0/backend/vbd/$dom/51712; fe=/local/domain/$dom/device/vbd/51712
  st=/sys/bus/xen-backend/devices/vbd-$dom-51712/statistics
  echo "IO0-STATE: backend $(xenstore-read $be/state) frontend $(xenstore-read $fe/state)"
  echo "IO0-PERSISTENT: backend $(xenstore-read $be/feature-persistent 2>&1) frontend $(xenstore-read $fe/feature-persistent 2>&1)"
  echo "IO0-INDIRECT: backend $(xenstore-read $be/feature-max-indirect-segments 2>&1)"
  echo "IO0-RING: $(xenstore-read $fe/ring-ref 2>/dev/null || xenstore-read $fe/queue-0/ring-ref 2>&1) event-channel $(xenstore-read $fe/event-channel 2>/dev/null || xenstore-read $fe/queue-0/event-channel 2>&1)"
  echo "IO0-STATS: wr_req $(cat $st/wr_req) wr_sect $(cat $st/wr_sect) rd_req $(cat $st/rd_req) rd_sect $(cat $st/rd_sect) oo_req $(cat $st/oo_req) f_req $(cat $st/f_req)"
}
# pvio.mode=crash: the domU crashes mid-I/O; its disk is detached after it (forced: nobody
# answers), the loop device is freed, and the hypervisor then reaps the domU.
if grep -q 'pvio\.mode=crash' /proc/cmdline; then
  if wait_phase crashing 400; then
    sleep 5
    vbd-detach "$dom" xvda 10; echo "IO0-CRASH-DETACH: rc $?"
    vbd-detach "$dom" xvdb 10; echo "IO0-CRASH-DETACH-RO: rc $?"
    [ -z "$(losetup -a 2>/dev/null)" ] && echo "IO0-LOOPS: none left" || { echo "IO0-LOOPS: left:"; losetup -a; }
    echo "IO0-BACKEND-NODES: $(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | wc -l)"
  fi
  echo "IO0-DONE"
  exit 0
fi
if wait_phase written 400; then
  show_vbd
  vbd-detach "$dom" xvda; echo "IO0-DETACH: rc $?"
  vbd-detach "$dom" xvdb; echo "IO0-DETACH-RO: rc $?"
  echo "IO0-SHA-DIRECT: $(dd if=$img bs=1M count=32 2>/dev/null | sha)"
  echo "IO0-SHA-CACHED: $(dd if=$img bs=1M skip=32 count=16 2>/dev/null | sha)"
  [ "$(sha < $ro)" = "$ro_sha" ] && echo "IO0-RO-IMAGE: unchanged" || echo "IO0-RO-IMAGE: changed"
  [ -z "$(losetup -a 2>/dev/null)" ] && echo "IO0-LOOPS: none left" || { echo "IO0-LOOPS: left:"; losetup -a; }
  vbd-attach "$dom" $img xvda w > /dev/null && echo "IO0-REATTACH: ok"
  xenstore-write "/local/domain/$dom/data/io-dom0" reattached
  if wait_phase done 400; then
    vbd-detach "$dom" xvda; echo "IO0-DETACH2: rc $?"
    xenstore-write "/local/domain/$dom/data/io-dom0" detached
    if command -v e2fsck > /dev/null; then
      e2fsck -fn $img > /tmp/fsck.log 2>&1 && echo "IO0-FSCK: clean" || { echo "IO0-FSCK: errors"; cat /tmp/fsck.log; }
    fi
  fi
fi
left=$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | wc -l)
echo "IO0-BACKEND-NODES: $left"
echo "IO0-DONE"
