# The domU's side of `make test-net` (tests/run-net.sh, docs/io.md "Networks"): xen-netfront's
# eth0 on dom0's bridge pvbr0; DHCP from QEMU's user network through the bridge; 64 MiB from
# dom0 (wget), a file from the host's HTTP server (10.0.2.2:pvhttp), and a busybox httpd the
# host (hostfwd) and dom0 fetch 64 MiB from. "NET-..." lines; data/net-phase tells dom0 where
# it is, data/net-dom0 (written by dom0) where dom0 is. With pvnet.role=peer (a second domU),
# it waits for dom0's go (data/net-go) before its DHCP, then fetches the first domU's
# 64 MiB (data/net-peer: its address) through the bridge: NET-SHA-FROM-PEER.
modprobe xen-netfront
phase() { timeout 30 xenstore-write data/net-phase "$1" || echo "NET-FAIL: cannot write net-phase $1"; }
wait_key() {
  n=0
  while [ "$(timeout 10 xenstore-read "data/$1" 2>/dev/null)" != "$2" ]; do
    n=$((n + 1)); [ $n -gt $(($3 * 2)) ] && { echo "NET-FAIL: data/$1 is not $2 after $3 s"; return 1; }
    sleep 0.5
  done
}
sha() { sha256sum | cut -d' ' -f1; }
port=$(sed -n 's/.*pvhttp=\([0-9]*\).*/\1/p' /proc/cmdline)
# eth0 from netfront, up, with an address by DHCP through the bridge: sets addr.
net_up() {
  n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 1200 ]; do sleep 0.2; n=$((n+1)); done
  [ -e /sys/class/net/eth0 ] || { echo "NET-FAIL: no eth0 after 240 s"; exit 0; }
  echo "NET-MAC: $(cat /sys/class/net/eth0/address)"
  ip link set lo up; ip link set eth0 up
  # netfront's carrier comes once netback is Connected.
  n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 300 ]; do sleep 0.2; n=$((n+1)); done
  addr=$(pv-dhcp eth0 10 2> /tmp/udhcpc.out) || echo "NET-FAIL: DHCP: $(cat /tmp/udhcpc.out)"
  echo "NET-ADDR: eth0 ${addr:-none}"
}
# After dom0's vif-detach: netfront's eth0 goes with its xenbus device.
after_detach() {
  if wait_key net-dom0 detached 120; then
    n=0; while [ -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
    [ -e /sys/class/net/eth0 ] && echo "NET-AFTER-DETACH: eth0 still there" || echo "NET-AFTER-DETACH: eth0 gone"
  fi
}
if grep -q 'pvnet\.role=peer' /proc/cmdline; then
  wait_key net-go 1 300 && net_up
  peer=$(timeout 10 xenstore-read data/net-peer 2>/dev/null)
  echo "NET-SHA-FROM-PEER: $(timeout 200 wget -q -O - "http://$peer:8080/u.bin" | sha)"
  phase finished
  after_detach
  echo "NET-DONE"; phase done
  exit 0
fi
net_up
timeout 30 xenstore-write data/net-addr "${addr:-none}"
mkdir -p /tmp/www/cgi-bin
dd if=/dev/urandom of=/tmp/www/u.bin bs=1M count=64 2>/dev/null
echo "NET-SHA-SERVED: $(sha < /tmp/www/u.bin)"
printf '%s\n' '#!/bin/sh' 'touch /tmp/host-done' 'printf "Content-Type: text/plain\r\n\r\nok\n"' \
  > /tmp/www/cgi-bin/done
chmod +x /tmp/www/cgi-bin/done
httpd -p 8080 -h /tmp/www || echo "NET-FAIL: httpd did not start"
d0=$(timeout 10 xenstore-read data/net-dom0-addr 2>/dev/null)
echo "NET-SHA-FROM-DOM0: $(timeout 200 wget -q -O - "http://$d0:8080/d0.bin" | sha)"
echo "NET-SHA-FROM-HOST: $(timeout 60 wget -q -O - "http://10.0.2.2:$port/net.bin" | sha)"
phase ready
echo "NET-HTTPD-READY"
n=0; while [ ! -e /tmp/host-done ] && [ $n -lt 1200 ]; do sleep 0.2; n=$((n+1)); done
[ -e /tmp/host-done ] && echo "NET-HOST-FETCHED: ok" || echo "NET-FAIL: the host did not fetch within 240 s"
wait_key net-dom0 fetched 300
phase finished
after_detach
killall httpd 2>/dev/null
echo "NET-DONE"
phase done
