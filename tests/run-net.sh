#!/usr/bin/env bash
# run-net.sh: split-driver networks (issue 15, docs/io.md "Networks"). `make test-net`.
# Dom0 (the stock Debian kernel, pvtest=net0) and a stock Linux domU (d1, pvtest=net) boot
# side by side on QEMU q35, dom0 with a virtio-net NIC on QEMU's user network. Dom0
# (tests/linux/net-dom0.sh) puts its NIC on the bridge pvbr0 (dom0-tools/hotplug/
# net-bridge-up), takes its address there by DHCP and gives d1 a vif (vif-attach: netback's
# vif1.0 on pvbr0, hotplug-status connected). The domU (tests/linux/net-domU.sh) gets its
# address by DHCP from QEMU through the bridge, fetches 64 MiB from dom0 and a file from
# this runner's HTTP server, and serves 64 MiB that dom0 fetches and this runner fetches
# through a host-forwarded port (hostfwd to the domU's address). Every transfer's sha256
# must match. A second domU (d2, pvnet.role=peer) gets a vif with a given MAC and fetches
# the first domU's 64 MiB through the bridge. Dom0 attaches, lists and detaches the vifs
# with pvctl (network-attach/-list/-detach), creates a guest with vif= and destroys it (no
# node, no vif left). Every domain powers off and the hypervisor's final state must be clean.
# Prints PASS/FAIL lines and "N passed, N failed"; log: build/test-results/net/boot.log.
# NET_SMP=N: QEMU with N CPUs (default 1); HV_IMAGE: another hypervisor build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
res=$top/build/test-results/net; mkdir -p "$res"
TMO=${TMO:-420}
npass=0; nfail=0
for f in "$hv" "$k" "$ird"; do
  [ -f "$f" ] || { echo "FAIL: net/setup: missing $f (make hypervisor linux-image)"; echo "0 passed, 1 failed"; exit 1; }
done
log=$res/boot.log
clean() { tr -d '\r' < "$log"; }
log_has() { clean | grep -Ec -- "$1" > /dev/null; }
val() { clean | sed -n "s/^($1) $2: //p" | head -1; }
pass() { echo "PASS: net/$1"; npass=$((npass + 1)); }
fail() { echo "FAIL: net/$1"; nfail=$((nfail + 1)); }
check() {   # NAME ERE: one line of the log matches
  if log_has "$2"; then pass "$1"; else fail "$1 (no line matching '$2')"; fi
}
same() {    # NAME A B: two non-empty sha256 agree
  if [ -n "$2" ] && [ "$2" = "$3" ]; then pass "$1"; else fail "$1: '$2' vs '$3'"; fi
}

# The host's side: an HTTP server on a free port with net.bin (1 MiB from a fixed seed),
# which the domU reaches as 10.0.2.2:PORT through the bridge and QEMU's user network.
www=$res/www; mkdir -p "$www"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(15).randbytes(1 << 20))' > "$www/net.bin"
net_sha=$(sha256sum < "$www/net.bin" | cut -d' ' -f1)
rm -f "$res/http.port" "$res/u.bin"
python3 "$top/tests/host-net.py" serve "$www" "$res/http.port" > "$res/http.log" 2>&1 &
http_pid=$!
fetch_pid=
trap 'kill $http_pid $fetch_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$res/http.port" ] && break; sleep 0.1; done
http_port=$(cat "$res/http.port" 2>/dev/null)
[ -n "$http_port" ] || { echo "FAIL: net/setup: the HTTP server did not start"; echo "0 passed, 1 failed"; exit 1; }
# QEMU's DHCP hands out 10.0.2.15 (dom0's bridge, first), 10.0.2.16 (d1), then 10.0.2.17
# (d2 asks only once d1 has its address).
domu_addr=10.0.2.16 peer_addr=10.0.2.17
fwd_port=$(python3 "$top/tests/host-net.py" free-port)
export QEMU_EXTRA="${QEMU_EXTRA:-} -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$fwd_port-$domu_addr:8080 -device virtio-net-pci,netdev=n0"

# Waits for the domU's NET-HTTPD-READY, fetches its u.bin through the forwarded port, then
# tells it (cgi-bin/done).
fetch_from_domU() {
  exec python3 "$top/tests/host-net.py" fetch "$log" "(d1) NET-HTTPD-READY" "$fwd_port" u.bin "$res/u.bin" "$TMO"
}

rm -f "$log"; : > "$log"
fetch_from_domU & fetch_pid=$!
start=$(date +%s)
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c "${NET_SMP:-1}" -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
    -M "$k console=hvc0 loglevel=4 pvtest=net0 pvnet.dom=1 pvnet.peer=2" -M "$ird initrd" \
    -M "$k console=hvc0 loglevel=4 pvtest=net pvhv.mem=256M pvhttp=$http_port" -M "$ird initrd" \
    -M "$k console=hvc0 loglevel=4 pvtest=net pvnet.role=peer pvhv.mem=160M" -M "$ird initrd" \
    -m 1280 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
echo "net: boot took $(( $(date +%s) - start ))s" >&2
wait "$fetch_pid" 2>/dev/null; fetch_pid=

check bridge-holds-nic '^\(d0\) NET0-BRIDGE: pvbr0 holds eth0'
check dom0-address-on-bridge '^\(d0\) NET0-ADDR: pvbr0 10\.0\.2\.[0-9]+$'
check bad-bridge-refused '^\(d0\) NET0-BAD-BRIDGE: refused'
check multicast-mac-refused '^\(d0\) NET0-BAD-MAC: refused'
check pvctl-network-attach '^\(d0\) NET0-ATTACH: ok pvctl: vif 0 of domain 1: mac 00:16:3e:00:01:00 on pvbr0'
check pvctl-network-list '^\(d0\) NET0-LIST: 0 +0 +00:16:3e:00:01:00 +0 +[1-4] .* pvbr0 +connected +/local/domain/0/backend/vif/1/0$'
check pvctl-network-help '^\(d0\) NET0-HELP: 3 of 3'
check pvctl-bad-mac-refused '^\(d0\) NET0-PVCTL-BAD-MAC: refused'
check pvctl-create-bad-vif-refused '^\(d0\) NET0-CREATE-BAD-VIF: refused [1-9]'
check pvctl-create-with-vif '^\(d0\) NET0-CREATE-VIF: id [0-9]+ connected 00:16:3e:5e:00:01 on-bridge$'
check pvctl-destroy-removes-vif '^\(d0\) NET0-DESTROY-VIF: nodes 0 vif gone$'
check monitor-destroy-removes-vif '^\(d0\) NET0-POWEROFF-VIF: id [0-9]+ nodes 0 vif gone$'
check create-destroy-cycles-leave-nothing '^\(d0\) NET0-CYCLES: 10 of 10, nodes 0 vifs 0$'
check double-attach-refused '^\(d0\) NET0-DOUBLE-ATTACH: refused'
check hotplug-connected-vif-on-bridge '^\(d0\) NET0-HOTPLUG: connected .*vif1\.0'
check default-mac-from-domid '^\(d0\) NET0-MAC: 00:16:3e:00:01:00$'
check netfront-mac '^\(d1\) NET-MAC: 00:16:3e:00:01:00$'
check both-ends-connected '^\(d0\) NET0-STATE: backend 4 frontend 4'
check domU-dhcp-through-bridge "^\\(d1\\) NET-ADDR: eth0 ${domu_addr//./\\.}\$"
same dom0-to-domU-64MiB "$(val d0 NET0-SHA-SERVED)" "$(val d1 NET-SHA-FROM-DOM0)"
same domU-to-dom0-64MiB "$(val d1 NET-SHA-SERVED)" "$(val d0 NET0-SHA-FROM-DOMU)"
same domU-fetches-from-host "$net_sha" "$(val d1 NET-SHA-FROM-HOST)"
host_sha=$( [ -s "$res/u.bin" ] && sha256sum < "$res/u.bin" | cut -d' ' -f1)
same host-fetches-from-domU-hostfwd "$(val d1 NET-SHA-SERVED)" "$host_sha"
check domU-saw-host-fetch '^\(d1\) NET-HOST-FETCHED: ok'
check detach-clean '^\(d0\) NET0-DETACH: rc 0'
check peer-attach '^\(d0\) NET0-ATTACH-PEER: ok'
check peer-mac '^\(d2\) NET-MAC: 00:16:3e:00:02:aa$'
check peer-dhcp-through-bridge "^\\(d2\\) NET-ADDR: eth0 ${peer_addr//./\\.}\$"
same domU-to-domU-64MiB "$(val d1 NET-SHA-SERVED)" "$(val d2 NET-SHA-FROM-PEER)"
check peer-detach-by-mac-clean '^\(d0\) NET0-DETACH-PEER: rc 0'
check peer-eth0-gone-after-detach '^\(d2\) NET-AFTER-DETACH: eth0 gone'
check domU-eth0-gone-after-detach '^\(d1\) NET-AFTER-DETACH: eth0 gone'
check no-backend-nodes-left '^\(d0\) NET0-BACKEND-NODES: 0$'
check no-vif-left '^\(d0\) NET0-VIFS: 0$'
if log_has '^\((d0|d1|d2)\) NET0?-FAIL'; then
  fail "no-net-failures-reported"; clean | grep -E '^\((d0|d1|d2)\) NET0?-FAIL' | sed 's/^/    /'
else pass no-net-failures-reported; fi
check domU-poweroff '\(HV\) d1 shutdown: poweroff'
check peer-poweroff '\(HV\) d2 shutdown: poweroff'
check dom0-poweroff '\(HV\) d0 shutdown: poweroff'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then pass final-state
else fail "final-state: $why"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
