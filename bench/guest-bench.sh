#!/usr/bin/env bash
# guest-bench.sh NAME GUEST RUNS FIGURE...: the shared engine of the guest
# microbenchmarks (bench/hypercall.sh, bench/mmu.sh). Boots build/guests/GUEST.elf
# RUNS times under our hypervisor (as domU d1) and RUNS times under the real
# Xen 4.17 (as dom0), same QEMU configuration (TCG, 1 CPU unless BENCH_SMP), alternating the
# two so that drift hits both alike, collects the guest's "BENCH: <figure>
# <cycles>" lines and prints, per figure, min/median/max of the per-boot
# medians for each side, the ratio of minimums and the ratio of medians
# (bench/stats.sh). Logs: build/bench/NAME/{ours,xen}-<n>.log. Guest args:
# $BENCH_ARGS (both sides), $BENCH_OURS_ARGS (ours only); $BENCH_SMP: QEMU's CPUs (default
# 1); $BENCH_XEN_ARGS: more options for the real Xen.
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
name=$1 guest=$top/build/guests/$2.elf runs=$3; shift 3
figures=("$@")
. "$top/bench/stats.sh"
bench_check_runs "$runs"
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
HV_CMDLINE=${HV_CMDLINE:-"console=com1 loglvl=all"}
out=$top/build/bench/$name
mkdir -p "$out"
[ -f "$guest" ] || { echo "bench: no $guest (run make guests)" >&2; exit 1; }

run_ours() {   # n
  bash "$top/tests/guests/tcg-boot.sh" -c "${BENCH_SMP:-1}" -k "$hv" -a "$HV_CMDLINE" \
    -M "$guest ${BENCH_ARGS:-} ${BENCH_OURS_ARGS:-}" -l "$out/ours-$1.log" -t 180 -e '^\(d1\) DONE: |\(HV\) .*[Pp]anic'
}
run_xen() {    # n
  XEN_EXTRA_ARGS="${BENCH_XEN_ARGS:-}" bash "$top/scripts/xen-ref.sh" -c "${BENCH_SMP:-1}" \
    -M "$guest ${BENCH_ARGS:-}" -l "$out/xen-$1.log" -t 180 -e '^DONE: |Panic on CPU|Dom0 crashed'
}

# Values of one figure over all logs of one side, one per line.
values() {   # side figure
  cat "$out/$1"-*.log 2>/dev/null | tr -d '\r' | sed -E 's/^\(d[0-9]+\) //' |
    awk -v f="$2" '$1 == "BENCH:" && $2 == f { print $3 }'
}

rm -f "$out"/ours-*.log "$out"/xen-*.log
ours_note=""
[ -f "$hv" ] || ours_note="no hypervisor image at $hv (run make hypervisor): ours column unavailable"
bash "$top/scripts/xen-ref-setup.sh" >/dev/null 2>&1 || echo "bench: cannot set up the real Xen" >&2
for ((i = 1; i <= runs; i++)); do
  echo "bench-$name: boot $i/$runs (ours, then Xen)" >&2
  if [ -f "$hv" ]; then
    run_ours "$i" >/dev/null 2>&1 || ours_note="(some runs failed, see $out)"
  fi
  run_xen "$i" >/dev/null 2>&1 || true
done

echo "bench-$name: rdtsc cycles per operation, QEMU TCG, $runs boots each (per boot: median of batches)"
[ -n "$ours_note" ] && echo "ours: $ours_note"
bench_header xen
for f in "${figures[@]}"; do
  read -r omin omed omax < <(values ours "$f" | bench_stats)
  read -r xmin xmed xmax < <(values xen "$f" | bench_stats)
  bench_row "$f" "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax"
done
bench_footer
