# Dom0 of tests/run-hvm-qemu.sh (pvtest=hvmqemu), after its xenstored: an HVM guest
# (tests/guests/hvm-qemu) whose devices are Debian's QEMU-xen, unchanged, run by hand as
# libxl would run it (`-xen-domid N -machine xenfv`): pvctl creates the guest paused, QEMU
# attaches (its ioreq server, its ports, MMIO and PCI devices; it records
# device-model/N/state = running), the guest is unpaused, talks to QEMU's PCI host bridge,
# PIIX3, platform device and 16550 (logged to a file), and powers off; QEMU is stopped, the
# guest destroyed, and every page comes back. Lines "PASS: hvm-qemu/x" or
# "FAIL: hvm-qemu/x: why", then "N passed, N failed".
pass=0; fail=0
ok()  { echo "PASS: hvm-qemu/$1"; pass=$((pass+1)); }
bad() { echo "FAIL: hvm-qemu/$1: $2"; fail=$((fail+1)); }
QEMU=/usr/libexec/xen-qemu-system-i386
field() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\).*/\1/p"; }
free_pages() { pvctl info | sed -n 's/^free_pages *: //p'; }
wait_for() {   # seconds, command...: until the command succeeds
  t=$(($1 * 10)); shift
  while ! "$@" && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done; "$@"
}
shut_down() { field "$1" state | grep -q s; }
dm_running() { [ "$(xenstore-read /local/domain/0/device-model/$1/state 2>/dev/null)" = running ]; }

base=$(free_pages)
printf '%s\n' 'name = "hq"' 'type = "hvm"' 'firmware = "/etc/pvctl/hvm-qemu.elf"' 'memory = 8' \
  'device_model_version = "none"' > /tmp/hq.cfg   # A: QEMU is started by hand below
if pvctl create /tmp/hq.cfg -p > /tmp/create.out 2>&1; then ok create-paused; else bad create-paused "$(cat /tmp/create.out)"; fi
id=$(field hq domid)
echo "hvm-qemu: guest d$id; starting $QEMU"
$QEMU -xen-domid "$id" -machine xenfv -m 8 -nodefaults -no-user-config -display none -vga none \
    -serial file:/tmp/hq-serial.log -monitor none -name hq > /tmp/qemu.log 2>&1 &
qpid=$!
if wait_for 60 dm_running "$id"; then ok device-model-running
else bad device-model-running "$(tail -5 /tmp/qemu.log | tr '\n' ';')"; fi
pvctl unpause hq
if wait_for 120 shut_down hq && [ "$(field hq shutdown_reason)" = 0 ]; then ok guest-powered-off
else bad guest-powered-off "$(pvctl list hq)"; fi
kill -0 $qpid 2>/dev/null && ok qemu-still-running || bad qemu-still-running "$(tail -5 /tmp/qemu.log | tr '\n' ';')"
grep -q "^HVM-QEMU: hello over QEMU's emulated 16550" /tmp/hq-serial.log && ok serial-line-from-guest \
  || bad serial-line-from-guest "$(head -c 300 /tmp/hq-serial.log)"
grep -q "^HVM-QEMU: host bridge, PIIX3 and platform device found" /tmp/hq-serial.log && ok serial-second-line \
  || bad serial-second-line "$(head -c 300 /tmp/hq-serial.log)"
pvctl dmesg | grep -Eq "^\(d$id\) DONE: hvm-qemu: [1-9][0-9]* passed, 0 failed" && ok guest-checks \
  || bad guest-checks "$(pvctl dmesg | grep -E "^\(d$id\) (FAIL|DONE)" | head -5 | tr '\n' ';')"
sed 's/^/    qemu: /' /tmp/qemu.log | tail -n 20
kill $qpid 2>/dev/null; wait $qpid 2>/dev/null
pvctl destroy hq
wait_for 10 [ "$(free_pages)" = "$base" ] && ok free-pages-back || bad free-pages-back "$(free_pages), baseline $base"

# B. The same guest with pvctl running QEMU itself (device_model_version is qemu-xen by
# default for type = "hvm"): create starts it and waits until it serves the guest, records
# its serial pty where libxl does (/local/domain/N/serial/0/tty, from QMP's query-chardev);
# pvctl console reads the guest's serial port through it; destroy stops QEMU first.
printf '%s\n' 'name = "hq2"' 'type = "hvm"' 'firmware = "/etc/pvctl/hvm-qemu.elf"' 'memory = 8' > /tmp/hq2.cfg
if pvctl create /tmp/hq2.cfg -p > /tmp/create.out 2>&1; then ok pvctl-create-with-qemu
else bad pvctl-create-with-qemu "$(cat /tmp/create.out | tr '\n' ';')"; fi
id=$(field hq2 domid)
tty=$(xenstore-read /local/domain/$id/serial/0/tty 2>/dev/null)
case "$tty" in /dev/pts/*) ok serial-pty-recorded ;; *) bad serial-pty-recorded "'$tty'" ;; esac
dpid=$(cat /run/pvctl/dm-$id.pid 2>/dev/null)
[ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null && dm_running "$id" && ok pvctl-device-model-running \
  || bad pvctl-device-model-running "pid '$dpid'; $(tail -3 /var/log/pvctl/qemu-hq2.log 2>&1 | tr '\n' ';')"
pvctl console -l hq2 > /tmp/hq2.out 2>&1 & cpid=$!
sleep 0.5; pvctl unpause hq2
i=0; while kill -0 $cpid 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
kill $cpid 2>/dev/null
grep -q "HVM-QEMU: hello over QEMU's emulated 16550" /tmp/hq2.out && ok console-is-the-emulated-serial \
  || bad console-is-the-emulated-serial "$(head -c 300 /tmp/hq2.out)"
[ "$(field hq2 shutdown_reason)" = 0 ] && ok pvctl-guest-powered-off || bad pvctl-guest-powered-off "$(pvctl list hq2)"
pvctl destroy hq2
sleep 0.2
! kill -0 "$dpid" 2>/dev/null && [ -z "$(xenstore-read /local/domain/0/device-model/$id/state 2>/dev/null)" ] \
  && ok destroy-stops-device-model || bad destroy-stops-device-model "pid $dpid still there or its entries"
wait_for 10 [ "$(free_pages)" = "$base" ] && ok free-pages-back-after-pvctl || bad free-pages-back-after-pvctl "$(free_pages), baseline $base"
# C. QEMU killed under a guest that keeps doing I/O (12 MiB: hvm-qemu's tick loop): its
# event channels close, so the hypervisor crashes that guest alone, with the reason; dom0 and
# the hypervisor go on, and destroy takes everything back.
pvctl create /tmp/hq2.cfg name=hq4 memory=12 -p > /tmp/create.out 2>&1 || bad dm-killed-create "$(cat /tmp/create.out)"
id=$(field hq4 domid); dpid=$(cat /run/pvctl/dm-$id.pid 2>/dev/null)
pvctl console -l hq4 > /tmp/hq4.out 2>&1 & cpid=$!
sleep 0.5; pvctl unpause hq4
ticking() { grep -q '^HVM-QEMU: tick 5' /tmp/hq4.out; }
wait_for 60 ticking && ok guest-ticks-through-qemu || bad guest-ticks-through-qemu "$(tail -c 200 /tmp/hq4.out)"
kill -9 "$dpid"
crashed() { [ "$(field hq4 shutdown_reason)" = 3 ]; }
if wait_for 30 crashed && pvctl dmesg | grep -q "d$id crashed: its device model is gone"; then ok dm-killed-guest-crashed
else bad dm-killed-guest-crashed "$(pvctl list hq4); $(pvctl dmesg | grep "d$id" | tail -3 | tr '\n' ';')"; fi
kill $cpid 2>/dev/null
pvctl destroy hq4
wait_for 10 [ "$(free_pages)" = "$base" ] && ok dm-killed-free-pages-back || bad dm-killed-free-pages-back "$(free_pages), baseline $base"
# A device model that cannot start fails the create with its log, and leaves nothing behind.
pvctl create /tmp/hq2.cfg name=hq3 device_model_override=/bin/false > /tmp/create.out 2>&1 \
  && bad dm-fails-create "accepted" || { grep -q 'device model did not start' /tmp/create.out \
  && [ -z "$(field hq3 domid)" ] && [ "$(free_pages)" = "$base" ] && ok dm-fails-create \
  || bad dm-fails-create "$(cat /tmp/create.out | tr '\n' ';') $(pvctl list)"; }
echo "$pass passed, $fail failed"
