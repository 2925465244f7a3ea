#!/usr/bin/env bash
# run-dom0.sh: the stock Debian kernel as the initial domain (dom0=1) on our hypervisor,
# on QEMU q35 (docs/dom0.md). In `make test` (test-dom0).
#  1. dom0 boots with console=hvc0 and the busybox initramfs; /init runs
#     tests/linux/dom0-checks.sh (xenfs control_d, /sys/hypervisor, the host
#     e820, ACPI through identity-mapped firmware memory, PCI enumeration by
#     port I/O; /dev/port reaching the ACPI PM timer but not COM1) and prints
#     "N passed, N failed";
#  2. then its shell answers a command typed on QEMU's serial line (console_io
#     read + VIRQ_CONSOLE), and `poweroff` typed the same way ends dom0;
#  3. next to it, a boot-time domU (tests/guests/dom0-ops-hostile, d1) is refused
#     every dom0-only operation and finishes its checks, while dom0 keeps running
#     (and keeps the serial input: the domU's console ring gets none);
#     a second one (tests/guests/dom0-peer, d2) is the peer of dom0's xenlib-check
#     (privcmd hypercall and foreign mappings, gntdev, evtchn through Debian's libraries);
#     a third (tests/guests/foreign-map-hostile, d3) is refused foreign mappings of dom0's
#     and d2's frames and acquire_resource;
#     a fourth (tests/guests/physdev-hostile, d4) is refused every PHYSDEVOP and
#     bind_pirq;
#     dom0's xenstored (xenstore-lite, started by tests/linux/dom0-xenstored.sh) serves
#     xs-client (d5) on its ring, drops the two xs-hostile guests (d6, d7) alone, and
#     the stock kernel as a domU (d8, pvtest=xs) reads its name and writes a key
#     through its own xenbus; dom0-checks.sh's xenstore block checks dom0's side;
#  4. the hypervisor reaches its clean final state ("no domains left", power-off).
#  Interrupts and the AHCI disk: the runner makes a 4 MiB image from a fixed seed;
#  dom0's ahci driver reads it (sha256 compared with the host's) on its MSI,
#  delivered as a PIRQ event (/proc/interrupts: xen-pirq -msi, count > 0), the ACPI SCI
#  is bound the same way, dom0 registers its PIRQ EOI bitmap, and a block dom0
#  writes and syncs is found in the image after QEMU ends.
#  The network card: virtio-net-pci (MSI-X) on QEMU's user network; dom0 takes an
#  address by DHCP and fetches a file from an HTTP server the runner starts on the
#  host (sha256 compared with the host's); its queues' interrupts are MSI-X PIRQs;
#  the runner fetches a file from a busybox httpd in dom0 through QEMU's hostfwd.
# DOM0_SMP=N: QEMU with N CPUs (default 1). DOM0_VCPUS=N: dom0 gets N vCPUs (dom0_max_vcpus=N,
# default 1; they run on several CPUs at once unless the hypervisor has vcpu_spread=0, docs/smp.md).
# Log: build/test-results/dom0/boot.log; on failure the last lines are shown.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
domu=$top/build/guests/dom0-ops-hostile.elf
domu2=$top/build/guests/physdev-hostile.elf   # d4: every PHYSDEVOP and bind_pirq refused
peer=$top/build/guests/dom0-peer.elf        # d2: dom0's xenlib-check maps and signals it
fhost=$top/build/guests/foreign-map-hostile.elf   # d3: privcmd's hypercalls against dom0 and d2
xsc=$top/build/guests/xs-client.elf         # d5: served by dom0's xenstored on its ring
xsh=$top/build/guests/xs-hostile.elf        # d6, d7: break their rings (length, indexes)
# d8: the stock kernel as a domU (pvtest=xs): its own xenbus on the ring dom0's xenstored serves
res=$top/build/test-results/dom0; mkdir -p "$res"
DOM0_MEM=${DOM0_MEM:-512M}
TMO=${TMO:-400}
KARGS="console=hvc0 loglevel=4 pvtest=dom0 pvtest.cpus=${DOM0_VCPUS:-1}"
status=0

for f in "$hv" "$k" "$ird" "$domu" "$peer" "$fhost" "$domu2" "$xsc" "$xsh"; do
  [ -f "$f" ] || { echo "FAIL: dom0/setup: missing $f (make hypervisor guests linux-image)"; exit 1; }
done

# Whether the log (CRs dropped) has a line matching the ERE. grep -c reads to the end:
# `tr | grep -q` under pipefail fails at random when grep stops early and tr gets SIGPIPE.
log_has() { tr -d '\r' < "$log" | grep -Ec -- "$1" > /dev/null; }

show_tail() { echo "    --- last lines of $1 ---"; tail -n 30 "$1" | tr -d '\r' | sed 's/^/    /'; }

# The AHCI disk: 4 MiB from a fixed seed, on q35's built-in ich9-ahci (port 0).
disk=$res/disk.img
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(13).randbytes(4 << 20))' > "$disk"
disk_sha=$(sha256sum "$disk" | cut -d' ' -f1)
export QEMU_EXTRA="${QEMU_EXTRA:-} -drive if=none,id=d0,file=$disk,format=raw -device ide-hd,drive=d0,bus=ide.0"

# --- dom0's network card (issue 13 step 3) ---------------------------------------------------
# virtio-net-pci (MSI-X) on QEMU's user network; an HTTP server on a free host port serves
# net.bin (1 MiB from a fixed seed), which dom0 reaches as 10.0.2.2:PORT (pvhttp=PORT).
www=$res/www; mkdir -p "$www"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(14).randbytes(1 << 20))' > "$www/net.bin"
net_sha=$(sha256sum "$www/net.bin" | cut -d' ' -f1)
rm -f "$res/http.port"
python3 "$top/tests/host-net.py" serve "$www" "$res/http.port" > "$res/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$res/http.port" ] && break; sleep 0.1; done
http_port=$(cat "$res/http.port" 2>/dev/null)
[ -n "$http_port" ] || { echo "FAIL: dom0/setup: the HTTP server did not start"; cat "$res/http.log"; exit 1; }
# The reverse: QEMU forwards a free host port to dom0's busybox httpd (port 8080).
fwd_port=$(python3 "$top/tests/host-net.py" free-port)
KARGS="$KARGS pvhttp=$http_port pvhostfwd=$fwd_port"
export QEMU_EXTRA="$QEMU_EXTRA -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$fwd_port-:8080 -device virtio-net-pci,netdev=n0"
# Waits for dom0's "httpd-ready", fetches served.bin into $res, then tells dom0 (cgi-bin/done).
fetch_from_dom0() {
  exec python3 "$top/tests/host-net.py" fetch "$1" "(d0) httpd-ready" "$fwd_port" served.bin "$res/served.bin" "$2"
}
rm -f "$res/served.bin"
# --- end of dom0's network card ---

# Dom0's Xen interfaces for user space (privcmd, evtchn, gntdev through Debian's libraries,
# tests/dom0/xenlib-check.c): dom0's summary and its peer domU's (tests/guests/dom0-peer, d2).
check_xenlib() {
  if log_has '^\(d0\) xenlib-check: [1-9][0-9]* passed, 0 failed' &&
     log_has '^\(d2\) DONE: dom0-peer: [1-9][0-9]* passed, 0 failed' && log_has '\(HV\) d2 shutdown: poweroff'; then
    echo "PASS: dom0/xenlib-with-peer-domU"
  else
    echo "FAIL: dom0/xenlib-with-peer-domU"; tr -d '\r' < "$log" | grep -E '^\((d2|d0)\) (FAIL|xenlib)' | sed 's/^/    /'; status=1
  fi
  if log_has '^\(d3\) DONE: foreign-map-hostile: [1-9][0-9]* passed, 0 failed' && log_has '\(HV\) d3 shutdown: poweroff'; then
    echo "PASS: dom0/domU-foreign-maps-refused"
  else
    echo "FAIL: dom0/domU-foreign-maps-refused"; tr -d '\r' < "$log" | grep '^(d3) FAIL' | sed 's/^/    /'; status=1
  fi
}

# Dom0's xenstored (xenstore-lite, tests/linux/dom0-xenstored.sh; dom0's own checks are in
# dom0-checks.sh's xenstore block): the boot-time domUs on their rings end cleanly, the
# hostile ones after the daemon flagged their ring (docs/xenstore.md).
check_xenstore() {
  local d
  if log_has '^\(d5\) DONE: xs-client: [1-9][0-9]* passed, 0 failed' && log_has '\(HV\) d5 shutdown: poweroff'; then
    echo "PASS: dom0/xenstore-domU-on-its-ring"
  else
    echo "FAIL: dom0/xenstore-domU-on-its-ring"; tr -d '\r' < "$log" | grep -E '^\(d5\) (FAIL|INFO)' | sed 's/^/    /'; status=1
  fi
  if log_has '^\(d8\) XS-NAME: d8$' && log_has '^\(d8\) XS-WROTE: data/from-linux' && log_has '\(HV\) d8 shutdown: poweroff'; then
    echo "PASS: dom0/xenstore-linux-domU-xenbus"
  else
    echo "FAIL: dom0/xenstore-linux-domU-xenbus"; tr -d '\r' < "$log" | grep -E '^\(d8\) XS-' | sed 's/^/    /'; status=1
  fi
  for d in 6 7; do
    if log_has "^\\(d$d\\) DONE: xs-hostile: [1-9][0-9]* passed, 0 failed" && log_has "\\(HV\\) d$d shutdown: poweroff"; then
      echo "PASS: dom0/xenstore-hostile-ring-d$d-dropped"
    else
      echo "FAIL: dom0/xenstore-hostile-ring-d$d-dropped"; tr -d '\r' < "$log" | grep -E "^\\(d$d\\) (FAIL|INFO)" | sed 's/^/    /'; status=1
    fi
  done
}

log=$res/boot.log; sock=$res/boot.sock
rm -f "$log"
start=$(date +%s)
# The keys go in once the shell has started (after the checks' summary). Not on its
# prompt: console_io output reaches the log a whole line at a time, and a prompt has no newline.
# shellcheck disable=SC2016
python3 "$top/tests/linux/type-keys.py" "$sock" "$log" "Enter 'help' for a list" \
    'echo typed-$((6*7))\npoweroff\n' "$TMO" > "$res/type-keys.out" 2>&1 &   # connected until QEMU ends
tpid=$!
fetch_from_dom0 "$log" "$TMO" > "$res/fetch-from-dom0.out" 2>&1 &   # dom0's network card, the reverse
fpid=$!
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -c "${DOM0_SMP:-1}" -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=$DOM0_MEM dom0_max_vcpus=${DOM0_VCPUS:-1}" \
    -M "$k $KARGS" -M "$ird initrd" -M "$domu" -M "$peer" \
    -M "$fhost domid=3 other=2 dom0=1" -M "$domu2" -M "$xsc" -M "$xsh mode=len" -M "$xsh mode=idx" \
    -M "$k console=hvc0 loglevel=4 pvtest=xs pvhv.mem=128M" -M "$ird initrd" -m 1024 -l "$log" -s "$sock" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
kill $tpid 2>/dev/null; wait $tpid 2>/dev/null
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
echo "dom0: boot, checks and shell took $(( $(date +%s) - start ))s" >&2

sed -n 's/^(d0) \(PASS\|FAIL\): /\1: /p' "$log" | tr -d '\r'
if log_has '^\(d0\) [1-9][0-9]* passed, 0 failed'; then
  echo "PASS: dom0/checks-complete"
else
  echo "FAIL: dom0/checks-complete: no clean summary line"; show_tail "$log"; status=1
fi
tr -d '\r' < "$log" | sed -n 's/^(d0) interrupts: */    \/proc\/interrupts: /p'
if log_has "^\\(d0\\) disk-sha256: $disk_sha\$"; then
  echo "PASS: dom0/ahci-disk-read-matches-host"
else
  echo "FAIL: dom0/ahci-disk-read-matches-host: host $disk_sha, dom0 '$(tr -d '\r' < "$log" | sed -n 's/^(d0) disk-sha256: //p')'"
  status=1
fi
# --- dom0's network card: the file dom0 fetched is the host's ---
if log_has "^\\(d0\\) net-sha256: $net_sha\$"; then
  echo "PASS: dom0/net-http-fetch-matches-host"
else
  echo "FAIL: dom0/net-http-fetch-matches-host: host $net_sha, dom0 '$(tr -d '\r' < "$log" | sed -n 's/^(d0) net-sha256: //p')'"
  status=1
fi
served=$(tr -d '\r' < "$log" | sed -n 's/^(d0) served-sha256: //p')
if [ -n "$served" ] && [ -f "$res/served.bin" ] && [ "$(sha256sum "$res/served.bin" | cut -d' ' -f1)" = "$served" ]; then
  echo "PASS: dom0/net-host-fetched-from-dom0"
else
  echo "FAIL: dom0/net-host-fetched-from-dom0: dom0 served '$served'; $(cat "$res/fetch-from-dom0.out" 2>/dev/null | tail -2)"
  status=1
fi
# --- end of dom0's network card ---
if [ "$(dd if="$disk" bs=512 skip=4096 count=1 2>/dev/null | head -c 26)" = "pvhv-dom0-wrote-this-block" ]; then
  echo "PASS: dom0/ahci-disk-write-reached-host"
else
  echo "FAIL: dom0/ahci-disk-write-reached-host: block 4096 of the image does not hold dom0's bytes"; status=1
fi
if log_has "\\(HV\\) irq: d0's PIRQ EOI bitmap is frame [0-9a-f]+"; then
  echo "PASS: dom0/pirq-eoi-bitmap-registered"
else
  echo "FAIL: dom0/pirq-eoi-bitmap-registered: no PHYSDEVOP_pirq_eoi_gmfn_v2 from dom0"; status=1
fi
if log_has '^\(d0\) typed-42'; then
  echo "PASS: dom0/console-keyboard-input"
else
  echo "FAIL: dom0/console-keyboard-input: the typed command got no answer"; show_tail "$log"; status=1
fi
if log_has '^\(d1\) DONE: dom0-ops-hostile: [1-9][0-9]* passed, 0 failed' &&
   log_has '\(HV\) d1 shutdown: poweroff'; then
  echo "PASS: dom0/domU-refused-next-to-dom0"
else
  echo "FAIL: dom0/domU-refused-next-to-dom0"; tr -d '\r' < "$log" | grep '^(d1) FAIL' | sed 's/^/    /'; status=1
fi
if log_has '^\(d4\) DONE: physdev-hostile: [1-9][0-9]* passed, 0 failed' &&
   log_has '\(HV\) d4 shutdown: poweroff'; then
  echo "PASS: dom0/physdev-refused-to-domU-next-to-dom0"
else
  echo "FAIL: dom0/physdev-refused-to-domU-next-to-dom0"; tr -d '\r' < "$log" | grep '^(d4) FAIL' | sed 's/^/    /'; status=1
fi
check_xenlib
check_xenstore
if log_has '\(HV\) d0 shutdown: poweroff'; then
  echo "PASS: dom0/poweroff-reported"
else
  echo "FAIL: dom0/poweroff-reported"; status=1
fi
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then echo "PASS: dom0/final-state"
else echo "FAIL: dom0/final-state: $why"; show_tail "$log"; status=1; fi
exit $status
