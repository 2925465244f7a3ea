#!/usr/bin/env bash
# test-suite.sh NAME CMD...: run one test suite, keep its full output in
# build/test-results/NAME.log, and print its "N passed, N failed" line.
# A suite reports each test as a line "PASS: name" or "FAIL: name"; a suite
# whose command fails without reporting any FAIL gets one "FAIL: NAME (exit N)".
set -uo pipefail
name=$1; shift
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
out=$top/build/test-results
mkdir -p "$out"
log=$out/$name.log
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -c '^PASS: ' "$log")
fail=$(grep -c '^FAIL: ' "$log")
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
  echo "FAIL: $name (suite exited $rc)" | tee -a "$log"
  fail=1
fi
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
