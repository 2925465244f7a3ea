#!/usr/bin/env bash
# bench/mmu-pair.sh [RUNS]: do two domains' page-table work slow each other down?
# (`make bench-mmu-pair`, docs/smp.md "Page types and reference counts".) Boots the
# bench-mmu guest (tests/guests/bench-mmu: mmu_update of 512 L1 entries, pin+unpin of an
# address space, update_va_mapping, a loopback grant map) RUNS times (default 9) alone on
# one CPU ("one"), and RUNS times as two domains at once on two CPUs ("pair": both
# domains' figures). pair/one near 1.00: the two domains run their work side by side;
# near 2: they take turns (one lock over every domain's frames would do that).
# HV_IMAGE: the build to measure (default build/hypervisor/hypervisor.bin); HV_BASE:
# another build to compare with (boots alternate, so drift hits both alike), e.g. main's.
# The real Xen is not in this one: its guest benches run the guest as dom0, and two at
# once would need a toolstack (bench-mmu compares single-domain costs with Xen).
# Logs: build/bench/mmu-pair/<build>-<one|pair>-<n>.log.
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=bench/stats.sh
. "$top/bench/stats.sh"
runs=${1:-${RUNS:-9}}
bench_check_runs "$runs"
guest=$top/build/guests/bench-mmu.elf
out=$top/build/bench/mmu-pair
figures=(mmu-update-512 pin-unpin-l4 uvm-invlpg grant-map-unmap)
declare -A image=([this]=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin})
builds=(this)
[ -n "${HV_BASE:-}" ] && { image[base]=$HV_BASE; builds=(base this); }
for b in "${builds[@]}"; do
  [ -f "${image[$b]}" ] || { echo "bench-mmu-pair: no ${image[$b]}" >&2; exit 1; }
done
[ -f "$guest" ] || { echo "bench-mmu-pair: no $guest (run make guests)" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.log

boot() {   # build mode n
  local cpus=1 mods=(-M "$guest") end='^\(d1\) DONE: '
  if [ "$2" = pair ]; then
    cpus=2 mods=(-M "$guest" -M "$guest domid=2") end='no domains left'
  fi
  bash "$top/tests/guests/tcg-boot.sh" -c $cpus -k "${image[$1]}" -a "console=com1 loglvl=all" \
    "${mods[@]}" -l "$out/$1-$2-$3.log" -t 240 -e "$end|\(HV\) .*[Pp]anic" > /dev/null 2>&1
}

for ((n = 1; n <= runs; n++)); do
  for b in "${builds[@]}"; do
    echo "bench-mmu-pair: boot $n of $runs ($b)" >&2
    boot "$b" one "$n"
    boot "$b" pair "$n"
  done
done

# Every value of one figure in one build's logs of one mode (a pair boot gives two).
values() {   # build mode figure
  cat "$out/$1-$2"-*.log 2>/dev/null | tr -d '\r' | sed -E 's/^\(d[0-9]+\) //' |
    awk -v f="$3" '$1 == "BENCH:" && $2 == f { print $3 }'
}

bad=$(cat "$out"/*.log | tr -d '\r' | grep -cE '^\(d[0-9]+\) FAIL:|[Pp]anic')
printf '%-16s %-5s %-34s %-34s %-11s\n' figure build "one: min / median / max (n)" \
  "pair: min / median / max (n)" "pair/one"
for f in "${figures[@]}"; do
  for b in "${builds[@]}"; do
    read -r omin omed omax <<< "$(values "$b" one "$f" | bench_stats)"
    read -r pmin pmed pmax <<< "$(values "$b" pair "$f" | bench_stats)"
    printf '%-16s %-5s %-34s %-34s %s %s\n' "$f" "$b" \
      "$omin / $omed / $omax ($(values "$b" one "$f" | wc -l))$(bench_spread_flag "$omin" "$omax")" \
      "$pmin / $pmed / $pmax ($(values "$b" pair "$f" | wc -l))$(bench_spread_flag "$pmin" "$pmax")" \
      "$(bench_ratio "$pmin" "$omin")" "$(bench_ratio "$pmed" "$omed")"
  done
done
echo "(rdtsc cycles; pair/one: ratio of minimums, then of medians; ! = spread over 30 %)"
[ "$bad" -eq 0 ] || { echo "bench-mmu-pair: $bad FAIL or panic lines in $out" >&2; exit 1; }
