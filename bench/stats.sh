# bench/stats.sh: the statistics every bench prints, sourced by the bench
# scripts. TCG makes absolute times meaningless and single boots noisy, so a
# bench compares ours with the reference in the same run over >= 9 boots and
# reports min/median/max of each side, the ratio of minimums (the stable
# figure) beside the ratio of medians, and flags a side whose spread
# (max - min) / min is over 30%.

BENCH_MIN_RUNS=9
BENCH_SPREAD_FLAG=0.30

# "min median max" of the numbers on stdin (one a line), or "n/a n/a n/a".
bench_stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a n/a n/a"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.10g %.10g %.10g\n", v[1], m, v[NR] }'
}

# a/b with two decimals, or n/a.
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

# "!" when (max - min) / min > 30%, else "".
bench_spread_flag() {
  awk -v lo="$1" -v hi="$2" -v f="$BENCH_SPREAD_FLAG" 'BEGIN {
    if (lo ~ /^[0-9.]+$/ && lo > 0 && (hi - lo) / lo > f) printf "!" }'
}

bench_check_runs() {   # runs
  if [ "$1" -lt "$BENCH_MIN_RUNS" ]; then
    echo "bench: $1 boots is below the $BENCH_MIN_RUNS the project's figures need (fine for a smoke run)" >&2
  fi
}

# The header and one row: figure, each side's min/med/max (spread flag), ratios.
bench_header() {
  printf '%-24s %9s %9s %9s  %9s %9s %9s  %9s %9s\n' figure ours-min ours-med ours-max \
    "$1-min" "$1-med" "$1-max" "min-ratio" "med-ratio"
}
bench_row() {   # figure omin omed omax xmin xmed xmax
  local of xf
  of=$(bench_spread_flag "$2" "$4"); xf=$(bench_spread_flag "$5" "$7")
  printf '%-24s %9s %9s %9s  %9s %9s %9s  %9s %9s\n' "$1" "$2" "$3" "$4$of" "$5" "$6" "$7$xf" \
    "$(bench_ratio "$2" "$5")" "$(bench_ratio "$3" "$6")"
}

bench_footer() {
  echo "ratios are ours / reference (< 1: ours is faster); min-ratio is the stable one."
  echo "! after a max: that side's spread (max - min) / min is over 30%: a noisy machine, rerun."
}
