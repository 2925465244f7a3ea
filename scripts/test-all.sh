#!/usr/bin/env bash
# Runs every suite (each keeps going after another fails) and ends with the
# totals line that CI reads: "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rm -rf build/test-results
suites=(test-unit test-xenstore test-runner test-guests test-linux test-dom0 test-toolstack test-io test-net test-run test-hvm test-linux-patched)
for s in "${suites[@]}"; do
  echo "=== $s ==="
  make -s "$s" || true
done
cat build/test-results/*.log 2>/dev/null > build/test-results/all.txt
pass=$(grep -c '^PASS: ' build/test-results/all.txt)
fail=$(grep -c '^FAIL: ' build/test-results/all.txt)
echo
echo "=== summary ==="
grep '^FAIL: ' build/test-results/all.txt || true
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
