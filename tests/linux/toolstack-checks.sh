# The toolstack in dom0 (pvtest=toolstack, tests/run-toolstack.sh): pvctl creates,
# lists, pauses, unpauses and destroys test guests (tests/guests/toolstack-guest)
# from /etc/pvctl/*.cfg, refuses bad input leaving nothing behind; then, with dom0's
# xenstored, checks the xenstore entries, Xen's own xl/xen-init-dom0/lsevtchn, the on_*
# actions and the restart rate limit, pvconsoled's logs and pty, top, a Linux domU's xenbus,
# reboot and shutdown -w, and a create->destroy loop gives back every page, event
# channel and xenstore node. Lines "PASS: toolstack/x" or
# "FAIL: toolstack/x: why", then "N passed, N failed".
pass=0; fail=0
ok()  { echo "PASS: toolstack/$1"; pass=$((pass+1)); }
bad() { echo "FAIL: toolstack/$1: $2"; fail=$((fail+1)); }
CFG=/etc/pvctl/test.cfg; BAD=/etc/pvctl/bad; ERR=/tmp/pvctl.err

mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
for m in xen-privcmd xen-evtchn xen-gntdev; do modprobe "$m" 2>/dev/null; done

free_pages() { pvctl info | sed -n 's/^free_pages *: //p'; }
# A field of one domain's record in `pvctl list --json` (one record a line).
field() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\).*/\1/p"; }
ndomains() { pvctl list --json | grep -c '"domid"'; }
uptime_cs() { u=$(cut -d' ' -f1 /proc/uptime); echo "${u%.*}${u#*.}"; }
# Waits up to $3 seconds for domain $1's state to contain letter $2.
wait_state() {
  i=0
  while [ $i -lt $(($3 * 10)) ]; do
    case "$(field "$1" state)" in *"$2"*) return 0 ;; esac
    sleep 0.1; i=$((i+1))
  done
  return 1
}

base=$(free_pages)
[ -n "$base" ] && [ "$base" -gt 0 ] && ok info-free-pages || bad info-free-pages "pvctl info: '$(pvctl info 2>&1)'"
echo "toolstack: names kept in $(pvctl info | sed -n 's/^name_store *: //p'), free pages $base"

# --help on every command
for c in create list info pause unpause destroy shutdown console dmesg kernel-extract kernel-info sched-credit vcpu-pin; do
  pvctl "$c" --help > /tmp/help 2>&1 && grep -q "^usage: pvctl $c" /tmp/help || { bad help-$c "$(cat /tmp/help)"; continue; }
done
[ "$fail" = 0 ] && ok help-every-command
pvctl list | head -1 | grep -qE '^Name +ID +Mem +VCPUs +State +Time\(s\)$' && ok list-columns \
  || bad list-columns "$(pvctl list | head -1)"
pvctl list | grep -qE '^Domain-0 +0 ' && ok list-dom0 || bad list-dom0 "$(pvctl list)"

# 1. A guest that checks its start of day and powers off: it stays, shut down, until destroyed.
if pvctl create "$CFG" name=tg1 > /tmp/create.out 2>&1; then ok create-from-config
else bad create-from-config "$(cat /tmp/create.out)"; fi
cat /tmp/create.out
pvctl list | grep -qE '^tg1 +[0-9]+ +8 +[01] ' && ok list-shows-guest || bad list-shows-guest "$(pvctl list)"
if wait_state tg1 s 60 && [ "$(field tg1 shutdown_reason)" = 0 ]; then ok guest-ran-and-powered-off
else bad guest-ran-and-powered-off "$(pvctl list)"; fi
id=$(field tg1 domid)
pvctl dmesg | grep -q "^(HV) d$id created by d0" && ok dmesg-shows-creation || bad dmesg-shows-creation "$(pvctl dmesg 2>&1 | tail -3)"
# debug key q: tg1's counters (it made hypercalls; its one vCPU) and dom0's, while tg1 is there
pvctl debug-keys q && pvctl dmesg | sed -n "/debug key 'q': counters/,/debug key 'q': end/p" > /tmp/q.out
grep -Eq "^\(HV\) d$id v0: [1-9][0-9]* hypercalls, grant maps" /tmp/q.out && grep -q "^(HV) d0: events raised [1-9]" /tmp/q.out \
  && grep -Eq "^\(HV\) d$id v0 hypercalls:.* sched_op [1-9]" /tmp/q.out && ok debug-keys-counters \
  || bad debug-keys-counters "$(tail -5 /tmp/q.out | tr '\n' ';')"
pvctl debug-keys 2>/dev/null; rc1=$?
pvctl debug-keys "$(printf '%065d' 0)" 2>/dev/null; rc2=$?
pvctl debug-keys Z && pvctl dmesg | grep -q "debug key 'Z' (0x5a): not offered" && [ $rc1 = 2 ] && [ $rc2 = 1 ] \
  && ok debug-keys-refusals || bad debug-keys-refusals "no key: rc $rc1, 65 keys: rc $rc2"
pvctl destroy tg1 && ok destroy-by-name || bad destroy-by-name "rc $?"
[ -z "$(field tg1 domid)" ] && ok destroyed-gone || bad destroyed-gone "$(pvctl list)"
[ "$(free_pages)" = "$base" ] && ok free-pages-back || bad free-pages-back "$(free_pages), baseline $base"

# 2. A spinning guest: its CPU time grows while it runs, not while paused.
pvctl create "$CFG" name=spin extra="mode=spin name=spin expect_mb=8" > /tmp/create.out 2>&1 \
  && ok create-with-override || bad create-with-override "$(cat /tmp/create.out)"
pvctl list spin | grep -qE '^spin +[0-9]+ +8 +1 +[rb-]{6} ' && ok list-running-guest || bad list-running-guest "$(pvctl list)"
[ "$(field spin vcpus)" = 1 ] && [ "$(field spin mem_mib)" = 8 ] && ok list-json || bad list-json "$(pvctl list --json)"
sleep 1; t0=$(field spin cpu_time_ns); sleep 1; t1=$(field spin cpu_time_ns)
[ -n "$t0" ] && [ "$t1" -gt "$t0" ] && ok spinning-guest-runs || bad spinning-guest-runs "cpu_time $t0 -> $t1"
pvctl pause spin && wait_state spin p 5 && ok pause || bad pause "$(pvctl list spin)"
sleep 0.5; t0=$(field spin cpu_time_ns); sleep 1; t1=$(field spin cpu_time_ns)
[ -n "$t0" ] && [ "$t1" = "$t0" ] && ok paused-guest-stops || bad paused-guest-stops "cpu_time $t0 -> $t1"
pvctl unpause spin && ok unpause || bad unpause "rc $?"
sleep 1; t1=$(field spin cpu_time_ns)
[ -n "$t1" ] && [ "$t1" -gt "$t0" ] && ok unpaused-guest-runs || bad unpaused-guest-runs "cpu_time $t0 -> $t1"
pvctl unpause spin 2> $ERR; grep -q 'not paused' $ERR && ok unpause-running-refused || bad unpause-running-refused "$(cat $ERR)"
# The credit scheduler (docs/smp.md): xl sched-credit's columns, weight and cap set and read
# back, a cap above 100 per vCPU refused; vcpu-pin to CPU 0, to an offline CPU (refused) and
# of a vCPU the domain does not have (refused).
pvctl sched-credit | head -1 | grep -qE '^Name +ID +Weight +Cap$' && pvctl sched-credit | grep -qE '^Domain-0 +0 +256 +0$' \
  && ok sched-credit-list || bad sched-credit-list "$(pvctl sched-credit 2>&1)"
pvctl sched-credit -d spin | grep -qE '^spin +[0-9]+ +256 +0$' && ok sched-credit-default || bad sched-credit-default "$(pvctl sched-credit -d spin 2>&1)"
pvctl sched-credit -d spin -w 512 -c 50 && pvctl sched-credit -d spin | grep -qE '^spin +[0-9]+ +512 +50$' \
  && ok sched-credit-set || bad sched-credit-set "$(pvctl sched-credit -d spin 2>&1)"
pvctl sched-credit -d spin -c 0 && pvctl sched-credit -d spin | grep -qE '^spin +[0-9]+ +512 +0$' \
  && ok sched-credit-keeps-weight || bad sched-credit-keeps-weight "$(pvctl sched-credit -d spin 2>&1)"
if pvctl sched-credit -d spin -c 101 2> $ERR; then bad sched-credit-cap-refused "accepted"
else grep -q 'Invalid argument' $ERR && ok sched-credit-cap-refused || bad sched-credit-cap-refused "$(cat $ERR)"; fi
pvctl vcpu-pin spin 0 0 && ok vcpu-pin || bad vcpu-pin "rc $?"
if pvctl vcpu-pin spin 0 63 2> $ERR; then bad vcpu-pin-offline-refused "accepted"
else grep -q 'Invalid argument' $ERR && ok vcpu-pin-offline-refused || bad vcpu-pin-offline-refused "$(cat $ERR)"; fi
if pvctl vcpu-pin spin 5 all 2> $ERR; then bad vcpu-pin-no-such-vcpu "accepted"
else grep -q 'Invalid argument' $ERR && ok vcpu-pin-no-such-vcpu || bad vcpu-pin-no-such-vcpu "$(cat $ERR)"; fi
sleep 0.5; t0=$(field spin cpu_time_ns); sleep 1; t1=$(field spin cpu_time_ns)
[ -n "$t1" ] && [ "$t1" -gt "$t0" ] && ok pinned-guest-runs || bad pinned-guest-runs "cpu_time $t0 -> $t1"
id=$(field spin domid)
pvctl destroy "$id" && [ -z "$(field spin domid)" ] && ok destroy-by-id || bad destroy-by-id "$(pvctl list)"

# 3. A crash is reported as one.
pvctl create "$CFG" name=crasher extra="mode=crash name=crasher" > /dev/null 2>&1
if wait_state crasher c 60 && [ "$(field crasher shutdown_reason)" = 3 ]; then ok crash-reported
else bad crash-reported "$(pvctl list)"; fi
pvctl destroy crasher
[ "$(free_pages)" = "$base" ] && ok free-pages-back-after-runs || bad free-pages-back-after-runs "$(free_pages), baseline $base"

# 3b. The console ring's back end: pvctl console -l copies what the guest writes to its
# ring, and ends by itself once the guest has shut down.
pvctl create "$CFG" name=ringer extra="mode=ring name=ringer" -p > /dev/null 2>&1
pvctl console -l ringer > /tmp/ring.out 2>&1 & cpid=$!
sleep 0.5; pvctl unpause ringer
i=0; while kill -0 $cpid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
if kill -0 $cpid 2>/dev/null; then bad console-log-ends "still running after 30 s"; kill $cpid
else ok console-log-ends; fi
n=$(grep -c '^RING: line [123] from ringer' /tmp/ring.out)
[ "$n" = 3 ] && ok console-ring-output || bad console-ring-output "$n lines: $(head -c 300 /tmp/ring.out)"
[ "$(field ringer shutdown_reason)" = 0 ] && ok console-guest-done || bad console-guest-done "$(pvctl list)"
pvctl destroy ringer
pvctl console nosuch 2> $ERR; grep -q "no domain 'nosuch'" $ERR && ok console-unknown-domain || bad console-unknown-domain "$(cat $ERR)"

# 3c. A Linux domU: the stock Debian bzImage (xz, unpacked by pvctl) and the guest
# initramfs; its console ring logged by pvctl console -l until it powers off at /init.
if [ -f /etc/pvctl/linux/vmlinuz ]; then
  printf '%s\n' 'name = "linux1"' 'kernel = "/etc/pvctl/linux/vmlinuz"' \
    'ramdisk = "/etc/pvctl/linux/initrd.gz"' 'memory = 128' 'extra = "console=hvc0 pvtest=marker"' > /tmp/linux.cfg
  t0=$(uptime_cs)
  pvctl create /tmp/linux.cfg -p > /tmp/create.out 2>&1 && ok linux-create || bad linux-create "$(cat /tmp/create.out)"
  cat /tmp/create.out
  pvctl console -l linux1 > /tmp/linux.out 2>&1 & cpid=$!
  sleep 0.5; pvctl unpause linux1
  i=0; while kill -0 $cpid 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done
  kill $cpid 2>/dev/null
  echo "toolstack: Linux domU: create to its end $(( ($(uptime_cs) - t0) * 10 )) ms"
  sed 's/^/    linux1: /' /tmp/linux.out | tail -n 15
  grep -q 'INIT-MARKER' /tmp/linux.out && ok linux-domU-reached-init || bad linux-domU-reached-init "$(pvctl list linux1)"
  pvctl list linux1
  pvctl destroy linux1
  [ "$(free_pages)" = "$base" ] && ok linux-free-pages-back || bad linux-free-pages-back "$(free_pages), baseline $base"
else
  bad linux-domU "no /etc/pvctl/linux/vmlinuz"
fi

# 3d. HVM guests from the toolstack (docs/hvm.md): createdomain with XEN_DOMCTL_CDF_hvm|hap,
# RAM populated by gfn, the firmware (tests/guests/hvm-hello) loaded by gfn, vCPU 0's first
# state by sethvmcontext. The guest reads its RAM size from EBX (the CPU record), runs its
# checks, powers off; its console is the debug port, followed by pvctl console; create,
# destroy, create again gives every page back.
HCFG=/etc/pvctl/hvm.cfg
if pvctl create "$HCFG" > /tmp/create.out 2>&1; then ok hvm-create; else bad hvm-create "$(cat /tmp/create.out)"; fi
cat /tmp/create.out
id=$(field hvm1 domid)
if wait_state hvm1 s 60 && [ "$(field hvm1 shutdown_reason)" = 0 ]; then ok hvm-guest-powered-off
else bad hvm-guest-powered-off "$(pvctl list)"; fi
pvctl dmesg | grep -q "^(HV) d$id created by d0 (HVM, 1 vCPUs)" && ok hvm-dmesg-creation \
  || bad hvm-dmesg-creation "$(pvctl dmesg | grep "d$id" | head -3)"
pvctl console hvm1 > /tmp/hvm.out 2> $ERR
grep -q '^hello from an HVM guest, 8192 KiB of memory$' /tmp/hvm.out && ok hvm-console-and-ebx \
  || bad hvm-console-and-ebx "$(head -c 300 /tmp/hvm.out) $(cat $ERR)"
grep -Eq '^DONE: hvm-hello: [1-9][0-9]* passed, 0 failed$' /tmp/hvm.out && ok hvm-guest-checks \
  || bad hvm-guest-checks "$(grep -E 'FAIL|DONE' /tmp/hvm.out | head -5)"
pvctl list --json | grep '"name": "hvm1"' | grep -q '"type": "hvm"' && ok hvm-list-json \
  || bad hvm-list-json "$(pvctl list --json | grep hvm1)"
pvctl destroy hvm1 && [ -z "$(field hvm1 domid)" ] && ok hvm-destroy || bad hvm-destroy "$(pvctl list)"
[ "$(free_pages)" = "$base" ] && ok hvm-free-pages-back || bad hvm-free-pages-back "$(free_pages), baseline $base"
# create -c: attached before it runs, so its first line is there too; ends at its poweroff.
timeout 60 pvctl create "$HCFG" name=hvm2 -c > /tmp/hvm.out 2> $ERR
grep -q '^hello from an HVM guest' /tmp/hvm.out && grep -Eq '^DONE: hvm-hello: [1-9][0-9]* passed, 0 failed$' /tmp/hvm.out \
  && ok hvm-create-console || bad hvm-create-console "$(head -c 300 /tmp/hvm.out) $(cat $ERR)"
pvctl destroy hvm2
for k in 1 2 3; do pvctl create "$HCFG" name=hvmc$k > /dev/null 2>&1; wait_state hvmc$k s 60; pvctl destroy hvmc$k; done
[ "$(free_pages)" = "$base" ] && [ "$(ndomains)" = 1 ] && ok hvm-create-destroy-cycles \
  || bad hvm-create-destroy-cycles "$(free_pages), baseline $base; $(pvctl list)"
# Refused before or while building, with the reason; nothing left behind.
hvm_refused() {   # name, expected message (ERE), overrides...
  n=$1; want=$2; shift 2
  if pvctl create "$HCFG" name=hvmbad "$@" > /dev/null 2> $ERR; then bad "hvm-refused-$n" "accepted"; pvctl destroy hvmbad
  elif ! grep -Eq "$want" $ERR; then bad "hvm-refused-$n" "$(cat $ERR)"
  elif [ -n "$(field hvmbad domid)" ] || [ "$(free_pages)" != "$base" ]; then bad "hvm-refused-$n" "left behind: $(pvctl list)"
  else ok "hvm-refused-$n"; fi
}
hvm_refused pv-kernel-as-firmware 'not a little-endian ELF32' firmware=/etc/pvctl/toolstack-guest.elf
hvm_refused no-firmware-file 'firmware /nonexistent' firmware=/nonexistent
hvm_refused too-little-memory 'beyond the guest.s memory' memory=1
hvm_refused too-much-memory 'MiB is free' memory=100000
hvm_refused two-vcpus 'one vCPU' vcpus=2
hvm_refused kernel-and-firmware 'not both' kernel=/etc/pvctl/toolstack-guest.elf
hvm_refused vif-without-qemu 'e1000 or rtl8139' 'vif=["bridge=pvbr0"]'
# Direct kernel boot (kernel= with type=hvm: a bzImage), refused before any domain exists.
printf '%s\n' 'name = "hvmbad"' 'type = "hvm"' 'kernel = "/etc/pvctl/linux/vmlinuz"' 'memory = 160' \
  'device_model_version = "none"' > /tmp/hk.cfg
HCFG_SAVED=$HCFG; HCFG=/tmp/hk.cfg
hvm_refused elf-as-hvm-kernel 'not a bzImage' kernel=/etc/pvctl/toolstack-guest.elf
hvm_refused kernel-too-little-memory 'too little for the kernel to unpack itself' memory=32
hvm_refused ide-disk-without-qemu 'needs the device model' 'disk=["/tmp/x.img,raw,hda,w"]'
HCFG=$HCFG_SAVED

# 4. Bad input: a clear message, no domain, no page left behind.
refused() {   # name, expected message (ERE), pvctl create arguments...
  n=$1; want=$2; shift 2
  if pvctl create "$@" > $ERR 2>&1; then bad "refused-$n" "accepted: $(cat $ERR)"; pvctl destroy "$(field tgbad domid)" 2>/dev/null; return; fi
  grep -qE "$want" $ERR || { bad "refused-$n" "message '$(cat $ERR)'"; return; }
  [ "$(ndomains)" = "$want_doms" ] && [ "$(free_pages)" = "$want_free" ] && ok "refused-$n" \
    || bad "refused-$n" "left behind: $(pvctl list | tail -n +2 | tr '\n' ';') free $(free_pages) vs $want_free"
  sed 's/^/    /' $ERR
}
want_doms=1; want_free=$base
refused missing-kernel 'kernel /nonexistent: No such file' "$CFG" name=tgbad kernel=/nonexistent
refused truncated-elf 'truncated or malformed' "$CFG" name=tgbad kernel=$BAD/truncated.elf
refused garbage-elf 'truncated or malformed|not a readable ELF' "$CFG" name=tgbad kernel=$BAD/garbage.elf
refused not-pv-kernel 'no Xen ELF notes' "$CFG" name=tgbad kernel=/bin/busybox
refused corrupt-xz 'corrupt or unsupported xz' "$CFG" name=tgbad kernel=$BAD/corrupt-xz.bzImage
refused missing-ramdisk 'ramdisk /nonexistent: No such file' "$CFG" name=tgbad ramdisk=/nonexistent
refused memory-above-free 'memory=[0-9]+ MiB but only [0-9]+ MiB is free' "$CFG" name=tgbad memory=900000
refused memory-too-small 'do not fit in memory=1 ' "$CFG" name=tgbad memory=1
refused syntax-error "$BAD/syntax.cfg:4: " "$BAD/syntax.cfg"
refused unknown-key "$BAD/unknown-key.cfg:3: unknown key \"colour\"" "$BAD/unknown-key.cfg"
refused bad-value 'vcpus: 99 is out of range' "$CFG" name=tgbad vcpus=99
refused missing-config 'config /nonexistent.cfg: No such file' /nonexistent.cfg
pvctl create "$CFG" name=dup -p > /dev/null 2>&1
want_doms=2; want_free=$(free_pages)
refused duplicate-name "a domain named 'dup' exists already" "$CFG" name=dup 2>/dev/null
[ "$(field dup state)" != "" ] && case "$(field dup state)" in *p*) true ;; *) false ;; esac \
  && ok create-paused || bad create-paused "$(pvctl list)"
pvctl destroy dup
pvctl pause nosuch 2> $ERR; grep -q "no domain 'nosuch'" $ERR && ok unknown-domain-refused || bad unknown-domain-refused "$(cat $ERR)"
pvctl destroy 0 2> $ERR; grep -q "dom0 cannot destroy itself" $ERR && ok destroy-dom0-refused || bad destroy-dom0-refused "$(cat $ERR)"

# 5. With dom0's xenstored: xenstore-lite on real rings, started as pvtest=dom0 starts it
# (it stays: dom0's own xenbus is then on it). pvctl writes a domain's entries as xl does,
# seeds its reserved grant entries, introduces it, and forks a monitor that applies on_*.
sh /dom0-xenstored.sh
[ "$(pvctl info | sed -n 's/^name_store *: //p')" = xenstore ] && ok names-store-is-xenstore \
  || bad names-store-is-xenstore "$(pvctl info | tail -2)"
evtchns() { pvctl info | sed -n 's/^dom0_evtchn_ports *: //p'; }
xsnodes() { xenstore-ls / 2>/dev/null | wc -l; }
monitors() { ls /run/pvctl/monitor 2>/dev/null | wc -l; }
xsr() { xenstore-read "$1" 2>/dev/null; }
# Waits up to $2 seconds until no domain is named $1.
wait_gone() { i=0; while [ -n "$(field "$1" domid)" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i+1)); done; [ -z "$(field "$1" domid)" ]; }
# pvconsoled, started beside xenstored: it serves every guest's console ring; the mapping of a
# destroyed guest's ring is let go at the daemon's next scan, so pages and ports come back
# a moment after destroy (settled: waits up to 5 s for the baseline).
consoled_pid() { p=$(cat /run/pvconsoled.pid 2>/dev/null); [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = pvconsoled ] && echo "$p"; }
settled() { i=0; while [ "$($1)" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; [ "$($1)" = "$2" ]; }
i=0; while [ -z "$(consoled_pid)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -n "$(consoled_pid)" ] && ok consoled-running || bad consoled-running "$(cat /var/log/pvctl/pvconsoled.log 2>&1 | tail -3)"
GLOG=/var/log/pvctl
base_ev=$(evtchns); base_xs=$(xsnodes)
echo "toolstack: with xenstored: dom0 event channels $base_ev, xenstore nodes $base_xs"

# 5a. The entries a guest and its back ends read, the grant, the introduction.
pvctl create "$CFG" name=xs1 on_poweroff=preserve > /tmp/create.out 2>&1 && ok xs-create \
  || bad xs-create "$(cat /tmp/create.out)"
cat /tmp/create.out
id=$(field xs1 domid); h=/local/domain/$id; vm=$(xsr $h/vm)
[ "$(xsr $h/name)" = xs1 ] && [ "$(xsr $h/domid)" = "$id" ] && ok xs-name-domid || bad xs-name-domid "$(xenstore-ls $h 2>&1 | head -5)"
[ "$(xsr $h/memory/target)" = 8192 ] && [ "$(xsr $h/memory/static-max)" = 8192 ] && ok xs-memory-target \
  || bad xs-memory-target "$(xsr $h/memory/target)"
[ -n "$(xsr $h/store/port)" ] && [ -n "$(xsr $h/store/ring-ref)" ] && [ -n "$(xsr $h/console/port)" ] \
  && [ "$(xsr $h/console/type)" = xenconsoled ] && [ "$(xsr $h/cpu/0/availability)" = online ] \
  && ok xs-store-console-cpu || bad xs-store-console-cpu "$(xenstore-ls $h 2>&1 | tr '\n' ';' | head -c 400)"
case "$vm" in /vm/*-*-*-*-*) [ "$(xsr $vm/name)" = xs1 ] && [ "$(xsr $vm/uuid)" = "${vm#/vm/}" ] \
  && ok xs-vm-uuid || bad xs-vm-uuid "$vm: $(xenstore-ls $vm 2>&1 | head -3)" ;; *) bad xs-vm-uuid "vm '$vm'" ;; esac
xenstore-ls -p $h 2>/dev/null | grep -E '^device .*\(n'"$id"'\)' > /dev/null && ok xs-device-dir-owned-by-guest \
  || bad xs-device-dir-owned-by-guest "$(xenstore-ls -p $h 2>&1 | grep -E '^(device|control|data)' | head -3)"
grep -q "dom$id: ring mapped by grant" /var/log/xenstore-lite.log && ok xs-ring-mapped-by-seeded-grant \
  || bad xs-ring-mapped-by-seeded-grant "$(grep "dom$id" /var/log/xenstore-lite.log | tail -2)"
[ "$(pvctl list | sed -n "s/^xs1 .*/x/p")" = x ] && wait_state xs1 s 60 && sleep 1 && [ -n "$(field xs1 domid)" ] \
  && ok on-poweroff-preserve || bad on-poweroff-preserve "$(pvctl list)"
pvctl destroy xs1 && [ -z "$(xsr $h/name)" ] && [ -z "$(xsr $vm/name)" ] && ok xs-destroy-removes-nodes \
  || bad xs-destroy-removes-nodes "$(xenstore-ls $h 2>&1 | head -3)"

# 5a-hvm. An HVM guest with xenstored: its name and ostype, no rings yet (docs/hvm.md), not
# introduced; it runs, and destroy takes its nodes and pages back.
xenstore-ls -f / 2>/dev/null | sort > /tmp/xs.before; xs_before=$(xsnodes)
pvctl create "$HCFG" name=xh1 > /tmp/create.out 2>&1 && ok xs-hvm-create || bad xs-hvm-create "$(cat /tmp/create.out)"
id=$(field xh1 domid); h=/local/domain/$id
[ "$(xsr $h/name)" = xh1 ] && [ "$(xsr "$(xsr $h/vm)/image/ostype")" = hvm ] && [ -z "$(xsr $h/store/port)" ] \
  && ok xs-hvm-entries || bad xs-hvm-entries "$(xenstore-ls $h 2>&1 | tr '\n' ';' | head -c 300)"
wait_state xh1 s 60 && ok xs-hvm-ran || bad xs-hvm-ran "$(pvctl list)"
pvctl destroy xh1 && settled xsnodes "$xs_before" && settled free_pages "$base" && ok xs-hvm-destroy-clean \
  || bad xs-hvm-destroy-clean "nodes $(xsnodes) (before $xs_before), pages $(free_pages) (baseline $base):\
 $(xenstore-ls -f / 2>/dev/null | sort | diff /tmp/xs.before - | tr '\n' ';')"

# 5a+. Xen's own tools (Debian's xen-utils-4.17, unchanged) against our hypervisor and dom0's
# xenstored: xen-init-dom0 named dom0 at boot (dom0-xenstored.sh); `xl list` shows Domain-0 and
# a pvctl guest by name and id; `xl info` reports the version and the scheduler; lsevtchn
# lists dom0's ports; `xl cpupool-list` shows Pool-0 (credit, its CPUs and domains); `xl create`.
if command -v xl > /dev/null; then
  [ "$(xsr /local/domain/0/name)" = Domain-0 ] && ok xen-init-dom0-names-dom0 \
    || bad xen-init-dom0-names-dom0 "'$(xsr /local/domain/0/name)': $(cat /var/log/xen-init-dom0.log 2>&1)"
  pvctl create "$CFG" name=xlseen extra="mode=spin name=xlseen" > /dev/null 2>&1
  id=$(field xlseen domid)
  xl list > /tmp/xl.out 2>&1
  grep -Eq '^Domain-0 +0 ' /tmp/xl.out && [ -n "$id" ] && grep -Eq "^xlseen +$id " /tmp/xl.out \
    && ok xl-list || bad xl-list "$(tr '\n' ';' < /tmp/xl.out)"
  xl info > /tmp/xl.out 2>&1
  grep -Eq '^xen_major +: 4$' /tmp/xl.out && grep -Eq '^xen_minor +: 17$' /tmp/xl.out \
    && grep -Eq '^xen_caps +: xen-3.0-x86_64' /tmp/xl.out && grep -Eq '^xen_scheduler +: credit$' /tmp/xl.out \
    && grep -Eq '^nr_cpus +: [1-9]' /tmp/xl.out && ok xl-info || bad xl-info "$(tr '\n' ';' < /tmp/xl.out | tail -c 600)"
  lsevtchn 0 > /tmp/xl.out 2>&1 && grep -q 'Interdomain (Connected)' /tmp/xl.out && ok lsevtchn-dom0 \
    || bad lsevtchn-dom0 "$(head -5 /tmp/xl.out)"
  # `xl console` runs Debian's xenconsole, which opens the pty pvconsoled named in console/tty
  # and relays what the guest writes into its console ring from then on: attached to a paused
  # guest, it must show the ring lines the guest writes once unpaused (mode=ring; the guest
  # then powers off). Its stdin is a pipe that stays open (at the end of its input xenconsole
  # would leave at once).
  pvctl create "$CFG" name=xlcons extra="mode=ring name=xlcons" -p > /dev/null 2>&1
  (sleep 14 | timeout 12 xl console xlcons > /tmp/xc.out 2>&1) &
  sleep 3; pvctl unpause xlcons
  wait $!
  [ "$(tr -d '\r' < /tmp/xc.out | grep -c '^RING: line [123] from xlcons$')" = 3 ] && ok xl-console \
    || bad xl-console "'$(tr -d '\r' < /tmp/xc.out | head -c 300 | tr '\n' ';')' log: $(tail -2 $GLOG/guest-xlcons.log 2>&1 | tr '\n' ';')"
  pvctl destroy xlcons > /dev/null 2>&1
  xl cpupool-list > /tmp/xl.out 2>&1
  grep -Eq '^Pool-0 +[1-9][0-9]* +credit +y +[1-9]' /tmp/xl.out && ok xl-cpupool-list \
    || bad xl-cpupool-list "$(tr '\n' ';' < /tmp/xl.out)"
  pvctl destroy xlseen > /dev/null 2>&1
  wait_gone xlseen 10 || bad xl-guest-destroyed "$(pvctl list)"
  # Xen's own `xl create` builds a guest from the same config: libxl's NUMA placement, CPU
  # policy and TSC mode, libxc's domain builder (memory, page tables, ramdisk, hypercall page,
  # vCPU context, grant seeds), unpause. The guest checks its start of day (its DONE line on
  # the serial console, checked by the runner), pvconsoled serves its console ring, and xl's
  # own daemon destroys it when it powers off; every page comes back.
  xl create "$CFG" 'name="xlmade"' 'extra="mode=ring expect_mb=8 ramdisk=1 name=xlmade"' > /tmp/xl.out 2>&1 \
    && ok xl-create || bad xl-create "$(grep -iE 'error|panic' /tmp/xl.out | head -3 | tr '\n' ';')"
  i=0; while xl list xlmade > /dev/null 2>&1 && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
  ! xl list xlmade > /dev/null 2>&1 && ok xl-create-guest-ran-and-destroyed \
    || bad xl-create-guest-ran-and-destroyed "$(xl list 2>&1 | tr '\n' ';')"
  [ "$(grep -c '^RING: line [123] from xlmade$' $GLOG/guest-xlmade.log 2>/dev/null)" = 3 ] \
    && ok xl-create-console-served || bad xl-create-console-served "$(tail -3 $GLOG/guest-xlmade.log 2>&1)"
  settled free_pages "$base" && ok xl-create-free-pages-back || bad xl-create-free-pages-back "$(free_pages), baseline $base"
else
  bad xen-tools "no xl in dom0's initramfs (xen-utils-4.17 not installed: scripts/setup.sh)"
fi

# 5b. on_poweroff=destroy (the default), on_crash=restart, on_reboot=restart, top.
pvctl create "$CFG" name=pd > /dev/null 2>&1
wait_gone pd 60 && ok on-poweroff-destroy || bad on-poweroff-destroy "$(pvctl list; cat /var/log/pvctl/pd.log)"
# A guest that reboots at once restarts for ever: its id is read from create's line.
created_id() { sed -n "s/.*created domain '$1' (id \([0-9]*\)).*/\1/p" /tmp/create.out; }
restarted() {   # name, id, reason: the monitor's log says that domain shut down and was rebuilt
  i=0; while ! grep -q "$1 restarted as id" /var/log/pvctl/$1.log 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
  grep -q "^\[[0-9.]*\] $1 (id $2) shut down: $3" /var/log/pvctl/$1.log && grep -q "$1 restarted as id" /var/log/pvctl/$1.log
}
pvctl create "$CFG" name=rb extra="mode=reboot name=rb" > /tmp/create.out 2>&1; id0=$(created_id rb)
restarted rb "$id0" reboot && ok on-reboot-restart || bad on-reboot-restart "id $id0; $(head -n 4 /var/log/pvctl/rb.log)"
# The restart rate limit (monitor.c): a guest that reboots at once is rebuilt 5 times, then
# destroyed with a line saying why. The name is absent between a destroy and the rebuild that
# follows it, so the check waits for that last line first, then for the name to go.
i=0; while ! grep -q 'rb (id [0-9]*) not restarted' /var/log/pvctl/rb.log 2>/dev/null && [ $i -lt 1200 ]; do
  sleep 0.1; i=$((i+1)); done
if wait_gone rb 30 && [ "$(grep -c 'rb restarted as id' /var/log/pvctl/rb.log)" = 5 ] && grep -q \
     'rb (id [0-9]*) not restarted: it shut down within 10 s of its start 6 times in a row (restart rate limit); destroyed' \
     /var/log/pvctl/rb.log; then ok restart-rate-limit
else bad restart-rate-limit "$(pvctl list | tail -n +2 | tr '\n' ';') $(tail -n 3 /var/log/pvctl/rb.log)"; fi
tail -n 1 /var/log/pvctl/rb.log | sed 's/^/    /'
pvctl create "$CFG" name=cr extra="mode=crash name=cr" on_crash=restart > /tmp/create.out 2>&1; id0=$(created_id cr)
restarted cr "$id0" crash && ok on-crash-restart || bad on-crash-restart "id $id0; $(head -n 4 /var/log/pvctl/cr.log)"
pvctl destroy cr 2>/dev/null; wait_gone cr 30 && ok restarting-domain-destroyed || bad restarting-domain-destroyed "$(pvctl list)"
pvctl create "$CFG" name=cd extra="mode=crash name=cd" on_crash=destroy > /dev/null 2>&1
wait_gone cd 60 && grep -q "cd (id [0-9]*): action destroy" /var/log/pvctl/cd.log && ok on-crash-destroy \
  || bad on-crash-destroy "$(pvctl list; cat /var/log/pvctl/cd.log)"
# pvconsoled: every guest's console goes to /var/log/pvctl/guest-NAME.log with no pvctl
# console running. A guest's ring lines; a flood of 8 rings the guest never waits on for
# long (its FLOOD-END marker after the flood arrives); nonsense ring indices, which the
# daemon reports and survives, logging the guest's sane line after them.
pvctl create "$CFG" name=lg extra="mode=ring name=lg" on_poweroff=preserve > /dev/null 2>&1
wait_state lg s 60
[ "$(grep -c '^RING: line [123] from lg$' $GLOG/guest-lg.log 2>/dev/null)" = 3 ] && ok consoled-logs-guest \
  || bad consoled-logs-guest "$(ls $GLOG; head -c 300 $GLOG/guest-lg.log 2>&1)"
pvctl destroy lg
pvctl create "$CFG" name=fl extra="mode=flood name=fl" on_poweroff=preserve > /dev/null 2>&1
wait_state fl s 120
[ "$(grep -c '^FLOOD [0-9]* from fl: ' $GLOG/guest-fl.log)" = 200 ] && grep -q '^FLOOD-END: 200 lines from fl$' $GLOG/guest-fl.log \
  && ok consoled-flood-not-blocked || bad consoled-flood-not-blocked "$(grep -c FLOOD $GLOG/guest-fl.log) lines; $(tail -n 2 $GLOG/guest-fl.log)"
pvctl destroy fl
cpid0=$(consoled_pid)
pvctl create "$CFG" name=ho extra="mode=hostile name=ho" on_poweroff=preserve > /dev/null 2>&1
wait_state ho s 60
[ -n "$cpid0" ] && [ "$(consoled_pid)" = "$cpid0" ] && grep -q 'indices are malformed' $GLOG/guest-ho.log \
  && grep -q '^HOSTILE-AFTER from ho$' $GLOG/guest-ho.log && ok consoled-hostile-ring \
  || bad consoled-hostile-ring "pid $cpid0 -> $(consoled_pid); $(tail -c 300 $GLOG/guest-ho.log)"
pvctl destroy ho
# create -c, as the README's example: the guest's ring lines on our stdout; it ends with the guest.
timeout 60 pvctl create /etc/pvctl/example.cfg -c > /tmp/example.out 2>&1
[ "$(grep -c '^RING: line [123] from example' /tmp/example.out)" = 3 ] && wait_gone example 30 \
  && ok create-c-example || bad create-c-example "$(head -c 400 /tmp/example.out; pvctl list)"
pvctl create "$CFG" name=top1 extra="mode=spin name=top1" > /dev/null 2>&1
pvctl top -b -n 2 > /tmp/top.out 2>&1
[ "$(grep -c '^NAME ' /tmp/top.out)" = 2 ] && [ "$(grep -c '^Domain-0 ' /tmp/top.out)" = 2 ] \
  && tail -n 3 /tmp/top.out | grep -qE '^top1 +[0-9]+ +[rb] +[0-9.]+ +([1-9]|0\.[1-9])' && ok top-batch \
  || bad top-batch "$(cat /tmp/top.out)"
sed 's/^/    top: /' /tmp/top.out | tail -n 4
pvctl destroy top1
settled free_pages "$base" && [ "$(ndomains)" = 1 ] && ok lifecycle-free-pages-back \
  || bad lifecycle-free-pages-back "$(free_pages), baseline $base; $(pvctl list)"

# 5c. A Linux domU on dom0's xenstored: its xenbus finds its store, reads its name and
# answers control/shutdown; pvctl reboot restarts it (on_reboot=restart), shutdown -w
# waits until on_poweroff=destroy has removed it.
if [ -f /etc/pvctl/linux/vmlinuz ]; then
  printf '%s\n' 'name = "linux2"' 'kernel = "/etc/pvctl/linux/vmlinuz"' \
    'ramdisk = "/etc/pvctl/linux/initrd.gz"' 'memory = 128' 'extra = "console=hvc0 pvtest=wait"' > /tmp/linux2.cfg
  lin_wait() {   # file, ERE, seconds: the console log gets the line
    i=0; while ! grep -qE "$2" "$1" 2>/dev/null && [ $i -lt $(($3 * 10)) ]; do sleep 0.1; i=$((i+1)); done
    grep -qE "$2" "$1"
  }
  pvctl create /tmp/linux2.cfg -p > /tmp/create.out 2>&1 || bad linux2-create "$(cat /tmp/create.out)"
  id0=$(field linux2 domid); L2=$GLOG/guest-linux2.log
  pvctl unpause linux2                            # no pvctl console: pvconsoled logs it
  lin_wait $L2 'WAIT-READY' 300 && grep -q '^XS-NAME: linux2' $L2 \
    && ok linux-domU-xenstore-read-name || bad linux-domU-xenstore-read-name "$(tail -n 8 $L2)"
  grep -q '^INIT-MARKER' $L2 && ok consoled-log-has-init-marker || bad consoled-log-has-init-marker "$(tail -n 5 $L2)"
  [ "$(xsr /local/domain/$id0/control/feature-poweroff)" = 1 ] \
    && ok linux-domU-xenbus-up || bad linux-domU-xenbus-up "$(xenstore-ls /local/domain/$id0 2>&1 | head -20)"
  # pvctl console through pvconsoled's pty (console/tty): a typed line comes back, Ctrl-]
  # detaches, the guest goes on and so does its log.
  tty=$(xsr /local/domain/$id0/console/tty)
  (sleep 2; printf 'hello-console\r'; sleep 5; printf '\035') | timeout 30 pvctl console linux2 > /tmp/attach.out 2>&1; rc=$?
  [ $rc = 0 ] && [ -n "$tty" ] && grep -q '^ECHO: hello-console' /tmp/attach.out && [ "$(field linux2 domid)" = "$id0" ] \
    && ok console-through-daemon-detaches || bad console-through-daemon-detaches "rc $rc tty '$tty': $(tail -c 300 /tmp/attach.out)"
  grep -q '^ECHO: hello-console' $L2 && ok consoled-log-while-attached || bad consoled-log-while-attached "$(tail -n 3 $L2)"
  pvctl reboot linux2 && ok reboot-asked || bad reboot-asked "rc $?"
  i=0; while [ "$(field linux2 domid)" = "$id0" ] || [ -z "$(field linux2 domid)" ]; do
    [ $i -lt 600 ] || break; sleep 0.1; i=$((i+1)); done
  id1=$(field linux2 domid)
  [ -n "$id1" ] && [ "$id1" != "$id0" ] && ok linux-reboot-restarted || bad linux-reboot-restarted "ids $id0 -> $id1; $(tail -3 /var/log/pvctl/linux2.log)"
  i=0; while [ "$(grep -c WAIT-READY $L2)" -lt 2 ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done
  [ "$(grep -c '^XS-NAME: linux2' $L2)" = 2 ] && ok linux-restarted-reads-name || bad linux-restarted-reads-name "$(tail -n 8 $L2)"
  [ "$(grep -c '^INIT-MARKER' $L2)" = 2 ] && ok consoled-log-survives-reboot || bad consoled-log-survives-reboot "$(grep -c INIT-MARKER $L2) markers"
  t0=$(uptime_cs)
  timeout 120 pvctl shutdown -w linux2 && ok shutdown-w-returned || bad shutdown-w-returned "rc $?"
  echo "toolstack: Linux domU: shutdown -w took $(( ($(uptime_cs) - t0) * 10 )) ms"
  wait_gone linux2 30 && grep -q WAIT-POWEROFF $L2 && ok linux-shutdown-destroyed \
    || bad linux-shutdown-destroyed "$(pvctl list; tail -n 5 $L2)"
  sed 's/^/    linux2: /' /var/log/pvctl/linux2.log
  settled free_pages "$base" && ok linux2-free-pages-back || bad linux2-free-pages-back "$(free_pages), baseline $base"
fi

# 6. create -> destroy, many times: every page, event channel and xenstore node comes back,
# and every monitor has ended.
# (/vm itself stays once the first domain made it, as on xl: the node baseline is taken here.)
base_xs=$(xsnodes); base_ev=$(evtchns)
N=${TOOLSTACK_CYCLES:-200}; i=0; errs=0; t0=$(uptime_cs); rm -f /tmp/cycles.out
while [ $i -lt $N ]; do
  pvctl create "$CFG" name=cyc -p >> /tmp/cycles.out 2>$ERR || { errs=$((errs+1)); cat $ERR; }
  pvctl destroy cyc 2>$ERR || { errs=$((errs+1)); cat $ERR; }
  i=$((i+1))
done
t1=$(uptime_cs)
echo "toolstack: $N create+destroy cycles in $(( (t1 - t0) * 10 )) ms ($(( (t1 - t0) * 10 / N )) ms each, TCG)"
# min / median / max of pvctl create's own time and of its builder's hypercalls (ms)
stats() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
echo "toolstack: create (paused) ms min/median/max: $(sed -n 's/.* in \([0-9.]*\) ms .*/\1/p' /tmp/cycles.out | stats)," \
     "builder $(sed -n 's/.*hypercalls \([0-9.]*\) ms.*/\1/p' /tmp/cycles.out | stats)"
[ $errs = 0 ] && ok "create-destroy-${N}-cycles" || bad "create-destroy-${N}-cycles" "$errs errors"
settled free_pages "$base" && [ "$(ndomains)" = 1 ] && ok cycles-free-pages-back \
  || bad cycles-free-pages-back "$(free_pages), baseline $base; $(ndomains) domains"
i=0; while [ "$(monitors)" != 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
settled evtchns "$base_ev" && ok cycles-event-channels-back || bad cycles-event-channels-back "$(evtchns), baseline $base_ev"
[ "$(xsnodes)" = "$base_xs" ] && ok cycles-xenstore-nodes-back \
  || bad cycles-xenstore-nodes-back "$(xsnodes), baseline $base_xs: $(xenstore-ls / | tail -n 5 | tr '\n' ';')"
[ "$(monitors)" = 0 ] && ok cycles-monitors-ended || bad cycles-monitors-ended "$(ls /run/pvctl/monitor)"

echo "$pass passed, $fail failed"
