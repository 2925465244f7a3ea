# The toolstack in dom0 (pvtest=toolstack, tests/run-toolstack.sh): pvctl creates,
# lists, pauses, unpauses and destroys test guests (tests/guests/toolstack-guest)
# from /etc/pvctl/*.cfg, refuses bad input leaving nothing behind, and a
# create->destroy loop gives back every page. Lines "PASS: toolstack/x" or
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
for c in create list info pause unpause destroy shutdown console dmesg kernel-extract kernel-info; do
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

# 5. create -> destroy, many times: every page comes back.
N=${TOOLSTACK_CYCLES:-50}; i=0; errs=0; t0=$(uptime_cs); rm -f /tmp/cycles.out
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
[ "$(free_pages)" = "$base" ] && [ "$(ndomains)" = 1 ] && ok cycles-free-pages-back \
  || bad cycles-free-pages-back "$(free_pages), baseline $base; $(ndomains) domains"

# 6. Names in xenstore: with a xenstored on its Unix socket (xenstore-lite, socket only:
# it serves no ring here), pvctl keeps names in /local/domain/N/name instead of files.
if command -v xenstore-lite > /dev/null; then
  mkdir -p /run/xenstored
  xenstore-lite -N -s /run/xenstored/socket -L /tmp/xenstored.log & xspid=$!
  i=0; while [ ! -S /run/xenstored/socket ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  [ "$(pvctl info | sed -n 's/^name_store *: //p')" = xenstore ] && ok names-store-is-xenstore \
    || bad names-store-is-xenstore "$(pvctl info | tail -1)"
  pvctl create "$CFG" name=xs1 -p > /tmp/create.out 2>&1 && pvctl list | grep -qE '^xs1 +[0-9]+ +8 ' \
    && ok xenstore-create-named || bad xenstore-create-named "$(cat /tmp/create.out; pvctl list)"
  grep warning /tmp/create.out | sed 's/^/    /'
  want_doms=2; want_free=$(free_pages)
  refused xenstore-duplicate-name "a domain named 'xs1' exists already" "$CFG" name=xs1
  pvctl destroy xs1 && [ -z "$(field xs1 domid)" ] && [ "$(free_pages)" = "$base" ] \
    && ok xenstore-destroy-named || bad xenstore-destroy-named "$(pvctl list)"
  kill $xspid; wait $xspid 2>/dev/null; rm -f /run/xenstored/socket
  [ "$(pvctl info | sed -n 's/^name_store *: //p')" = /run/pvctl/names ] && ok names-store-back-to-files \
    || bad names-store-back-to-files "$(pvctl info | tail -1)"
else
  bad names-in-xenstore "no xenstore-lite in the initramfs"
fi

echo "$pass passed, $fail failed"
