# Dom0's side of `make test-net` (tests/run-net.sh, docs/io.md "Networks"): dom0's NIC
# (virtio-net on QEMU's user network) goes on the bridge pvbr0 (net-bridge-up), dom0 takes
# its address there by DHCP, and the domU pvnet.dom=N (default 1) gets vif N.0 on pvbr0
# (vif-attach: xen-netback's vifN.0). 64 MiB each way over the bridge, by HTTP (busybox
# httpd and wget), with sha256 on both sides; then vif-detach. Prints "NET0-..." lines the
# runner compares with the domU's; data/net-phase (the domU's) and data/net-dom0 (written
# here) keep the two in step. The vifs are attached and detached with pvctl (network-attach,
# -list, -detach, which run the hotplug scripts); the scripts' refusals are checked directly.
# pvnet.peer=M: a second domU M gets a vif too (MAC given) and fetches the first domU's
# 64 MiB through the bridge. Also: pvctl create with vif= (the toolstack test guest, which
# has no netfront: netback's vif still goes on the bridge), and destroy removes its nodes.
dom=$(sed -n 's/.*pvnet\.dom=\([0-9]*\).*/\1/p' /proc/cmdline); dom=${dom:-1}
peer=$(sed -n 's/.*pvnet\.peer=\([0-9]*\).*/\1/p' /proc/cmdline)
sha() { sha256sum | cut -d' ' -f1; }
wait_phase() {
  n=0
  while [ "$(xenstore-read "/local/domain/$dom/data/net-phase" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); [ $n -gt $(($2 * 2)) ] && { echo "NET0-FAIL: domU phase is not $1 after $2 s"; return 1; }
    sleep 0.5
  done
}
tell() { xenstore-write "/local/domain/$dom/data/$1" "$2"; }
# pvctl create with a vif= and a bad one; destroy takes the nodes and the vif away.
create_with_vif() {
  sed -e 's/^name = .*/name = "tgnet"/' -e 's/^extra = .*/extra = "mode=spin name=tgnet"/' \
    /etc/pvctl/test.cfg > /tmp/vif.cfg
  echo "vif = [ 'mac=00:16:3e:5e:00:01,bridge=pvbr0' ]" >> /tmp/vif.cfg
  sed 's/mac=00:16:3e:5e:00:01/mac=00:16:3e:5e:00/' /tmp/vif.cfg > /tmp/badvif.cfg
  pvctl create /tmp/badvif.cfg > /tmp/create.out 2>&1 && echo "NET0-CREATE-BAD-VIF: accepted" \
    || echo "NET0-CREATE-BAD-VIF: refused $(grep -c 'vif 0' /tmp/create.out)"
  pvctl create /tmp/vif.cfg > /tmp/create.out 2>&1 || { echo "NET0-FAIL: create: $(cat /tmp/create.out)"; return; }
  id=$(sed -n "s/.*created domain 'tgnet' (id \([0-9]*\)).*/\1/p" /tmp/create.out)
  echo "NET0-CREATE-VIF: id $id $(xenstore-read /local/domain/0/backend/vif/$id/0/hotplug-status 2>&1)" \
       "$(xenstore-read /local/domain/0/backend/vif/$id/0/mac 2>&1)" \
       "$( [ -e /sys/class/net/pvbr0/brif/vif$id.0 ] && echo on-bridge)"
  pvctl destroy tgnet
  n=0; while [ -e "/sys/class/net/vif$id.0" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  echo "NET0-DESTROY-VIF: nodes $(xenstore-ls /local/domain/0/backend/vif/$id 2>/dev/null | wc -l)" \
       "vif $( [ -e /sys/class/net/vif$id.0 ] && echo left || echo gone)"
  # The monitor's destroy (on_poweroff) takes the vif away too.
  sed 's/^extra = .*/extra = "mode=poweroff name=tgnet"/' /tmp/vif.cfg > /tmp/vifoff.cfg
  pvctl create /tmp/vifoff.cfg > /tmp/create.out 2>&1
  id=$(sed -n "s/.*created domain 'tgnet' (id \([0-9]*\)).*/\1/p" /tmp/create.out)
  n=0; while { xenstore-exists "/local/domain/0/backend/vif/$id" 2>/dev/null || [ -e "/sys/class/net/vif$id.0" ]; } &&
             [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  echo "NET0-POWEROFF-VIF: id ${id:-none} nodes $(xenstore-ls /local/domain/0/backend/vif/$id 2>/dev/null | wc -l)" \
       "vif $( [ -e /sys/class/net/vif$id.0 ] && echo left || echo gone)"
  # Create/destroy cycles with a vif leave no node and no vif behind.
  nodes0=$(xenstore-ls /local/domain/0/backend/vif | wc -l); vifs0=$(ls /sys/class/net | grep -c '^vif')
  ok=0
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pvctl create /tmp/vif.cfg name=tgc > /dev/null 2>&1 && pvctl destroy tgc && ok=$((ok + 1))
  done
  n=0; while [ "$(ls /sys/class/net | grep -c '^vif')" != "$vifs0" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  echo "NET0-CYCLES: $ok of 10, nodes $(( $(xenstore-ls /local/domain/0/backend/vif | wc -l) - nodes0 ))" \
       "vifs $(( $(ls /sys/class/net | grep -c '^vif') - vifs0 ))"
}
modprobe virtio_pci; modprobe virtio_net
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
ip link set lo up
net-bridge-up pvbr0 eth0 > /dev/null && echo "NET0-BRIDGE: pvbr0 holds $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
addr=$(pv-dhcp pvbr0 2> /tmp/udhcpc.out) || echo "NET0-FAIL: DHCP on pvbr0: $(cat /tmp/udhcpc.out)"
echo "NET0-ADDR: pvbr0 ${addr:-none}"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/d0.bin bs=1M count=64 2>/dev/null
echo "NET0-SHA-SERVED: $(sha < /tmp/www/d0.bin)"
httpd -p 8080 -h /tmp/www || echo "NET0-FAIL: httpd did not start"

# Bad input first: no such bridge, a multicast MAC, then the real attach.
vif-attach "$dom" 0 "" nobr0 2>/dev/null && echo "NET0-BAD-BRIDGE: accepted" || echo "NET0-BAD-BRIDGE: refused"
vif-attach "$dom" 0 01:16:3e:00:00:01 2>/dev/null && echo "NET0-BAD-MAC: accepted" || echo "NET0-BAD-MAC: refused"
be=/local/domain/0/backend/vif/$dom/0; fe=/local/domain/$dom/device/vif/0
pvctl network-attach "$dom" > /tmp/attach.out 2>&1 && echo "NET0-ATTACH: ok $(cat /tmp/attach.out)" \
  || echo "NET0-FAIL: pvctl network-attach $dom: $(cat /tmp/attach.out)"
vif-attach "$dom" 0 "" pvbr0 2>/dev/null && echo "NET0-DOUBLE-ATTACH: accepted" || echo "NET0-DOUBLE-ATTACH: refused"
echo "NET0-HOTPLUG: $(xenstore-read $be/hotplug-status 2>&1) $(ls /sys/class/net/pvbr0/brif | tr '\n' ' ')"
echo "NET0-MAC: $(xenstore-read $be/mac 2>&1)"
pvctl network-list "$dom" | sed 's/^/NET0-LIST: /'
h=0; for c in network-attach network-detach network-list; do
  pvctl $c --help | grep -q "^usage: pvctl $c " && h=$((h + 1)); done
echo "NET0-HELP: $h of 3"
pvctl network-attach "$dom" mac=zz:16:3e:00:00:01 2>/dev/null && echo "NET0-PVCTL-BAD-MAC: accepted" \
  || echo "NET0-PVCTL-BAD-MAC: refused"
[ -n "$peer" ] && { pvctl network-attach "$peer" mac=00:16:3e:00:02:aa bridge=pvbr0 > /dev/null &&
                    echo "NET0-ATTACH-PEER: ok"; }
tell net-dom0-addr "$addr"
create_with_vif
if wait_phase ready 300; then
  echo "NET0-STATE: backend $(xenstore-read $be/state) frontend $(xenstore-read $fe/state)"
  echo "NET0-QUEUES: $(xenstore-read $fe/multi-queue-num-queues 2>/dev/null || echo 1)"
  uaddr=$(xenstore-read "/local/domain/$dom/data/net-addr")
  echo "NET0-SHA-FROM-DOMU: $(timeout 200 wget -q -O - "http://$uaddr:8080/u.bin" | sha)"
  if [ -n "$peer" ]; then            # the second domU fetches the same through the bridge
    xenstore-write "/local/domain/$peer/data/net-peer" "$uaddr"
    xenstore-write "/local/domain/$peer/data/net-go" 1
    n=0; while [ "$(xenstore-read "/local/domain/$peer/data/net-phase" 2>/dev/null)" != finished ] &&
               [ $n -lt 600 ]; do sleep 0.5; n=$((n + 1)); done
  fi
  tell net-dom0 fetched
  if wait_phase finished 300; then
    pvctl network-detach "$dom" 0; echo "NET0-DETACH: rc $?"
    tell net-dom0 detached
  fi
  if [ -n "$peer" ]; then
    pvctl network-detach "$peer" 00:16:3e:00:02:aa; echo "NET0-DETACH-PEER: rc $?"
    xenstore-write "/local/domain/$peer/data/net-dom0" detached
  fi
fi
echo "NET0-BACKEND-NODES: $(xenstore-ls /local/domain/0/backend/vif 2>/dev/null | wc -l)"
echo "NET0-VIFS: $(ls /sys/class/net | grep -c '^vif')"
killall httpd 2>/dev/null
# The domUs power off after their last line (data/net-phase done); xenstored removes the
# nodes a domain owned when the hypervisor reaps it, so either ends the wait.
for d in $dom $peer; do
  n=0
  while [ "$(xenstore-read "/local/domain/$d/data/net-phase" 2>/dev/null)" != done ] &&
        xenstore-exists "/local/domain/$d/data" 2>/dev/null && [ $n -lt 240 ]; do
    sleep 0.5; n=$((n + 1))
  done
  [ $n -lt 240 ] || echo "NET0-FAIL: domU $d did not finish in 120 s"
done
sleep 2
echo "NET0-DONE"
