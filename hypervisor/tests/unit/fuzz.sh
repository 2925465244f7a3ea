#!/usr/bin/env bash
# fuzz.sh BIN OUTDIR: replay the kept inputs (fuzz-corpus/, fuzz-regressions/),
# then fuzz the hypercall table for FUZZ_SECONDS (default 60). One PASS/FAIL
# line each; a crash input is copied into fuzz-regressions/ to be committed.
# FUZZ_NAME=insn: the MMIO instruction decoder's target instead, its inputs
# in fuzz-insn-corpus/ and fuzz-insn-regressions/.
set -uo pipefail
bin=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-60}
name=${FUZZ_NAME:-}
corpus=$here/fuzz${name:+-$name}-corpus regress=$here/fuzz${name:+-$name}-regressions
what=${name:-hypercalls}
mkdir -p "$corpus" "$regress" "$out/work" "$out/crashes"
rm -f "$out/crashes/"*

if o=$("$bin" -runs=0 "$corpus" "$regress" 2>&1); then
  echo "PASS: unit/fuzz/${name:+$name/}replay_corpus_and_regressions"
else
  echo "FAIL: unit/fuzz/${name:+$name/}replay_corpus_and_regressions: $(echo "$o" | grep -m1 -E 'ERROR|runtime error|SUMMARY')"
fi
[ "$secs" -gt 0 ] || exit 0
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" "$out/work" "$corpus" > "$out/last-run.log" 2>&1
rc=$?
# slow-unit-* files only say an input once took over 10 s (a loaded host):
# not a failure; a real hang is a timeout-* (rc != 0).
crashes=$(ls "$out/crashes" 2>/dev/null | grep -v "^slow-unit-")
if [ $rc -eq 0 ] && [ -z "$crashes" ]; then
  echo "PASS: unit/fuzz/${what}_${secs}s ($(sed -n 's/^stat::number_of_executed_units: *//p' "$out/last-run.log") inputs)"
else
  for c in $crashes; do cp "$out/crashes/$c" "$regress/"; done
  echo "FAIL: unit/fuzz/${what}_${secs}s: rc=$rc, kept $(echo $crashes | wc -w) input(s) in ${regress#$here/}: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$out/last-run.log")"
  exit 1
fi
