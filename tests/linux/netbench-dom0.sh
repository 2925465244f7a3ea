# netbench-dom0.sh: dom0's side of `make bench-net` (bench/net.sh), pvtest=netbench0, the
# same on our hypervisor and on the real Xen 4.17 (pvctl, xenstore-lite and pvconsoled as
# the toolstack on both, started by /init's dom0-xenstored.sh). Makes the bridge pvbr0 with
# no NIC (10.0.0.1/24: guest traffic stays inside dom0), `pvctl create`s two domUs nb1
# (10.0.0.11, measures) and nb2 (10.0.0.12, serves) from /etc/pvctl/linux (the stock
# kernel and the initramfs plus bench/net.sh's archive), pvnb.mem MiB, 1 vCPU,
# vif = [ 'bridge=pvbr0' ] (xen-netback's vifN.0 on the bridge), relays their consoles as
# "[nbN] ..." lines (their BENCH lines, netbench-domU.sh), and times domU -> dom0 itself:
#   BENCH tput-domU-dom0 MIBS   wget of nb1's file in dom0 (nb1 sends, dom0 receives)
# then destroys both and prints NETBENCH-DONE.
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
arg() { sed -n "s/.*pvnb\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mib=$(arg mib); mib=${mib:-32}; mem=$(arg mem); mem=${mem:-256}
up() { cut -d' ' -f1 /proc/uptime; }
domid() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n 's/.*"domid": \([0-9]*\).*/\1/p'; }
phase_of() { xenstore-read "/local/domain/$1/data/nb-phase" 2>/dev/null; }
wait_phase() {   # domid phase seconds
  n=0; while [ "$(phase_of "$1")" != "$2" ]; do
    n=$((n + 1)); [ $n -gt $(($3 * 2)) ] && { echo "NETBENCH-FAIL: d$1's phase is '$(phase_of "$1")', not $2, after $3 s"; return 1; }
    sleep 0.5
  done
}
finish() { for g in nb1 nb2; do pvctl destroy $g > /dev/null 2>&1; done; echo "NETBENCH-DONE"; exit 0; }
echo "NETBENCH-DOM0: $(uname -r) on $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)$(cat /sys/hypervisor/version/extra 2>/dev/null), $mib MiB transfers, domUs $mem MiB"
modprobe bridge; modprobe xen-netback
ip link set lo up
brctl addbr pvbr0 || echo "NETBENCH-FAIL: no bridge"
# no STP (the kernel's default) and no forwarding delay (busybox brctl has no stp command)
echo 0 > /sys/class/net/pvbr0/bridge/stp_state; echo 0 > /sys/class/net/pvbr0/bridge/forward_delay
ip addr add 10.0.0.1/24 dev pvbr0; ip link set pvbr0 up
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/d.bin bs=1M count="$mib" 2>/dev/null
httpd -p 8080 -h /tmp/www || echo "NETBENCH-FAIL: httpd did not start"
K=/etc/pvctl/linux
for i in 1 2; do
  role=a; [ $i = 2 ] && role=b
  cat > /tmp/nb$i.cfg <<CFG
name = "nb$i"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = $mem
vcpus = 1
extra = "console=hvc0 loglevel=4 pvtest=netbench pvnb.ip=10.0.0.1$i pvnb.peer=10.0.0.1$((3 - i)) pvnb.role=$role pvnb.mib=$mib"
vif = [ 'mac=00:16:3e:4e:42:0$i,bridge=pvbr0' ]
on_poweroff = "destroy"
on_crash = "preserve"
CFG
  t0=$(up)
  if pvctl create /tmp/nb$i.cfg -p > /tmp/create$i.out 2>&1; then
    echo "NETBENCH-CREATE: nb$i id $(domid nb$i) in $(awk -v a="$t0" -v z="$(up)" 'BEGIN { printf "%.2f", z - a }') s"
  else echo "NETBENCH-FAIL: create nb$i: $(tr '\n' ' ' < /tmp/create$i.out)"; finish; fi
  pvctl console -l nb$i 2>&1 | while IFS= read -r l; do echo "[nb$i] $l"; done &
  sleep 0.5
  pvctl unpause nb$i
done
d1=$(domid nb1); d2=$(domid nb2)
wait_phase "$d1" ready 400 && wait_phase "$d2" ready 400 || finish
echo "NETBENCH-BRIDGE: pvbr0 holds $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
xenstore-write "/local/domain/$d1/data/nb-go" 1
wait_phase "$d1" measured 900 || finish
ping -c 3 -i 0.2 -W 5 10.0.0.11 > /dev/null 2>&1
t0=$(up); b=$(timeout 600 wget -q -O - "http://10.0.0.11:8080/d.bin" | wc -c); t1=$(up)
if [ "$b" = $((mib * 1048576)) ]; then
  echo "BENCH tput-domU-dom0 $(awk -v b="$b" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b / 1048576 / (z - a) }')"
else echo "NETBENCH-FAIL: tput-domU-dom0: $b bytes of $((mib * 1048576))"; fi
finish
