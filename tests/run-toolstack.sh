#!/usr/bin/env bash
# run-toolstack.sh: pvctl, the toolstack, in dom0 (docs/toolstack.md). In `make test`
# (test-toolstack). Boots the stock Debian kernel as dom0 on q35, as run-dom0.sh does,
# with pvtest=toolstack: dom0's /init runs tests/linux/toolstack-checks.sh, which
# creates test guests (tests/guests/toolstack-guest) from /etc/pvctl/test.cfg, lists,
# pauses, unpauses and destroys them, serves a guest's console ring (pvctl console),
# boots the stock Debian kernel as a domU to its /init marker, feeds pvctl bad input (each refused with its
# message, nothing left behind), runs create->destroy cycles with free memory back at
# the baseline, prints "N passed, N failed" and powers off. The runner checks that
# summary, the guests' own lines on the serial log (their start-of-day checks, the
# spinning guest's marker) and the hypervisor's clean final state.
# Log: build/test-results/toolstack/boot.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
res=$top/build/test-results/toolstack; mkdir -p "$res"
TMO=${TMO:-600}
status=0

for f in "$hv" "$k" "$ird"; do
  [ -f "$f" ] || { echo "FAIL: toolstack/setup: missing $f (make hypervisor linux-image)"; exit 1; }
done
log_has() { tr -d '\r' < "$log" | grep -Ec -- "$1" > /dev/null; }
show_tail() { echo "    --- last lines of $1 ---"; tail -n 30 "$1" | tr -d '\r' | sed 's/^/    /'; }
expect() {   # name, ERE the log must have
  if log_has "$2"; then echo "PASS: toolstack/$1"; else echo "FAIL: toolstack/$1: no line /$2/"; status=1; fi
}

# Dom0's initramfs with the stock kernel's bzImage and the initramfs under /etc/pvctl/linux,
# for pvctl to boot a Linux domU (scripts/dom0-initrd.sh).
"$top/scripts/dom0-initrd.sh" "$res/initrd.gz" || { echo "FAIL: toolstack/setup: scripts/dom0-initrd.sh failed"; exit 1; }

log=$res/boot.log
rm -f "$log"
start=$(date +%s)
QEMU_MACHINE=q35 "$top/scripts/qemu-boot.sh" -k "$hv" \
    -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
    -M "$k console=hvc0 loglevel=4 pvtest=toolstack" -M "$res/initrd.gz initrd" \
    -m 1024 -l "$log" -t "$TMO" -e "$HV_END_RE" > /dev/null
rc=$?
echo "toolstack: boot and checks took $(( $(date +%s) - start ))s" >&2

tr -d '\r' < "$log" | sed -n 's/^(d0) \(PASS\|FAIL\): /\1: /p; s/^(d0) \(toolstack: .*\)/    \1/p'
if log_has '^\(d0\) [1-9][0-9]* passed, 0 failed'; then
  echo "PASS: toolstack/checks-complete"
else
  echo "FAIL: toolstack/checks-complete: no clean summary line"; show_tail "$log"; status=1
fi
# The guests' own view (console_io lines on the serial log): the builder gave them a
# correct start of day, the spinning one ran, the crashing one crashed.
expect guest-start-of-day-checked '^\(d[1-9][0-9]*\) DONE: toolstack-guest: [1-9][0-9]* passed, 0 failed$'
expect guest-saw-its-ramdisk '^\(d[1-9][0-9]*\) PASS: toolstack-guest: the initrd is loaded'
expect spinning-guest-ran '^\(d[1-9][0-9]*\) TOOLSTACK-GUEST: spin spinning'
expect console-guest-consumed '^\(d[1-9][0-9]*\) PASS: toolstack-guest: the console back end consumed the ring'
expect crash-guest-crashed '\(HV\) d[1-9][0-9]* shutdown: crash'
if log_has '^\(d[1-9][0-9]*\) FAIL'; then
  echo "FAIL: toolstack/guests-no-failures"; tr -d '\r' < "$log" | grep -E '^\(d[1-9][0-9]*\) FAIL' | sed 's/^/    /'; status=1
else
  echo "PASS: toolstack/guests-no-failures"
fi
expect dom0-poweroff '\(HV\) d0 shutdown: poweroff'
why=$(hv_boot_verdict "$log" "$rc" "$TMO")
if [ -z "$why" ]; then echo "PASS: toolstack/final-state"
else echo "FAIL: toolstack/final-state: $why"; show_tail "$log"; status=1; fi
exit $status
