#!/usr/bin/env bash
# run-make-run.sh: `make run` as a user drives it (issue 15; docs/io.md "make run"). `make test-run`.
# scripts/run.sh boots dom0 exactly as `make run` does, but with its serial console on a Unix
# socket (RUN_SOCK) and a log (RUN_LOG) instead of a terminal, and this runner types what a
# user would type (tests/linux/type-keys.py):
#   1. in dom0's shell: pvctl create /etc/pvctl/linux.cfg -c (the Linux domU that dom0's
#      /init configured: xvda on an ext2 image, a vif on the bridge pvbr0; make-run-dom0.sh);
#   2. in the domU's shell, through pvctl's console: fetch a file from this runner's HTTP
#      server through pvbr0 and QEMU's user network, store it on /mnt (xvda), serve /mnt with
#      busybox httpd, which this runner fetches through make run's HOSTFWD port;
#   3. poweroff in the domU; in dom0, pvctl create /etc/pvctl/hvm.cfg -c: the HVM test guest
#      (tests/guests/hvm-hello) runs its checks on the console pvctl follows (its debug port);
#   4. pvctl create /etc/pvctl/hvm-linux.cfg -c: the stock kernel as an HVM guest on QEMU's
#      emulated PC, its IDE disk on /mnt, its e1000 with a DHCP lease through pvbr0; typed in
#      its shell through QEMU's 16550: what it sees (no Xen, sda's size), then poweroff;
#   5. in dom0 the PV domU's image, mounted by loop, holds the file; poweroff.
# Every sha256 must agree and the boot must end in the hypervisor's clean final state.
# make run uses every CPU of the machine (RUN_SMP, at most 8): the hypervisor brings them all
# up and dom0 gets as many vCPUs.
# Prints PASS/FAIL lines and "N passed, N failed"; log: build/test-results/run/boot.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
res=$top/build/test-results/run; mkdir -p "$res"
TMO=${TMO:-900}
log=$res/boot.log; sock=$res/console.sock
npass=0; nfail=0
pass() { echo "PASS: run/$1"; npass=$((npass + 1)); }
fail() { echo "FAIL: run/$1"; nfail=$((nfail + 1)); }
clean() { cat "$res/boot.clean"; }   # the log without CRs, written once QEMU has ended
check() {   # NAME ERE: one line of the log matches
  if grep -Eq -- "$2" "$res/boot.clean"; then pass "$1"; else fail "$1 (no line matching '$2')"; fi
}
val() { clean | sed -n "s/^(d0) $1 //p" | head -1; }
keys() {    # WAIT_ERE KEYS: when the log matches WAIT_ERE, type KEYS on the serial console
  TYPE_KEYS_STOP='^\(HV\) (powering off|PANIC)' python3 "$top/tests/linux/type-keys.py" "$sock" "$log" "$1" "$2" 2 >> "$res/type-keys.out" 2>&1
}

www=$res/www; rm -rf "$www"; mkdir -p "$www"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(16).randbytes(1 << 20))' > "$www/run.bin"
want=$(sha256sum < "$www/run.bin" | cut -d' ' -f1)
rm -f "$res/http.port" "$res/served.bin" "$res/type-keys.out"
python3 "$top/tests/host-net.py" serve "$www" "$res/http.port" > "$res/http.log" 2>&1 &
http_pid=$!; run_pid=
trap 'kill $http_pid $run_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$res/http.port" ] && break; sleep 0.1; done
port=$(cat "$res/http.port" 2>/dev/null)
[ -n "$port" ] || { echo "FAIL: run/setup: the HTTP server did not start"; echo "0 passed, 1 failed"; exit 1; }
fwd=$(python3 "$top/tests/host-net.py" free-port)

rm -f "$log"
RUN_LOG=$log RUN_SOCK=$sock RUN_TIMEOUT=$TMO HOSTFWD=$fwd bash "$top/scripts/run.sh" > "$res/run.out" 2>&1 &
run_pid=$!
# Typed lines echo back, so every marker below is printed by a command, never typed as is.
keys "^\(d0\) pvhv: dom0\. 'pvctl create /etc/pvctl/linux.cfg -c'" 'pvctl create /etc/pvctl/linux.cfg -c\n'
keys '^\(d0\) pvhv: Debian .* as a PV guest' \
  "cd /mnt; wget -q -O run.bin http://10.0.2.2:$port/run.bin; sync; echo \"GOT \$(sha256sum < run.bin)\"; httpd -p $fwd -h /mnt && echo \"HTTPD-UP \$(echo ready)\"\n"
python3 "$top/tests/host-net.py" fetch "$log" "HTTPD-UP ready" "$fwd" run.bin "$res/served.bin" 600 \
  > "$res/fetch.out" 2>&1   # its last request (cgi-bin/done) is not served here: only the file counts
keys '^\(d0\) HTTPD-UP ready' 'cd /; sync; poweroff\n'
# The HVM test guest from the same shell: its console (the debug port, no QEMU here) until it
# powers off.
keys '^\(HV\) d[1-9][0-9]* shutdown: poweroff' \
  "pvctl create /etc/pvctl/hvm.cfg -c; echo \"HVM-CONSOLE \$(echo ended)\"\n"
# The stock kernel as an HVM guest on QEMU's emulated PC (hvm-linux.cfg), its console QEMU's
# 16550 through pvctl: what it sees, typed in its shell, then poweroff there.
keys '^\(d0\) HVM-CONSOLE ended' \
  "pvctl create /etc/pvctl/hvm-linux.cfg -c; echo \"HVM-LINUX-CONSOLE \$(echo ended)\"\n"
keys '^\(d0\) pvhv: Debian .* as an HVM guest' \
  "echo \"HVM-GUEST \$(cat /sys/hypervisor/type 2>/dev/null || echo no-xen) \$(cat /sys/block/sda/size)\"; poweroff\n"
keys '^\(d0\) HVM-LINUX-CONSOLE ended' \
  "mount -t ext4 -o loop,ro /tmp/linux-disk.img /mnt && echo \"DOM0-SEES \$(sha256sum < /mnt/run.bin)\"; umount /mnt; poweroff\n"
wait $run_pid; rc=$?; run_pid=
tr -d '\r' < "$log" > "$res/boot.clean"

n=${RUN_SMP:-$(nproc)}; [ "$n" -le 8 ] || n=8
check "every-cpu-up ($n)" "^\(HV\) smp: $n of $n CPUs up"
[ "$n" -gt 1 ] && check "dom0-has-$n-vcpus" "^\(HV\) d0 v$((n - 1)) ran on CPU [0-9]"
check dom0-bridge-and-config "^\(d0\) make-run: dom0 network: pvbr0 10\.0\.2\.[0-9]+; /etc/pvctl/linux.cfg: xvda /tmp/linux-disk.img vif on pvbr0"
check domU-xvda-and-eth0 '^\(d0\) pvhv: xvda on /mnt, eth0 10\.0\.2\.[0-9]+$'
got=$(val GOT | cut -d' ' -f1)
if [ "$got" = "$want" ]; then pass domU-fetched-from-host; else fail "domU-fetched-from-host: '$got', want '$want'"; fi
served=$(sha256sum < "$res/served.bin" 2>/dev/null | cut -d' ' -f1)
if [ -s "$res/served.bin" ] && [ "$served" = "$want" ]; then pass host-fetched-from-domU-hostfwd
else fail "host-fetched-from-domU-hostfwd: '$served' ($(tail -1 "$res/fetch.out"))"; fi
seen=$(val DOM0-SEES | cut -d' ' -f1)
if [ "$seen" = "$want" ]; then pass dom0-sees-file-on-image; else fail "dom0-sees-file-on-image: '$seen'"; fi
check domU-poweroff '^\(HV\) d[1-9][0-9]* shutdown: poweroff'
check hvm-guest-console-in-dom0 '^\(d0\) DONE: hvm-hello: [1-9][0-9]* passed, 0 failed$'
check hvm-linux-sda-and-e1000 "^\(d0\) pvhv: sda \(QEMU's IDE disk\) on /mnt, eth0 \(QEMU's e1000\) 10\.0\.2\.[0-9]+$"
check hvm-linux-typed-in-guest '^\(d0\) HVM-GUEST no-xen 131072$'
check dom0-poweroff '^\(HV\) d0 shutdown: poweroff'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then pass final-state
else fail "final-state: $why (run.sh exit $rc)"; echo "    --- last lines ---"; clean | tail -n 30 | sed 's/^/    /'; fi
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
