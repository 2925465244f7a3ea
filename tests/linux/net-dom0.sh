# Dom0's side of `make test-net` (tests/run-net.sh, docs/io.md "Networks"): dom0's NIC
# (virtio-net on QEMU's user network) goes on the bridge pvbr0 (net-bridge-up), dom0 takes
# its address there by DHCP, and the domU pvnet.dom=N (default 1) gets vif N.0 on pvbr0
# (vif-attach: xen-netback's vifN.0). 64 MiB each way over the bridge, by HTTP (busybox
# httpd and wget), with sha256 on both sides; then vif-detach. Prints "NET0-..." lines the
# runner compares with the domU's; data/net-phase (the domU's) and data/net-dom0 (written
# here) keep the two in step.
dom=$(sed -n 's/.*pvnet\.dom=\([0-9]*\).*/\1/p' /proc/cmdline); dom=${dom:-1}
sha() { sha256sum | cut -d' ' -f1; }
wait_phase() {
  n=0
  while [ "$(xenstore-read "/local/domain/$dom/data/net-phase" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); [ $n -gt $(($2 * 2)) ] && { echo "NET0-FAIL: domU phase is not $1 after $2 s"; return 1; }
    sleep 0.5
  done
}
tell() { xenstore-write "/local/domain/$dom/data/$1" "$2"; }
modprobe virtio_pci; modprobe virtio_net
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
ip link set lo up
net-bridge-up pvbr0 eth0 > /dev/null && echo "NET0-BRIDGE: pvbr0 holds $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
printf '%s\n' '#!/bin/sh' '[ "$1" = bound ] || exit 0' 'ip addr add "$ip/${mask:-24}" dev "$interface"' \
  'for r in $router; do ip route add default via "$r"; break; done' > /tmp/udhcpc.sh
chmod +x /tmp/udhcpc.sh
udhcpc -i pvbr0 -n -q -t 5 -T 2 -s /tmp/udhcpc.sh > /tmp/udhcpc.out 2>&1 ||
  { echo "NET0-FAIL: DHCP on pvbr0: $(tr '\n' ' ' < /tmp/udhcpc.out)"; }
addr=$(ip -4 -o addr show dev pvbr0 | awk '{ split($4, a, "/"); print a[1]; exit }')
echo "NET0-ADDR: pvbr0 ${addr:-none}"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/d0.bin bs=1M count=64 2>/dev/null
echo "NET0-SHA-SERVED: $(sha < /tmp/www/d0.bin)"
httpd -p 8080 -h /tmp/www || echo "NET0-FAIL: httpd did not start"

# Bad input first: no such bridge, a multicast MAC, then the real attach.
vif-attach "$dom" 0 "" nobr0 2>/dev/null && echo "NET0-BAD-BRIDGE: accepted" || echo "NET0-BAD-BRIDGE: refused"
vif-attach "$dom" 0 01:16:3e:00:00:01 2>/dev/null && echo "NET0-BAD-MAC: accepted" || echo "NET0-BAD-MAC: refused"
be=/local/domain/0/backend/vif/$dom/0; fe=/local/domain/$dom/device/vif/0
vif-attach "$dom" 0 "" pvbr0 > /dev/null && echo "NET0-ATTACH: ok"
vif-attach "$dom" 0 "" pvbr0 2>/dev/null && echo "NET0-DOUBLE-ATTACH: accepted" || echo "NET0-DOUBLE-ATTACH: refused"
echo "NET0-HOTPLUG: $(xenstore-read $be/hotplug-status 2>&1) $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
echo "NET0-MAC: $(xenstore-read $be/mac 2>&1)"
tell net-dom0-addr "$addr"
if wait_phase ready 300; then
  echo "NET0-STATE: backend $(xenstore-read $be/state) frontend $(xenstore-read $fe/state)"
  echo "NET0-QUEUES: $(xenstore-read $fe/multi-queue-num-queues 2>/dev/null || echo 1)"
  uaddr=$(xenstore-read "/local/domain/$dom/data/net-addr")
  echo "NET0-SHA-FROM-DOMU: $(timeout 200 wget -q -O - "http://$uaddr:8080/u.bin" | sha)"
  tell net-dom0 fetched
  if wait_phase finished 300; then
    vif-detach "$dom" 0; echo "NET0-DETACH: rc $?"
    tell net-dom0 detached
  fi
fi
echo "NET0-BACKEND-NODES: $(xenstore-ls /local/domain/0/backend/vif 2>/dev/null | wc -l)"
echo "NET0-VIFS: $(ls /sys/class/net | grep -c '^vif')"
killall httpd 2>/dev/null
# The domU powers off after its last line (data/net-phase done); xenstored removes the
# nodes it owned when the hypervisor reaps it, so either ends the wait.
n=0
while [ "$(xenstore-read "/local/domain/$dom/data/net-phase" 2>/dev/null)" != done ] &&
      xenstore-exists "/local/domain/$dom/data" 2>/dev/null && [ $n -lt 240 ]; do
  sleep 0.5; n=$((n + 1))
done
[ $n -lt 240 ] || echo "NET0-FAIL: the domU did not finish in 120 s"
sleep 2
echo "NET0-DONE"
