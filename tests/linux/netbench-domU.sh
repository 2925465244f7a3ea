# netbench-domU.sh: a domU of `make bench-net` (bench/net.sh; dom0: netbench-dom0.sh),
# pvtest=netbench. xen-netfront's eth0 on dom0's bridge pvbr0 with a static address
# (pvnb.ip=A, /24), a busybox httpd serving pvnb.mib MiB of random data (/d.bin, tmpfs);
# then data/nb-phase=ready. The measuring domU (pvnb.role=a) waits for dom0's data/nb-go,
# then, timed here with /proc/uptime (10 ms steps; transfers take seconds), prints
#   BENCH tput-dom0-domU MIBS   wget of dom0's file (dom0 sends, this domU receives)
#   BENCH tput-domU-domU MIBS   wget of the peer domU's file (pvnb.peer=B)
#   BENCH rtt-domU-dom0 MS      ping -c 20 -i 0.2 dom0, the average round trip
#   BENCH rtt-domU-domU MS      the same to the peer
# (after a ping -c 3 warm-up: ARP, the bridge's forwarding table), byte counts checked,
# in two steps: the dom0 figures at data/nb-go=1 (then data/nb-phase=measured1), the peer
# ones at data/nb-go=2, once dom0 has the peer running (then measured2). Both domUs then
# wait (dom0 measures domU -> dom0 between the steps, and destroys them at the end). Lines go to the console (hvc0), relayed by dom0 as "[nbN] ..." lines.
modprobe xen-netfront
arg() { sed -n "s/.*pvnb\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
ip=$(arg ip); peer=$(arg peer); role=$(arg role); mib=$(arg mib); mib=${mib:-32}
d0=10.0.0.1
phase() { timeout 30 xenstore-write data/nb-phase "$1" || echo "NETBENCH-FAIL: cannot write nb-phase $1"; }
up() { cut -d' ' -f1 /proc/uptime; }
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 1200 ]; do sleep 0.2; n=$((n+1)); done
[ -e /sys/class/net/eth0 ] || { echo "NETBENCH-FAIL: no eth0 after 240 s"; phase failed; exec sleep 100000; }
ip link set lo up; ip addr add "$ip/24" dev eth0; ip link set eth0 up
# netfront's carrier comes once netback is Connected.
n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 600 ]; do sleep 0.2; n=$((n+1)); done
echo "NETBENCH-DOMU: eth0 $ip carrier $(cat /sys/class/net/eth0/carrier 2>/dev/null) mtu $(cat /sys/class/net/eth0/mtu)"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/d.bin bs=1M count="$mib" 2>/dev/null
httpd -p 8080 -h /tmp/www || echo "NETBENCH-FAIL: httpd did not start"
phase ready
[ "$role" = a ] || exec sleep 100000
go() {   # until dom0 writes data/nb-go = $1
  n=0; while [ "$(timeout 10 xenstore-read data/nb-go 2>/dev/null)" != "$1" ] && [ $n -lt 1200 ]; do sleep 0.5; n=$((n+1)); done
}
fetch() {   # figure URL: timed here, the receiving side
  t0=$(up); b=$(timeout 600 wget -q -O - "$2" | wc -c); t1=$(up)
  if [ "$b" = $((mib * 1048576)) ]; then
    echo "BENCH $1 $(awk -v b="$b" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b / 1048576 / (z - a) }')"
  else echo "NETBENCH-FAIL: $1: $b bytes of $((mib * 1048576))"; fi
}
rtt() {     # figure HOST: busybox's "round-trip min/avg/max = a/b/c ms", the average
  r=$(ping -c 20 -i 0.2 -W 5 "$2" 2>&1 | sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
  [ -n "$r" ] && echo "BENCH $1 $r" || echo "NETBENCH-FAIL: $1: no ping summary"
}
# 1: with dom0 (the peer domU is not running yet)
go 1
ping -c 3 -i 0.2 -W 5 $d0 > /dev/null 2>&1
fetch tput-dom0-domU "http://$d0:8080/d.bin"
rtt rtt-domU-dom0 $d0
phase measured1
# 2: with the peer, once dom0 has it running and ready
go 2
ping -c 3 -i 0.2 -W 5 "$peer" > /dev/null 2>&1
fetch tput-domU-domU "http://$peer:8080/d.bin"
rtt rtt-domU-domU "$peer"
phase measured2
exec sleep 100000
