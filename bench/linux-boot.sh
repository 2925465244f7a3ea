#!/usr/bin/env bash
# bench/linux-boot.sh [RUNS]: time from QEMU start to the guest's /init marker,
# for the same stock Debian kernel (build/linux/vmlinux) and initramfs under
# our hypervisor (as a domU) and under the real Xen 4.17 (as dom0: Xen boots
# its kernel as dom0 without a toolstack), same QEMU (TCG, 1 vCPU, 1 GiB),
# 256 MiB for the guest. Prints min/median/max of each side, the ratio of
# minimums and the ratio of medians (bench/stats.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-9}}
. "$top/bench/stats.sh"
bench_check_runs "$runs"
out=$top/build/bench/linux-boot; mkdir -p "$out"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
hv=$top/build/hypervisor/hypervisor.bin
KARGS="console=hvc0 loglevel=3 pvtest=marker"

# Runs a boot command in the background; prints seconds until INIT-MARKER.
time_to_marker() {   # log cmd...
  local log=$1; shift
  rm -f "$log"
  local t0; t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1 &
  local pid=$! t=""
  while kill -0 $pid 2>/dev/null; do
    if grep -q INIT-MARKER "$log" 2>/dev/null; then t=$(date +%s.%N); break; fi
    sleep 0.05
  done
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  [ -n "$t" ] && awk -v a="$t0" -v b="$t" 'BEGIN { printf "%.2f\n", b - a }'
}

bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "bench: cannot set up the real Xen" >&2; exit 1; }
: > "$out/ours.txt"; : > "$out/xen.txt"
for i in $(seq "$runs"); do
  echo "bench-linux-boot: run $i/$runs" >&2
  time_to_marker "$out/ours-$i.log" "$top/scripts/qemu-boot.sh" -k "$hv" -a "console=com1 loglvl=info" \
      -M "$k $KARGS pvhv.mem=256M" -M "$ird initrd" -m 1024 -l "$out/ours-$i.log" -t 300 \
      -e 'INIT-MARKER' >> "$out/ours.txt"
  XEN_EXTRA_ARGS="dom0_mem=256M,max:256M" time_to_marker "$out/xen-$i.log" bash "$top/scripts/xen-ref.sh" \
      -M "$k $KARGS" -M "$ird" -m 1024 -l "$out/xen-$i.log" -t 300 -e 'INIT-MARKER' >> "$out/xen.txt"
done
read -r omin omed omax < <(bench_stats < "$out/ours.txt")
read -r xmin xmed xmax < <(bench_stats < "$out/xen.txt")
echo "bench-linux-boot: QEMU start -> guest /init marker, seconds, TCG, $runs boots each"
echo "kernel: $(cat "$top/build/linux/kernel-package"), unmodified; ours: domU d1; Xen 4.17: dom0 (no toolstack)"
bench_header xen
bench_row boot-to-init "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax"
bench_footer
echo "goal: <= 0.70"
