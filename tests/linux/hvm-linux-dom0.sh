# Dom0 of tests/run-hvm-linux.sh (pvtest=hvmlinux0, after its xenstored): `pvctl create`
# boots the stock Debian kernel, unmodified, as an HVM guest (type = "hvm", kernel= and
# ramdisk=: pvctl loads it as a boot loader would), with QEMU-xen as its device model
# serving an IDE disk (disk = hda), an e1000 on a tap on the bridge pvbr0 (vif) and the
# serial console. The guest's side is
# hvm-linux-guest.sh; its lines come through `pvctl console`. Checks: the guest reaches its
# /init, sees a plain PC (no Xen) with QEMU's PCI devices, reads what dom0 wrote on its
# disk and writes what dom0 then finds on the image, fetches a file from dom0 over its NIC;
# it powers off; destroy stops QEMU and
# gives every page back; then create/destroy again. Lines "PASS: hvm-linux/x" or
# "FAIL: hvm-linux/x: why", then "N passed, N failed".
pass=0; fail=0
ok()  { echo "PASS: hvm-linux/$1"; pass=$((pass+1)); }
bad() { echo "FAIL: hvm-linux/$1: $2"; fail=$((fail+1)); }
field() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\).*/\1/p"; }
free_pages() { pvctl info | sed -n 's/^free_pages *: //p'; }
sha() { sha256sum | cut -d' ' -f1; }
wait_for() {   # seconds, command...: until the command succeeds
  t=$(($1 * 10)); shift
  while ! "$@" && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done; "$@"
}
line() { sed -n "s/^$1: //p" /tmp/hl.out | tr -d '\r' | head -1; }

base=$(free_pages)
img=/tmp/hl.img
dd if=/dev/zero of=$img bs=1M count=32 2>/dev/null
dd if=/dev/urandom of=/tmp/r bs=1M count=4 2>/dev/null
dd if=/tmp/r of=$img bs=1M seek=16 conv=notrunc 2>/dev/null
read_sha=$(sha < /tmp/r)
# The guest's network: a bridge with no uplink, dom0 at 10.0.3.1 serving a file by HTTP.
modprobe bridge 2>/dev/null
brctl addbr pvbr0 && brctl stp pvbr0 off && brctl setfd pvbr0 0
ip addr add 10.0.3.1/24 dev pvbr0; ip link set pvbr0 up
mkdir -p /tmp/www; dd if=/dev/urandom of=/tmp/www/blob bs=1M count=4 2>/dev/null
net_sha=$(sha < /tmp/www/blob)
httpd -p 8000 -h /tmp/www
cat > /tmp/hl.cfg <<CFG
name = "hl"
type = "hvm"
kernel = "/etc/pvctl/linux/vmlinuz"
ramdisk = "/etc/pvctl/linux/initrd.gz"
cmdline = "console=ttyS0 loglevel=4 pvtest=hvmlinux"
memory = 160
disk = [ "$img,raw,hda,w" ]
vif = [ "bridge=pvbr0,model=e1000" ]
CFG
start=$(date +%s)
if pvctl create /tmp/hl.cfg -p > /tmp/create.out 2>&1; then ok create
else bad create "$(tr '\n' ';' < /tmp/create.out)"; fi
id=$(field hl domid)
pvctl console -l hl > /tmp/hl.out 2>&1 & cpid=$!
sleep 0.5; pvctl unpause hl
powered_off() { [ "$(field hl shutdown_reason)" = 0 ]; }
if wait_for 600 powered_off; then ok guest-powered-off
else bad guest-powered-off "$(pvctl list hl | tail -1); $(pvctl dmesg | grep "d$id" | tail -3 | tr '\n' ';')"; fi
echo "hvm-linux: the guest ran for $(( $(date +%s) - start )) s"
sleep 0.5; kill $cpid 2>/dev/null
grep -q '^INIT-MARKER: /init started' /tmp/hl.out && ok init-reached \
  || bad init-reached "$(tail -c 600 /tmp/hl.out | tr '\r\n' '  ')"
grep 'HVML-\|Kernel panic\|BUG\|Oops' /tmp/hl.out | tr -d '\r' | sed 's/^/    guest: /'
[ "$(line HVML-HYPERVISOR)" = none ] && ok no-xen-seen || bad no-xen-seen "'$(line HVML-HYPERVISOR)'"
case "$(line HVML-PCI)" in *0x8086:0x1237*0x8086:0x7010*) ok qemu-pci-devices ;; *) bad qemu-pci-devices "'$(line HVML-PCI)'" ;; esac
case "$(line HVML-SDA)" in "65536 sectors"*) ok ide-disk-found ;; *) bad ide-disk-found "'$(line HVML-SDA)'" ;; esac
[ "$(line HVML-SHA-READ)" = "$read_sha" ] && ok disk-read-matches-dom0 || bad disk-read-matches-dom0 "'$(line HVML-SHA-READ)'"
[ "$(line HVML-READBACK)" = same ] && ok disk-readback || bad disk-readback "'$(line HVML-READBACK)'"
case "$(line HVML-ETH0)" in 00:16:3e:*" e1000") ok e1000-found ;; *) bad e1000-found "'$(line HVML-ETH0)'" ;; esac
[ "$(line HVML-NET-GET)" = "$net_sha" ] && ok network-fetch-from-dom0 \
  || bad network-fetch-from-dom0 "'$(line HVML-NET-GET)'; tap rx $(cat /sys/class/net/vif$id.0-emu/statistics/rx_packets 2>&1) tx $(cat /sys/class/net/vif$id.0-emu/statistics/tx_packets 2>&1)"
! grep -q 'HVML-FAIL\|Kernel panic\|Oops\|BUG:' /tmp/hl.out && grep -q '^HVML-DONE' /tmp/hl.out && ok guest-script-clean \
  || bad guest-script-clean "$(grep 'HVML-FAIL\|Kernel panic\|Oops\|BUG:' /tmp/hl.out | head -3 | tr '\r\n' '  ')"
dpid=$(cat /run/pvctl/dm-$id.pid 2>/dev/null)
[ -e "/sys/class/net/pvbr0/brif/vif$id.0-emu" ] && ok tap-on-bridge || bad tap-on-bridge "$(ls /sys/class/net/pvbr0/brif)"
pvctl destroy hl
pvctl dmesg | grep "d$id v0: .* exits" | sed 's/^/    /'   # logged at teardown
sleep 0.2
! kill -0 "$dpid" 2>/dev/null && ok destroy-stops-qemu || bad destroy-stops-qemu "pid $dpid"
written=$(line HVML-SHA-WRITTEN)
[ -n "$written" ] && [ "$(dd if=$img bs=1M count=8 2>/dev/null | sha)" = "$written" ] \
  && [ "$(dd if=$img bs=1M skip=24 count=8 2>/dev/null | sha)" = "$written" ] && ok image-has-guest-writes \
  || bad image-has-guest-writes "guest says '$written'"
wait_for 10 [ "$(free_pages)" = "$base" ] && ok free-pages-back || bad free-pages-back "$(free_pages), baseline $base"
# Again, with the console attached from the start (create -c, as a user would), to the marker.
sed -i 's/pvtest=hvmlinux/pvtest=marker/; /^disk/d; /^vif/d' /tmp/hl.cfg
timeout 600 pvctl create /tmp/hl.cfg -c > /tmp/hl2.out 2>&1 < /dev/null
grep -q '^INIT-MARKER: /init started' /tmp/hl2.out && ok create-c-to-init || bad create-c-to-init "$(tail -c 300 /tmp/hl2.out | tr '\r\n' '  ')"
pvctl destroy hl 2>/dev/null
wait_for 10 [ "$(free_pages)" = "$base" ] && ok free-pages-back-again || bad free-pages-back-again "$(free_pages), baseline $base"
echo "$pass passed, $fail failed"
