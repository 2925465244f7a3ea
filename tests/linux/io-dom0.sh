# Dom0's side of `make test-io` (tests/run-io.sh, docs/io.md). `pvctl create` makes the
# domU io1 (the stock kernel, pvtest=io) with disk= [ xvda: a 64 MiB file, writable;
# xvdb: an 8 MiB one, read-only ], served by xen-blkback; pvctl block-attach/-detach/-list
# on the running guest; bad disk specs and refused attachments leave nothing behind; the
# dead domU's disks are cleaned up by pvctl's monitor; then LIFECYCLE_CYCLES create->destroy
# cycles of a test guest with a disk. Prints "IO0-..." lines; the domU's console is relayed
# as "[domU] IO-..." lines, which the runner compares.
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
sha() { sha256sum | cut -d' ' -f1; }
free_pages() { pvctl info | sed -n 's/^free_pages *: //p'; }
evtchns() { pvctl info | sed -n 's/^dom0_evtchn_ports *: //p'; }
ndomains() { pvctl list --json | grep -c '"domid"'; }
domid() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n 's/.*"domid": \([0-9]*\).*/\1/p'; }
loops() { losetup -a 2>/dev/null | wc -l; }
be_nodes() { xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | wc -l; }
xsnodes() { xenstore-ls / 2>/dev/null | wc -l; }
# until CMD prints WANT, SECONDS at most (0.2 s steps)
wait_for() {
  n=0
  while [ "$($1)" != "$2" ]; do n=$((n + 1)); [ $n -gt $(($3 * 5)) ] && return 1; sleep 0.2; done
}
wait_phase() {
  n=0
  while [ "$(xenstore-read "/local/domain/$dom/data/io-phase" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); [ $n -gt $(($2 * 2)) ] && { echo "IO0-FAIL: domU phase is not $1 after $2 s"; return 1; }
    sleep 0.5
  done
}
img=/tmp/io.img; ro=/tmp/ro.img; K=/etc/pvctl/linux
dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
dd if=/dev/urandom of=$ro bs=1M count=8 2>/dev/null
dd if=/dev/zero of=/tmp/other.img bs=1M count=1 2>/dev/null
ro_sha=$(sha < $ro)
h=ok
for c in block-attach block-detach block-list; do pvctl $c --help 2>&1 | grep -q "^usage: pvctl $c" || h="no usage from $c --help"; done
echo "IO0-HELP: $h"
extra="console=hvc0 loglevel=4 pvtest=io"
grep -q 'pvio\.mode=crash' /proc/cmdline && extra="$extra pvio.mode=crash"
cat > /tmp/io1.cfg <<EOF
name = "io1"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 256
extra = "$extra"
disk = [ 'file:$img,xvda,w',
         'format=raw, vdev=xvdb, access=ro, target=$ro' ]
EOF
if pvctl create /tmp/io1.cfg -p > /tmp/create.out 2>&1; then echo "IO0-CREATE: ok"; else echo "IO0-CREATE: failed"; cat /tmp/create.out; fi
dom=$(domid io1); echo "IO0-DOMID: $dom"
be=/local/domain/0/backend/vbd/$dom; fe=/local/domain/$dom/device/vbd
[ "$(xenstore-read $be/51712/params)" = $img ] && [ "$(xenstore-read $be/51712/mode)" = w ] && echo "IO0-ATTACH: xvda ok"
[ "$(xenstore-read $be/51728/params)" = $ro ] && [ "$(xenstore-read $be/51728/mode)" = r ] && echo "IO0-ATTACH: xvdb ok"
[ "$(xenstore-read $fe/51712/backend)" = $be/51712 ] && echo "IO0-FRONTEND: xvda ok"

# --- refusals, while io1 is paused (no I/O: free pages stay put) ---
doms=$(ndomains); free=$(free_pages); nloops=$(loops); nbe=$(be_nodes)
counts() { echo "$(ndomains) $(free_pages) $(loops) $(be_nodes)"; }
nothing_left() {   # NAME: no domain, page, loop device or backend node more than before
  # (a loop device blkback had opened is freed at its last close, a moment after the nodes go)
  if wait_for counts "$doms $free $nloops $nbe" 10; then echo "IO0-NOTHING-LEFT: $1"
  else echo "IO0-LEFT-BEHIND: $1: $(ndomains) domains, free $(free_pages)/$free, loops $(loops)/$nloops, nodes $(be_nodes)/$nbe"; fi
}
# One writer per image: io1's images again, even read-only, or its read-only one writable.
pvctl block-attach io1 "file:$img,xvdc,r" 2>/tmp/err && echo "IO0-DOUBLE-ATTACH: accepted" || echo "IO0-DOUBLE-ATTACH: refused: $(cat /tmp/err)"
pvctl block-attach io1 "$ro,,xvdc,w" 2>/tmp/err && echo "IO0-DOUBLE-ATTACH-RO: accepted" || echo "IO0-DOUBLE-ATTACH-RO: refused: $(cat /tmp/err)"
nothing_left double-attach
# A bad spec: refused by the parser with its line number, before any domain exists.
printf '%s\n' 'name = "bad"' 'kernel = "/etc/pvctl/toolstack-guest.elf"' 'memory = 8' \
  "disk = [ '/tmp/other.img,,xvda',"  "         '/tmp/other.img,qcow2,xvdb' ]" > /tmp/bad.cfg
pvctl create /tmp/bad.cfg -p > /tmp/err 2>&1 && echo "IO0-BAD-SPEC: accepted" || echo "IO0-BAD-SPEC: refused: $(cat /tmp/err)"
nothing_left bad-spec
# A good first disk, a refused second (io1 writes that image): the domain and the first disk go.
pvctl create /etc/pvctl/test.cfg name=bad -p "disk=['/tmp/other.img,,xvda,w', 'file:$img,xvdb,r']" > /tmp/err 2>&1 &&
  echo "IO0-REFUSED-ATTACH: accepted" || echo "IO0-REFUSED-ATTACH: refused: $(tail -1 /tmp/err)"
nothing_left failed-attach
pvctl create /etc/pvctl/test.cfg name=bad -p "disk=['/nonexistent.img,,xvda']" > /tmp/err 2>&1 &&
  echo "IO0-MISSING-IMAGE: accepted" || echo "IO0-MISSING-IMAGE: refused: $(tail -1 /tmp/err)"
nothing_left missing-image

# --- the domU runs; its console is relayed to ours ---
pvctl console -l io1 2>&1 | while IFS= read -r l; do echo "[domU] $l"; done &
sleep 0.5
pvctl unpause io1
pvctl block-list io1 > /tmp/bl
head -1 /tmp/bl | grep -qE '^Vdev +BE +handle +state +evt-ch +ring-ref +BE-path$' && echo "IO0-BLOCK-LIST-HEADER: ok"
grep -qE "^51712 +0 +$dom +[0-9-]+ +[0-9-]+ +[0-9-]+ +$be/51712$" /tmp/bl && grep -qE "^51728 +0 +$dom " /tmp/bl &&
  echo "IO0-BLOCK-LIST: xvda xvdb" || { echo "IO0-BLOCK-LIST: wrong"; cat /tmp/bl; }

# What the two ends negotiated, and what blkback counted (before the detach).
show_vbd() {
  b=$be/51712; f=$fe/51712; st=/sys/bus/xen-backend/devices/vbd-$dom-51712/statistics
  echo "IO0-STATE: backend $(xenstore-read $b/state) frontend $(xenstore-read $f/state)"
  echo "IO0-PERSISTENT: backend $(xenstore-read $b/feature-persistent 2>&1) frontend $(xenstore-read $f/feature-persistent 2>&1)"
  echo "IO0-INDIRECT: backend $(xenstore-read $b/feature-max-indirect-segments 2>&1)"
  echo "IO0-STATS: wr_req $(cat $st/wr_req) wr_sect $(cat $st/wr_sect) rd_req $(cat $st/rd_req) rd_sect $(cat $st/rd_sect) oo_req $(cat $st/oo_req) f_req $(cat $st/f_req)"
  pvctl block-list io1 | sed 's/^/IO0-BLOCK-LIST-CONNECTED: /'
}
gone_and_clean() {   # SECONDS: the domU is gone; its disks' nodes and loop devices with it
  wait_for "domid io1" "" "$1" && echo "IO0-DOMU-GONE: ok" || echo "IO0-DOMU-GONE: $(pvctl list)"
  wait_for loops 0 20 && echo "IO0-LOOPS: none left" || { echo "IO0-LOOPS: left:"; losetup -a; }
  echo "IO0-BACKEND-NODES: $(be_nodes)"
  echo "IO0-FRONTEND-NODES: $(xenstore-ls /local/domain/$dom 2>/dev/null | wc -l)"
}
# pvio.mode=crash: the domU crashes mid-I/O; pvctl's monitor (on_crash = destroy) destroys
# it and removes its disks (nodes, loop devices); blkback drops the dead domU's grants.
if grep -q 'pvio\.mode=crash' /proc/cmdline; then
  # (not wait_phase: the monitor may remove the domU, data/ and all, before a poll sees it)
  gone_and_clean 400
  echo "IO0-DONE"
  exit 0
fi
if wait_phase written 400; then
  show_vbd
  pvctl block-detach io1 xvda; echo "IO0-DETACH: rc $?"
  pvctl block-detach io1 51728; echo "IO0-DETACH-RO: rc $?"
  echo "IO0-SHA-DIRECT: $(dd if=$img bs=1M count=32 2>/dev/null | sha)"
  echo "IO0-SHA-CACHED: $(dd if=$img bs=1M skip=32 count=16 2>/dev/null | sha)"
  [ "$(sha < $ro)" = "$ro_sha" ] && echo "IO0-RO-IMAGE: unchanged" || echo "IO0-RO-IMAGE: changed"
  [ "$(loops)" = 0 ] && echo "IO0-LOOPS-AFTER-DETACH: none left" || { echo "IO0-LOOPS-AFTER-DETACH: left:"; losetup -a; }
  [ -z "$(pvctl block-list io1 | tail -n +2)" ] && echo "IO0-BLOCK-LIST-EMPTY: ok"
  pvctl block-attach io1 "file:$img,xvda,w" && pvctl block-attach io1 "$ro,raw,xvdb,ro" && echo "IO0-REATTACH: ok"
  xenstore-write "/local/domain/$dom/data/io-dom0" reattached
  if wait_phase done 400; then
    pvctl block-detach io1 xvda; echo "IO0-DETACH2: rc $?"
    xenstore-write "/local/domain/$dom/data/io-dom0" detached
    # A detach while the domU reads xvdb without pause: done (rc 0) or refused (rc 1, the
    # reason on stderr) within pvctl's timeout, never a hang; then the disk attaches again.
    if wait_phase busy 120; then
      t0=$(cut -d. -f1 /proc/uptime)
      pvctl block-detach io1 xvdb 2>/tmp/err; rc=$?
      echo "IO0-BUSY-DETACH: rc $rc in $(( $(cut -d. -f1 /proc/uptime) - t0 )) s $(cat /tmp/err)"
      [ -z "$(pvctl block-list io1 | tail -n +2)" ] && echo "IO0-BUSY-DETACH-LIST: empty"
      xenstore-write "/local/domain/$dom/data/io-dom0" busy-detached
      wait_phase busy-checked 60
      [ "$(sha < $ro)" = "$ro_sha" ] && echo "IO0-BUSY-RO-IMAGE: unchanged" || echo "IO0-BUSY-RO-IMAGE: changed"
      pvctl block-attach io1 "$ro,raw,xvdb,ro" && echo "IO0-BUSY-REATTACH: ok"
      echo "IO0-RO-SHA: $(dd if=$ro bs=1M count=8 2>/dev/null | sha)"
    fi
    if command -v e2fsck > /dev/null; then
      e2fsck -fn $img > /tmp/fsck.log 2>&1 && echo "IO0-FSCK: clean" || { echo "IO0-FSCK: errors"; cat /tmp/fsck.log; }
    fi
  fi
  # The domU powers off with xvdb still attached: the monitor's destroy removes it.
  gone_and_clean 120
fi

# --- lifecycle: create -> backend up -> destroy, LIFECYCLE_CYCLES times (docs/io.md) ---
N=$(sed -n 's/.*pvio\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); N=${N:-25}
dd if=/dev/zero of=/tmp/cyc.img bs=1M count=4 2>/dev/null
n=0; while [ "$(free_pages)" != "$(sleep 1; free_pages)" ] && [ $n -lt 10 ]; do n=$((n + 1)); done
base_free=$(free_pages); base_ev=$(evtchns); base_xs=$(xsnodes); errs=0
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt "$N" ]; do
  pvctl create /etc/pvctl/test.cfg name=cyc -p "disk=['file:/tmp/cyc.img,xvda,w']" > /tmp/out 2>/tmp/err || { errs=$((errs + 1)); cat /tmp/err; }
  c=$(sed -n 's/.*(id \([0-9]*\)).*/\1/p' /tmp/out)
  # blkback has opened the loop device and waits for a front end (InitWait)
  n=0
  until [ "$(xenstore-read /local/domain/0/backend/vbd/$c/51712/state 2>/dev/null)" = 2 ]; do
    n=$((n + 1)); [ $n -gt 200 ] && { errs=$((errs + 1)); echo "IO0-CYCLE $i: backend not InitWait"; break; }
    sleep 0.05
  done
  pvctl destroy cyc || errs=$((errs + 1))
  i=$((i + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "IO0-CYCLES: $N in $(echo "$t0 $t1" | awk '{ printf "%.1f s (%.0f ms each)", $2 - $1, ($2 - $1) * 1000 / '"$N"' }'), errors $errs"
wait_for loops 0 20 && echo "IO0-CYCLES-LOOPS: none left" || { echo "IO0-CYCLES-LOOPS: left: $(loops)"; losetup -a; }
wait_for free_pages "$base_free" 20 && echo "IO0-CYCLES-FREE-PAGES: back" || echo "IO0-CYCLES-FREE-PAGES: $(free_pages), baseline $base_free"
[ "$(evtchns)" = "$base_ev" ] && echo "IO0-CYCLES-EVTCHN: back" || echo "IO0-CYCLES-EVTCHN: $(evtchns), baseline $base_ev"
[ "$(xsnodes)" = "$base_xs" ] && [ "$(be_nodes)" = 0 ] && echo "IO0-CYCLES-XS-NODES: back" ||
  echo "IO0-CYCLES-XS-NODES: $(xsnodes), baseline $base_xs, backend $(be_nodes)"
echo "IO0-DONE"
