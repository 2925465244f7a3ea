#!/usr/bin/env bash
# run-linux.sh: the stock Debian kernel as a PV domU on our hypervisor.
#  1. boot + checks: /init runs tests/linux/checks.sh (fork/exec, pipes,
#     signals, mmap/mprotect, COW, tmpfs checksums, meminfo, parallel gzip),
#     then sleeps 10 s between two clock stamps that this runner times with
#     the host clock; then powers off.
#  2. two guests: one crashes on purpose (sysrq c) while the other finishes
#     its checks; each shutdown must be reported with its reason.
#  6. a guest with LINUX_VCPUS vCPUs (default 4; pvhv.vcpus=N) on LINUX_VCPU_SMP physical
#     CPUs (default 2): the checks with every CPU online, CPU 1 offline and back
#     (VCPUOP_down/up), a task on it, every CPU but 0 offline at once and back, and a
#     job pinned to each CPU (gzip/md5sum, checked, run where it was pinned).
#     LINUX_VCPU_HV=WORDS: extra hypervisor options for that boot (e.g. vcpu_spread=0:
#     the vCPUs on one CPU, docs/smp.md "Guest vCPUs").
#  7. two 2-vCPU guests on 2 physical CPUs spin on every vCPU: similar totals (fair share).
# Every boot must also end in the hypervisor's clean final state (tests/final-state.sh: no
# panic anywhere, "(HV) no domains left" with every frame back, power-off): linux/<boot>/final-state.
# LINUX_SMP=N: QEMU with N CPUs (default 1).
# Logs: build/test-results/linux/*.log; on failure the last lines are shown.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
res=$top/build/test-results/linux; mkdir -p "$res"
MEM_MIB=256
KARGS="console=hvc0 loglevel=3 pvtest.mem_mib=$MEM_MIB pvhv.mem=${MEM_MIB}M"
status=0

for f in "$hv" "$k" "$ird"; do
  [ -f "$f" ] || { echo "FAIL: linux/setup: missing $f (make hypervisor linux-image)"; exit 1; }
done

show_tail() { echo "    --- last lines of $1 ---"; tail -n 25 "$1" | tr -d '\r' | sed 's/^/    /'; }

# The boot's final state: PASS/FAIL linux/<boot>/final-state.
final_state() {   # boot log qemu_boot_rc timeout_s
  local why
  why=$(hv_boot_verdict "$2" "$3" "$4")
  if [ -z "$why" ]; then echo "PASS: linux/$1/final-state"; return 0; fi
  echo "FAIL: linux/$1/final-state: $why"; show_tail "$2"; status=1
}

# Boots in the background and stamps the host time of the guest's TIME lines.
boot_timed() {   # log timeout modules...
  local log=$1 tmo=$2; shift 2
  local args=() m
  for m in "$@"; do args+=(-M "$m"); done
  rm -f "$log" "$log.host-start" "$log.host-end"
  "$top/scripts/qemu-boot.sh" -c "${LINUX_SMP:-1}" -k "$hv" -a "console=com1 loglvl=info${BOOT_HV_EXTRA:-}" "${args[@]}" -m 1024 \
      -l "$log" -t "$tmo" -e "$HV_END_RE" > /dev/null &
  local qpid=$! seen_s=0 seen_e=0
  while kill -0 $qpid 2>/dev/null; do
    if [ $seen_s = 0 ] && grep -q 'TIME-START' "$log" 2>/dev/null; then date +%s.%N > "$log.host-start"; seen_s=1; fi
    if [ $seen_e = 0 ] && grep -q 'TIME-END' "$log" 2>/dev/null; then date +%s.%N > "$log.host-end"; seen_e=1; fi
    sleep 0.1
  done
  wait $qpid
}

check_time() {   # log
  local log=$1 gs ge hs he
  gs=$(sed -n 's/.*TIME-START \([0-9.]*\).*/\1/p' "$log" | head -1)
  ge=$(sed -n 's/.*TIME-END \([0-9.]*\).*/\1/p' "$log" | head -1)
  hs=$(cat "$log.host-start" 2>/dev/null); he=$(cat "$log.host-end" 2>/dev/null)
  if [ -z "$gs" ] || [ -z "$ge" ] || [ -z "$hs" ] || [ -z "$he" ]; then
    echo "FAIL: linux/time-keeps-pace: no time stamps"; return 1; fi
  awk -v gs="$gs" -v ge="$ge" -v hs="$hs" -v he="$he" 'BEGIN {
    g = ge - gs; h = he - hs; d = (g > h ? g - h : h - g) / h * 100;
    if (d < 5) { printf "PASS: linux/time-keeps-pace (guest %.2fs, host %.2fs, %.1f%%)\n", g, h, d; exit 0 }
    printf "FAIL: linux/time-keeps-pace: guest %.2fs vs host %.2fs (%.1f%%)\n", g, h, d; exit 1 }'
}

# --- 1. one guest, checks ---
log=$res/checks.log
start=$(date +%s)
boot_timed "$log" 600 "$k $KARGS pvtest=checks" "$ird initrd"; rc=$?
echo "linux: boot + checks took $(( $(date +%s) - start ))s" >&2
sed -n 's/^(d1) \(PASS\|FAIL\): /\1: /p' "$log" | tr -d '\r'
if ! grep -q '^(d1) [1-9][0-9]* passed, 0 failed' "$log"; then
  echo "FAIL: linux/checks-complete: no clean summary line"; show_tail "$log"; status=1
else
  echo "PASS: linux/checks-complete"
fi
check_time "$log" || status=1
grep -q '(HV) d1 shutdown: poweroff' "$log" && echo "PASS: linux/poweroff-reported" \
  || { echo "FAIL: linux/poweroff-reported"; status=1; }
grep -q 'INIT-MARKER' "$log" && echo "PASS: linux/boots-to-init" || { echo "FAIL: linux/boots-to-init"; show_tail "$log"; status=1; }
final_state checks "$log" $rc 600

# --- 2. reboot is reported as such ---
log=$res/reboot.log
boot_timed "$log" 300 "$k $KARGS pvtest=reboot" "$ird initrd"; rc=$?
grep -q '(HV) d1 shutdown: reboot' "$log" && echo "PASS: linux/reboot-reported" \
  || { echo "FAIL: linux/reboot-reported"; show_tail "$log"; status=1; }
final_state reboot "$log" $rc 300

# --- 3. two guests: d2 crashes while d1 finishes ---
log=$res/two-guests.log
boot_timed "$log" 900 "$k $KARGS pvtest=checks" "$ird initrd" "$k $KARGS pvtest=crash" "$ird initrd"
rc=$?
if grep -q '(HV) d2 shutdown: crash' "$log" && grep -q '^(d1) [1-9][0-9]* passed, 0 failed' "$log" \
   && grep -q '(HV) d1 shutdown: poweroff' "$log"; then
  echo "PASS: linux/two-guests-one-crashes"
else
  echo "FAIL: linux/two-guests-one-crashes"; show_tail "$log"; status=1
fi
final_state two-guests "$log" $rc 900
# --- 4. the console: keys typed on the serial line reach the shell on hvc0 ---
log=$res/console-input.log; sock=$res/console-input.sock
rm -f "$log"
python3 "$top/tests/linux/type-keys.py" "$sock" "$log" 'pvhv-guest:/# ' 'echo typed-$((6*7))\npoweroff\n' &
tpid=$!
"$top/scripts/qemu-boot.sh" -c "${LINUX_SMP:-1}" -k "$hv" -a "console=com1 loglvl=info" -M "$k $KARGS" -M "$ird initrd" \
    -m 1024 -l "$log" -s "$sock" -t 300 -e "$HV_END_RE" > /dev/null
rc=$?
wait $tpid
# The output line may carry the echo of a key typed ahead ("ptyped-42"): with the guest on
# another CPU than the one forwarding the input, the echo can come first. The command's own
# echo reads "typed-$((6*7))", so "typed-42" is only ever the shell's output.
if tr -d '\r' < "$log" | grep -c '^(d1) .*typed-42' >/dev/null && grep -q '(HV) d1 shutdown: poweroff' "$log"; then
  echo "PASS: linux/console-keyboard-input"
else
  echo "FAIL: linux/console-keyboard-input"; show_tail "$log"; status=1
fi
final_state console-input "$log" $rc 300

# --- 5. fair share: two guests spinning over the same 10 s get similar counts ---
log=$res/fair-share.log
boot_timed "$log" 600 "$k $KARGS pvtest=spin" "$ird initrd" "$k $KARGS pvtest=spin" "$ird initrd"
rc=$?
c1=$(sed -n 's/^(d1) SPIN-COUNT \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
c2=$(sed -n 's/^(d2) SPIN-COUNT \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
# On two or more CPUs each guest has a CPU of its own: the counts then compare how the
# host runs QEMU's vCPU threads, not our scheduler (tests.conf cpu-spin-* measure that).
if [ "${LINUX_SMP:-1}" -gt 1 ]; then
  echo "SKIP: linux/fair-share (LINUX_SMP=$LINUX_SMP: d1 $c1, d2 $c2 iterations, each on its own CPU)"
elif [ -n "$c1" ] && [ -n "$c2" ] && awk -v a="$c1" -v b="$c2" 'BEGIN { r = a < b ? a / b : b / a; exit !(r >= 0.75) }'; then
  echo "PASS: linux/fair-share (d1 $c1, d2 $c2 iterations)"
else
  echo "FAIL: linux/fair-share: d1 '$c1' vs d2 '$c2' iterations"; show_tail "$log"; status=1
fi
final_state fair-share "$log" $rc 600

# --- 6. a guest with several vCPUs: brought up with VCPUOP_initialise/up, CPU hotplug ---
nv=${LINUX_VCPUS:-4}
log=$res/vcpus.log
LINUX_SMP=${LINUX_VCPU_SMP:-2} BOOT_HV_EXTRA="${LINUX_VCPU_HV:+ $LINUX_VCPU_HV}" \
  boot_timed "$log" 600 "$k $KARGS pvtest=checks pvtest.cpus=$nv pvhv.vcpus=$nv" "$ird initrd"; rc=$?
sed -n 's/^(d1) \(PASS\|FAIL\): linux\/\(cpu\|task\)/\1: linux\/vcpus\/\2/p' "$log" | tr -d '\r'
if grep -q '^(d1) [1-9][0-9]* passed, 0 failed' "$log" && grep -q '^(d1) PASS: linux/cpus-online' "$log" \
   && grep -q '^(d1) PASS: linux/cpu-parallel-jobs-on-every-cpu' "$log" \
   && grep -q '(HV) d1 shutdown: poweroff' "$log"; then
  echo "PASS: linux/vcpus-$nv-checks"
else
  echo "FAIL: linux/vcpus-$nv-checks"; show_tail "$log"; status=1
fi
final_state vcpus "$log" $rc 600

# --- 7. fair share with several vCPUs: two 2-vCPU guests on 2 physical CPUs, a spinning
# loop on each vCPU (pinned), get similar totals (each should have one CPU's worth) ---
log=$res/fair-share-smp.log
LINUX_SMP=2 boot_timed "$log" 600 "$k $KARGS pvtest=spin pvhv.vcpus=2" "$ird initrd" \
  "$k $KARGS pvtest=spin pvhv.vcpus=2" "$ird initrd"
rc=$?
c1=$(sed -n 's/^(d1) SPIN-COUNT \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
c2=$(sed -n 's/^(d2) SPIN-COUNT \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
if [ -n "$c1" ] && [ -n "$c2" ] && awk -v a="$c1" -v b="$c2" 'BEGIN { r = a < b ? a / b : b / a; exit !(r >= 0.75) }'; then
  echo "PASS: linux/fair-share-2x2-vcpus (d1 $c1, d2 $c2 iterations)"
else
  echo "FAIL: linux/fair-share-2x2-vcpus: d1 '$c1' vs d2 '$c2' iterations"; show_tail "$log"; status=1
fi
final_state fair-share-smp "$log" $rc 600
exit $status
