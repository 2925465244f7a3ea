# Dom0's side of make test-io's boot 'front' (tests/run-io.sh, docs/split-drivers.md): the
# hostile front end and the connected lifecycle, with the pvfront test guest
# (tests/guests/pvfront: its own minimal blkfront and netfront) made by pvctl.
#  1. A well-behaved pvfront ("benign": xvda + vif 0) writes and reads back 8 MiB of a known
#     pattern and sends 64 frames while a hostile one (xvda + vifs 0 and 1) attacks blkback
#     and netback. Dom0's kernel must log the fatal ones, the benign guest's data must be on
#     its image byte for byte (pvfront-pattern), its frames must have arrived on its vif, and
#     once both are gone nothing is left: frames, event channels, loop devices, vifs, nodes.
#  2. pvio.front_cycles=N (default 100) cycles: create (disk + vif) -> the guest connects
#     both, writes, reads back and sends a frame -> destroy while connected; then the same
#     leak checks. Prints "FRONT0-..." lines.
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
modprobe xen-blkback; modprobe xen-netback; modprobe loop; modprobe bridge
brctl addbr pvbr0 && ip link set pvbr0 up        # a bridge of the vifs alone (no NIC needed)
sha() { sha256sum | cut -d' ' -f1; }
free_pages() { pvctl info | sed -n 's/^free_pages *: //p'; }
evtchns() { pvctl info | sed -n 's/^dom0_evtchn_ports *: //p'; }
domid() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n 's/.*"domid": \([0-9]*\).*/\1/p'; }
loops() { losetup -a 2>/dev/null | wc -l; }
vifs() { ls /sys/class/net | grep -c '^vif'; }
# xenstore's paths, less /vm and the backend/vbd and backend/vif directories pvctl makes once and
# keeps (as xl does): a device's nodes below them count
xspaths() { xenstore-ls -f / 2>/dev/null | sed 's/ = .*//' | grep -vxE '/vm|/local/domain/0/backend(/vbd|/vif)?'; }
xsnodes() { xspaths | wc -l; }
be_nodes() { xenstore-ls /local/domain/0/backend 2>/dev/null | grep -c '^  '; }
state() { echo "$(free_pages) $(evtchns) $(loops) $(vifs) $(be_nodes) $(xsnodes)"; }
wait_for() {   # CMD WANT SECONDS: until CMD prints WANT (0.2 s steps)
  n=0
  while [ "$($1)" != "$2" ]; do n=$((n + 1)); [ $n -gt $(($3 * 5)) ] && return 1; sleep 0.2; done
}
# until data/pvfront of domain $1 is set (its value), SECONDS at most
wait_result() {
  n=0
  until v=$(xenstore-read "/local/domain/$1/data/pvfront" 2>/dev/null); do
    n=$((n + 1)); [ $n -gt $(($2 * 10)) ] && { echo timeout; return 1; }
    sleep 0.1
  done
  echo "$v"
}
leaks() {   # TAG BASELINE: what differs from the baseline state, or "none"
  if wait_for state "$2" 30; then echo "FRONT0-$1-LEAKS: none"
  else
    echo "FRONT0-$1-LEAKS: free evtchn loops vifs be-nodes xs-nodes: $(state), baseline $2"
    xspaths | sort > /tmp/xs.now; sort /tmp/xs.base | diff - /tmp/xs.now | grep '^[-+]/' | head -20
  fi
}
cat > /tmp/pvfront.cfg <<'CFG'
name = "pvf"
kernel = "/etc/pvctl/pvfront.elf"
memory = 8
vcpus = 1
extra = "mode=io"
on_poweroff = "destroy"
on_crash = "destroy"
CFG
dd if=/dev/zero of=/tmp/benign.img bs=1M count=8 2>/dev/null
dd if=/dev/zero of=/tmp/hostile.img bs=1M count=4 2>/dev/null
dd if=/dev/zero of=/tmp/cyc.img bs=1M count=1 2>/dev/null
n=0; while [ "$(free_pages)" != "$(sleep 1; free_pages)" ] && [ $n -lt 10 ]; do n=$((n + 1)); done
base=$(state); xspaths > /tmp/xs.base

# --- 1. the hostile front end, next to a benign one ---
pvctl create /tmp/pvfront.cfg name=benign "extra=mode=io rounds=256 frames=64 seed=7 end=wait" \
  "disk=['file:/tmp/benign.img,xvda,w']" "vif=['bridge=pvbr0']" > /tmp/b.out 2>&1 || cat /tmp/b.out
pvctl create /tmp/pvfront.cfg name=hostile "extra=mode=hostile seed=9" \
  "disk=['file:/tmp/hostile.img,xvda,w']" "vif=['bridge=pvbr0', 'bridge=pvbr0']" > /tmp/h.out 2>&1 || cat /tmp/h.out
b=$(domid benign); h=$(domid hostile)
echo "FRONT0-CREATED: benign ${b:-none} hostile ${h:-none}"
echo "FRONT0-BENIGN: $(wait_result "$b" 300)"
echo "FRONT0-BENIGN-FRAMES: $(cat /sys/class/net/vif$b.0/statistics/rx_packets 2>&1)"
pvctl destroy benign
want=$(pvfront-pattern 7 16384 | sha)
[ "$(sha < /tmp/benign.img)" = "$want" ] && echo "FRONT0-BENIGN-DATA: match" || echo "FRONT0-BENIGN-DATA: differs"
wait_for "domid hostile" "" 300 && echo "FRONT0-HOSTILE: gone" || { echo "FRONT0-HOSTILE: still there"; pvctl destroy hostile; }
dmesg > /tmp/dmesg
for m in "bogus ring requests" "Cross page boundary" "Impossible number of requests" "fatal error; disabling device"; do
  echo "FRONT0-LOG: $m: $(grep -c "$m" /tmp/dmesg)"
done
leaks HOSTILE "$base"

# --- 2. connected create -> I/O -> destroy cycles ---
N=$(sed -n 's/.*pvio\.front_cycles=\([0-9]*\).*/\1/p' /proc/cmdline); N=${N:-100}
base=$(state); xspaths > /tmp/xs.base; ok=0; errs=0
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  if ! pvctl create /tmp/pvfront.cfg name=cyc "extra=mode=io rounds=1 frames=1 seed=$i end=wait" \
       "disk=['file:/tmp/cyc.img,xvda,w']" "vif=['bridge=pvbr0']" > /tmp/c.out 2>&1; then
    errs=$((errs + 1)); echo "FRONT0-CYCLE $i: create: $(tail -1 /tmp/c.out)"; continue
  fi
  r=$(wait_result "$(domid cyc)" 60)
  [ "$r" = ok ] && ok=$((ok + 1)) || echo "FRONT0-CYCLE $i: $r"
  pvctl destroy cyc || errs=$((errs + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "FRONT0-CYCLES: $ok of $N connected, errors $errs, $(echo "$t0 $t1" | awk '{ printf "%.0f ms each", ($2 - $1) * 1000 / '"$N"' }')"
[ "$(pvfront-pattern "$N" 64 | sha)" = "$(dd if=/tmp/cyc.img bs=32k count=1 2>/dev/null | sha)" ] &&
  echo "FRONT0-CYCLES-DATA: the last cycle's data is on the image" || echo "FRONT0-CYCLES-DATA: differs"
leaks CYCLES "$base"
echo "FRONT0-DONE"
