#!/usr/bin/env bash
# bench/mmu.sh: PV MMU and grant operations, ours vs Xen 4.17: one mmu_update of 512 L1 entries,
# update_va_mapping+INVLPG, pin+unpin of a full address space, loopback grant map+unmap.
#
#   bench/mmu.sh [RUNS]              (default RUNS=5)
#
# Boots build/guests/bench-mmu.elf RUNS times under our hypervisor (as domU d1) and RUNS
# times under the real Xen 4.17 (as dom0), same QEMU configuration (TCG, 1 vCPU, 512 MiB),
# collects its "BENCH: <figure> <cycles>" lines and prints, per figure, min/median/max of the
# per-boot medians for each, and ours/Xen of the medians (< 1 = ours is faster).
# Logs: build/bench/mmu/{ours,xen}-<n>.log.  Guest args: $BENCH_ARGS (e.g. "iters=100").
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${1:-${RUNS:-5}}
guest=$top/build/guests/bench-mmu.elf
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
HV_CMDLINE=${HV_CMDLINE:-"console=com1 loglvl=all"}
out=$top/build/bench/mmu
figures=(mmu-update-512 uvm-invlpg pin-unpin-l4 grant-map-unmap)
mkdir -p "$out"
[ -f "$guest" ] || { echo "bench: no $guest (run make guests)" >&2; exit 1; }

run_ours() {   # n
  nice -n 10 bash "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "$HV_CMDLINE" \
    -M "$guest ${BENCH_ARGS:-}" -l "$out/ours-$1.log" -t 180 -e '^\(d1\) DONE: |\(HV\) .*[Pp]anic'
}
run_xen() {    # n
  bash "$top/scripts/xen-ref.sh" -M "$guest ${BENCH_ARGS:-}" -l "$out/xen-$1.log" -t 180 \
    -e '^DONE: |Panic on CPU|Dom0 crashed'
}

# Values of one figure over all logs of one side, one per line.
values() {   # side figure
  cat "$out/$1"-*.log 2>/dev/null | tr -d '\r' | sed -E 's/^\(d[0-9]+\) //' |
    awk -v f="$2" '$1 == "BENCH:" && $2 == f { print $3 }'
}

# "min median max" of stdin numbers, or "n/a".
stats() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a n/a n/a"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d %d %d\n", v[1], m, v[NR] }'
}

rm -f "$out"/ours-*.log "$out"/xen-*.log
ours_note=""
if [ -f "$hv" ]; then
  for ((i = 1; i <= runs; i++)); do run_ours "$i" >/dev/null 2>&1 || ours_note="(some runs failed, see $out)"; done
else
  ours_note="no hypervisor image at $hv (run make hypervisor): ours column unavailable"
fi
for ((i = 1; i <= runs; i++)); do run_xen "$i" >/dev/null 2>&1 || true; done

echo "bench-mmu: rdtsc cycles per operation, QEMU TCG, $runs boots each (per boot: median of batches)"
[ -n "$ours_note" ] && echo "ours: $ours_note"
printf '%-24s %8s %8s %8s   %8s %8s %8s   %10s\n' figure ours-min ours-med ours-max xen-min xen-med xen-max ours/xen
for f in "${figures[@]}"; do
  read -r omin omed omax < <(values ours "$f" | stats)
  read -r xmin xmed xmax < <(values xen "$f" | stats)
  ratio=n/a
  [[ $omed =~ ^[0-9]+$ && $xmed =~ ^[0-9]+$ && $xmed -gt 0 ]] &&
    ratio=$(awk -v a="$omed" -v b="$xmed" 'BEGIN { printf "%.2f", a / b }')
  printf '%-24s %8s %8s %8s   %8s %8s %8s   %10s\n' "$f" "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax" "$ratio"
done
