#!/usr/bin/env bash
# run-linux-patched.sh: build the minimal Linux 6.1 PV guest with the
# patches of guest-kernel-patches/ (build.sh) and boot it on pvhv with the
# same initramfs as the stock kernel: the in-guest checks must pass, and the
# patch's own line (the kernel's boot time on its own clock) must appear.
# The boot must end in the hypervisor's clean final state (tests/final-state.sh).
# Logs: build/test-results/linux-patched/{build,boot}.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux-patched/vmlinux; ird=$top/build/linux/initrd.gz
res=$top/build/test-results/linux-patched; mkdir -p "$res"
MEM_MIB=128
KARGS="console=hvc0 loglevel=7 pvtest.mem_mib=$MEM_MIB pvhv.mem=${MEM_MIB}M"
status=0

show_tail() { echo "    --- last lines of $1 ---"; tail -n 25 "$1" | tr -d '\r' | sed 's/^/    /'; }
fail() { echo "FAIL: linux-patched/$1"; status=1; }

for f in "$hv" "$ird"; do
  [ -f "$f" ] || { fail "setup: missing $f (make hypervisor linux-image)"; exit 1; }
done

start=$(date +%s)
if bash "$top/guest-kernel-patches/build.sh" > "$res/build.log" 2>&1 && [ -f "$k" ]; then
  echo "PASS: linux-patched/build ($(grep -c . "$top/guest-kernel-patches/series") patch(es), $(( $(date +%s) - start ))s)"
else
  fail build; show_tail "$res/build.log"; exit 1
fi

log=$res/boot.log
"$top/scripts/qemu-boot.sh" -k "$hv" -a "console=com1 loglvl=info" -M "$k $KARGS pvtest=checks" \
  -M "$ird initrd" -m 512 -l "$log" -t 600 -e "$HV_END_RE" > /dev/null
rc=$?
sed -n 's/^(d1) \(PASS\|FAIL\): linux\//\1: linux-patched\//p' "$log" | tr -d '\r'

ms=$(tr -d '\r' < "$log" | sed -n 's/.*pvhv: kernel handed over to user space after \([0-9]*\) ms.*/\1/p' | head -1)
[ -n "$ms" ] && echo "PASS: linux-patched/patch-in-effect (kernel boot ${ms} ms on its own clock)" \
  || { fail "patch-in-effect: no 'kernel handed over' line"; show_tail "$log"; }
grep -q '^(d1) [1-9][0-9]* passed, 0 failed' "$log" && echo "PASS: linux-patched/checks-complete" \
  || { fail "checks-complete: no clean summary line"; show_tail "$log"; }
grep -q '(HV) d1 shutdown: poweroff' "$log" && echo "PASS: linux-patched/poweroff-reported" \
  || fail poweroff-reported
why=$(hv_boot_verdict "$log" $rc 600)
[ -z "$why" ] && echo "PASS: linux-patched/final-state" || { fail "final-state: $why"; show_tail "$log"; }
exit $status
