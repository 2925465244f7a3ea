#!/usr/bin/env bash
# guest-bench.sh NAME GUEST RUNS FIGURE...: the shared engine of the guest
# microbenchmarks (bench/hypercall.sh, bench/mmu.sh). Boots build/guests/GUEST.elf
# RUNS times under our hypervisor (as domU d1) and RUNS times under the real
# Xen 4.17 (as dom0), same QEMU configuration (TCG, 1 vCPU), collects the
# guest's "BENCH: <figure> <cycles>" lines and prints, per figure, min/median/max
# of the per-boot medians for each side and ours/Xen of the medians (< 1 = ours
# is faster). Logs: build/bench/NAME/{ours,xen}-<n>.log. Guest args: $BENCH_ARGS.
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
name=$1 guest=$top/build/guests/$2.elf runs=$3; shift 3
figures=("$@")
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
HV_CMDLINE=${HV_CMDLINE:-"console=com1 loglvl=all"}
out=$top/build/bench/$name
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

echo "bench-$name: rdtsc cycles per operation, QEMU TCG, $runs boots each (per boot: median of batches)"
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
