# netbench-dom0.sh: dom0's side of `make bench-net` (bench/net.sh), pvtest=netbench0, the
# same on our hypervisor and on the real Xen 4.17 (pvctl, xenstore-lite and pvconsoled as
# the toolstack on both, started by /init's dom0-xenstored.sh). Makes the bridge pvbr0 with
# no NIC (10.0.0.1/24: guest traffic stays inside dom0), `pvctl create`s two domUs nb1
# (10.0.0.11, measures) and nb2 (10.0.0.12, serves) from /etc/pvctl/linux (the stock
# kernel and the initramfs plus bench/net.sh's archive), pvnb.mem MiB, 1 vCPU,
# vif = [ 'bridge=pvbr0' ] (xen-netback's vifN.0 on the bridge), relays their consoles as
# "[nbN] ..." lines (their BENCH lines, netbench-domU.sh). Step 1, nb1 alone running: nb1's
# dom0 figures, then dom0 times domU -> dom0 itself:
#   BENCH tput-domU-dom0 MIBS   wget of nb1's file in dom0 (nb1 sends, dom0 receives)
# step 2: nb2 unpaused, nb1's domU -> domU figures; then both destroyed, NETBENCH-DONE.
# (Two steps so that the dom0 figures do not depend on a second domU running: on the real
# Xen under TCG, processes in all three domains died of segfaults once both domUs ran.)
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
arg() { sed -n "s/.*pvnb\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mib=$(arg mib); mib=${mib:-32}; mem=$(arg mem); mem=${mem:-256}
dbg=; [ "$(arg debug)" = 1 ] && dbg=" earlyprintk=xen loglevel=7"   # pvnb.debug=1: the domUs' early boot
up() { cut -d' ' -f1 /proc/uptime; }
domid() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n 's/.*"domid": \([0-9]*\).*/\1/p'; }
phase_of() { xenstore-read "/local/domain/$1/data/nb-phase" 2>/dev/null; }
wait_phase() {   # domid phase seconds [console log: give up early when /init went wrong]
  n=0; while [ "$(phase_of "$1")" != "$2" ]; do
    [ -n "${4:-}" ] && grep -aqE 'Segmentation fault|as a PV guest|Kernel panic' "$4" 2>/dev/null &&
      { echo "NETBENCH-FAIL: d$1: its /init went wrong"; return 1; }
    n=$((n + 1)); [ $n -gt $(($3 * 2)) ] && { echo "NETBENCH-FAIL: d$1's phase is '$(phase_of "$1")', not $2, after $3 s"; return 1; }
    sleep 0.5
  done
}
finish() { for g in nb1 nb2 nb1r nb2r; do pvctl destroy $g > /dev/null 2>&1; done; echo "NETBENCH-DONE"; exit 0; }
diag() {   # what there is to see when a domU does not get ready
  pvctl list 2>&1 | sed 's/^/NETBENCH-DIAG: /'
  for g in nb1 nb2 nb1r nb2r; do tail -n 60 /var/log/pvctl/guest-$g.log 2>&1 | sed "s/^/NETBENCH-DIAG: $g log: /"; done
  ls /var/log/pvctl 2>&1 | sed 's/^/NETBENCH-DIAG: logs: /'
  ping -c 2 -W 2 10.0.0.11 2>&1 | tail -2 | sed 's/^/NETBENCH-DIAG: /'
  xenstore-ls /local/domain/0/backend/vif 2>&1 | grep -E 'state|hotplug' | sed 's/^/NETBENCH-DIAG: /'
}
echo "NETBENCH-DOM0: $(uname -r) on $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)$(cat /sys/hypervisor/version/extra 2>/dev/null), $mib MiB transfers, domUs $mem MiB"
modprobe bridge; modprobe xen-netback
ip link set lo up
brctl addbr pvbr0 || echo "NETBENCH-FAIL: no bridge"
# no STP (the kernel's default) and no forwarding delay (busybox brctl has no stp command)
echo 0 > /sys/class/net/pvbr0/bridge/stp_state; echo 0 > /sys/class/net/pvbr0/bridge/forward_delay
ip addr add 10.0.0.1/24 dev pvbr0; ip link set pvbr0 up
K=/etc/pvctl/linux
avail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo | awk '{ printf "%d MiB", $1 / 1024 }'; }
# Both domUs are created (paused) before dom0 fills its tmpfs and before either runs: on the
# real Xen, pvctl's xz unpacking of the second kernel failed (liblzma out of memory, reported
# as "corrupt or unsupported xz payload") once the first domU was running and the file made.
create_dom() {   # NAME i: created paused, its console relayed; 1 if pvctl create failed
  role=a; [ $2 = 2 ] && role=b
  cat > /tmp/$1.cfg <<CFG
name = "$1"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = $mem
vcpus = 1
extra = "console=hvc0 loglevel=4$dbg pvtest=netbench pvnb.ip=10.0.0.1$2 pvnb.peer=10.0.0.1$((3 - $2)) pvnb.role=$role pvnb.mib=$mib"
vif = [ 'mac=00:16:3e:4e:42:0$2,bridge=pvbr0' ]
on_poweroff = "destroy"
on_crash = "preserve"
CFG
  echo "NETBENCH-DOM0-MEM: $(avail) available before creating $1"
  t0=$(up)
  if pvctl create /tmp/$1.cfg -p > /tmp/create-$1.out 2>&1; then
    echo "NETBENCH-CREATE: $1 id $(domid $1) in $(awk -v a="$t0" -v z="$(up)" 'BEGIN { printf "%.2f", z - a }') s"
  else echo "NETBENCH-FAIL: create $1: $(tr '\n' ' ' < /tmp/create-$1.out)"; return 1; fi
  # its console: pvconsoled's log of it (guest-NAME.log), relayed from its first line
  (n=0; while [ ! -e /var/log/pvctl/guest-$1.log ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
   tail -n +1 -f /var/log/pvctl/guest-$1.log | while IFS= read -r l; do echo "[$1] $l"; done) &
  sleep 0.5
}
ready() {   # i: nb$i ready, or destroyed and made once more (nb${i}r) and ready; sets d
  d=$(domid nb$1); lg=/var/log/pvctl/guest-nb$1.log
  wait_phase "$d" ready 240 $lg && return 0
  echo "NETBENCH-RETRY: nb$1: $(grep -a -m 3 -iE 'segfault|segmentation|panic|oops|NETBENCH-FAIL' /var/log/pvctl/guest-nb$1.log | tr '\n' ' ')"
  pvctl destroy nb$1
  create_dom nb${1}r $1 || return 1
  pvctl unpause nb${1}r; d=$(domid nb${1}r); lg=/var/log/pvctl/guest-nb${1}r.log
  wait_phase "$d" ready 240 $lg || { diag; return 1; }
}
# Both created (paused) first; nb2 runs only for step 2. A domU that does not get ready is
# destroyed and made once more as nbNr (NETBENCH-RETRY, counted by bench/net.sh).
create_dom nb1 1 && create_dom nb2 2 || finish
echo "NETBENCH-DOM0-MEM: $(avail) available after the creates"
pvctl unpause nb1
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/d.bin bs=1M count="$mib" 2>/dev/null
httpd -p 8080 -h /tmp/www || echo "NETBENCH-FAIL: httpd did not start"
# step 1: nb1 and dom0
ready 1 || finish; d1=$d; l1=$lg
xenstore-write "/local/domain/$d1/data/nb-go" 1
wait_phase "$d1" measured1 300 || { diag; finish; }
ping -c 3 -i 0.2 -W 5 10.0.0.11 > /dev/null 2>&1
t0=$(up); b=$(timeout 600 wget -q -O - "http://10.0.0.11:8080/d.bin" | wc -c); t1=$(up)
if [ "$b" = $((mib * 1048576)) ]; then
  echo "BENCH tput-domU-dom0 $(awk -v b="$b" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b / 1048576 / (z - a) }')"
else echo "NETBENCH-FAIL: tput-domU-dom0: $b bytes of $((mib * 1048576))"; fi
# step 2: nb1 and nb2, through dom0's bridge
pvctl unpause nb2
ready 2 || { echo "NETBENCH-FAIL: domU-domU: the second domU did not get ready"; finish; }
echo "NETBENCH-BRIDGE: pvbr0 holds $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
xenstore-write "/local/domain/$d1/data/nb-go" 2
wait_phase "$d1" measured2 300 || { diag; finish; }
finish
