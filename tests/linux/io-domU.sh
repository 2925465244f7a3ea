# The domU's side of `make test-io` (tests/run-io.sh, docs/io.md): xen-blkfront gets
# xvda (and a read-only xvdb) from dom0's xen-blkback. Lines "IO-..." are the results
# the runner compares with dom0's; data/io-phase tells dom0 where it is.
# ext4 asks the crypto API for crc32c through request_module, which needs /sbin/modprobe
# (this initramfs has /bin's): loaded here.
modprobe xen-blkfront; modprobe crc32c_generic; modprobe ext4
phase() { timeout 30 xenstore-write data/io-phase "$1" || echo "IO-FAIL: cannot write io-phase $1"; }
# wait_dev NAME SECONDS: until /dev/NAME is there
wait_dev() {
  n=0
  while [ ! -b "/dev/$1" ]; do
    n=$((n + 1)); [ $n -gt $(($2 * 5)) ] && { echo "IO-FAIL: no /dev/$1 after $2 s"; return 1; }
    sleep 0.2
  done
}
# wait_key KEY VALUE SECONDS: until data/KEY reads VALUE (written by dom0)
wait_key() {
  n=0
  while [ "$(timeout 10 xenstore-read "data/$1" 2>/dev/null)" != "$2" ]; do
    n=$((n + 1)); [ $n -gt $(($3 * 2)) ] && { echo "IO-FAIL: data/$1 is not $2 after $3 s"; return 1; }
    sleep 0.5
  done
}
sha() { sha256sum | cut -d' ' -f1; }

# pvio.mode=crash: crash in the middle of O_DIRECT writes (dom0 must clean up after it).
if grep -q 'pvio\.mode=crash' /proc/cmdline; then
  wait_dev xvda 240 || exit 0
  dd if=/dev/zero of=/tmp/z bs=1M count=8 2>/dev/null
  while :; do dd if=/tmp/z of=/dev/xvda bs=1M oflag=direct 2>/dev/null; done &
  phase crashing
  # crash while blkfront has writes in flight (the second field of inflight), polled with the
  # shell's own read (no fork per look) for up to 120 s
  n=0; w=0; end=$(( $(date +%s) + 120 ))
  while :; do
    read -r r w < /sys/block/xvda/inflight; [ "$w" -gt 0 ] && break
    n=$((n + 1)); [ $((n % 200)) -eq 0 ] && [ "$(date +%s)" -ge "$end" ] && break
  done
  if [ "$w" -eq 0 ]; then   # why: is the writer writing at all, and where does it wait?
    echo "IO-CRASH-DIAG: $n looks; inflight $(cat /sys/block/xvda/inflight); stat $(cat /sys/block/xvda/stat)"
    for p in /proc/[0-9]*; do
      grep -q '^Name:.*dd$' "$p/status" 2>/dev/null || continue
      echo "IO-CRASH-DIAG: dd ${p#/proc/} $(grep '^State' "$p/status") wchan $(cat "$p/wchan" 2>/dev/null)"
      sed 's/^/IO-CRASH-DIAG:   /' "$p/stack" 2>/dev/null | head -12
    done
  fi
  echo "IO-CRASHING: $w writes in flight"
  echo c > /proc/sysrq-trigger
fi
if wait_dev xvda 240; then
  echo "IO-XVDA: $(cat /sys/block/xvda/size) sectors"
  # 11 segments a request without indirect descriptors; more with them
  echo "IO-XVDA-MAX-SEGMENTS: $(cat /sys/block/xvda/queue/max_segments)"
  dd if=/dev/urandom of=/tmp/a bs=1M count=32 2>/dev/null
  dd if=/dev/urandom of=/tmp/b bs=1M count=16 2>/dev/null
  dd if=/tmp/a of=/dev/xvda bs=1M oflag=direct 2>/dev/null || echo "IO-FAIL: O_DIRECT write"
  dd if=/tmp/b of=/dev/xvda bs=1M seek=32 2>/dev/null || echo "IO-FAIL: page-cache write"
  sync
  echo "IO-SHA-DIRECT: $(sha < /tmp/a)"
  echo "IO-SHA-CACHED: $(sha < /tmp/b)"
  echo 3 > /proc/sys/vm/drop_caches
  back=$(dd if=/dev/xvda bs=1M count=48 iflag=direct 2>/dev/null | sha)
  [ "$back" = "$(cat /tmp/a /tmp/b | sha)" ] && echo "IO-READBACK: ok" || echo "IO-READBACK: differs"
fi
# The read-only disk: a write must fail (dom0 checks its image is unchanged).
if wait_dev xvdb 60; then
  echo "IO-XVDB-RO: $(cat /sys/block/xvdb/ro)"
  if err=$(dd if=/dev/urandom of=/dev/xvdb bs=4k count=1 oflag=direct 2>&1); then
    echo "IO-RO-WRITE: accepted"
  else
    echo "IO-RO-WRITE: refused: $(echo "$err" | head -1)"
  fi
  [ "$(dd if=/dev/xvdb bs=1M count=8 iflag=direct 2>/dev/null | sha)" != "" ] && echo "IO-RO-READ: ok"
fi
phase written
# dom0 detaches xvda, checks the image, attaches it again.
if wait_key io-dom0 reattached 240 && wait_dev xvda 120; then
  echo "IO-REATTACH-SHA: $(dd if=/dev/xvda bs=1M count=32 iflag=direct 2>/dev/null | sha)"
  if command -v mkfs.ext2 > /dev/null; then
    mkdir -p /mnt
    fs=ok
    mkfs.ext2 -q -F /dev/xvda > /tmp/mkfs.log 2>&1 || { fs="mkfs failed"; cat /tmp/mkfs.log; }
    [ "$fs" = ok ] && { e2fsck -fn /dev/xvda > /tmp/fsck.log 2>&1 || { fs="fsck after mkfs failed"; cat /tmp/fsck.log; }; }
    [ "$fs" = ok ] && { mount -t ext4 /dev/xvda /mnt && cp /tmp/b /mnt/b && umount /mnt || fs="first mount failed"; }
    [ "$fs" = ok ] && { mount -t ext4 /dev/xvda /mnt && [ "$(sha < /mnt/b)" = "$(sha < /tmp/b)" ] || fs="file differs after remount"; umount /mnt 2>/dev/null; }
    [ "$fs" = ok ] && { e2fsck -fn /dev/xvda > /tmp/fsck.log 2>&1 || { fs="fsck after remount failed"; cat /tmp/fsck.log; }; }
    echo "IO-FS: $fs"
    echo "IO-FILE-SHA: $(sha < /tmp/b)"
  fi
fi
sync
phase done
# dom0 detaches xvda while this domain still runs (a clean close), then says so.
wait_key io-dom0 detached 120
# A detach while I/O runs (issue 15, "Faults"): a reader keeps xvdb busy with O_DIRECT reads
# while dom0 detaches it. Linux 6.1's blkfront closes anyway (the disk is marked dead): the
# reads in flight and after end with an error, nothing hangs, and this domain goes on.
if [ -b /dev/xvdb ]; then
  ( p=0; while dd if=/dev/xvdb of=/dev/null bs=64k iflag=direct 2>/tmp/rderr; do
      p=$((p + 1)); echo $p > /tmp/rdpass; done
    echo stopped > /tmp/rdend ) &
  n=0; while [ ! -s /tmp/rdpass ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
  echo "IO-BUSY-READING: $(cat /tmp/rdpass 2>/dev/null || echo 0) passes, $([ -f /tmp/rdend ] && echo stopped || echo running)"
  phase busy
  if wait_key io-dom0 busy-detached 120; then
    n=0; while [ ! -f /tmp/rdend ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
    [ -f /tmp/rdend ] && echo "IO-BUSY-READER: stopped: $(grep -v records /tmp/rderr | tail -1)" ||
      echo "IO-BUSY-READER: still running"
  fi
  phase busy-checked
  # dom0 attaches xvdb again (the monitor's destroy must remove it after the power-off).
  wait_dev xvdb 60 && echo "IO-BUSY-REATTACHED: $(dd if=/dev/xvdb bs=1M count=8 iflag=direct 2>/dev/null | sha)"
fi
