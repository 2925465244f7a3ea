#!/usr/bin/env bash
# run-runner-selftest.sh: the test runner itself must fail a broken run (tests/run-guests.sh,
# tests/final-state.sh).  Each check passes only when the runner gives the verdict it must:
#   panic-after-final-line  `hello` booted with the hypervisor option debug_panic=teardown, which
#                           panics after the clean "(HV) no domains left" line: runner says FAIL
#   clean-boot-passes       the same boot without it: runner says PASS (it does not fail all)
#   panic-on-ap             smp-2 (2 CPUs) with debug_panic=ap: CPU 1 panics while CPU 0 waits
#                           for it; runner says FAIL, the screen names CPU 1, and CPU 0 stopped
#                           (its NMI) without a "did not stop" line
#   ours-*                  copies of the clean log, doctored, re-judged (--judge): cut after the
#                           last DONE, final line deleted, frames leaked, no power-off, a panic
#                           screen after power-off, one cut short: FAIL each; the copy as is: PASS
#   xen-*                   the same for Xen's final states, on written-out Xen logs
# Three short boots; everything else only judges logs.  Needs `make hypervisor guests`.
# Logs: build/test-results/runner-selftest/<check>/ (the runner's output in <check>.out).
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
res=$top/build/test-results/runner-selftest
rm -rf "$res"; mkdir -p "$res"
status=0

# Runs the runner on test $2 with its results in $res/$1; its output goes to $res/$1.out.
runner() {   # check [env...] -- [run-guests args...] test
  local dir=$res/$1 envs=(); shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  mkdir -p "$dir"
  env RESULTS="$dir" "${envs[@]}" bash "$top/tests/run-guests.sh" "$@" > "$dir.out" 2>&1
}

# The runner's verdict on test $3 in check $1 must be $2 (PASS|FAIL), its exit status must
# agree, and a FAIL must name the reason matching $4.
expect_verdict() {   # check PASS|FAIL test rc [reason_re]
  local check=$1 want=$2 test=$3 rc=$4 re=${5:-} line
  line=$(grep -E -m1 "^(PASS|FAIL): guests/$test" "$res/$check.out")
  local rc_ok=0
  if [ $want = PASS ]; then [ "$rc" -eq 0 ] && rc_ok=1; else [ "$rc" -ne 0 ] && rc_ok=1; fi
  if [[ $line == "$want: guests/$test"* ]] && [ $rc_ok = 1 ] &&
     { [ -z "$re" ] || grep -Eq -- "$re" <<<"$line"; }; then
    echo "PASS: runner/$check"; return 0
  fi
  echo "FAIL: runner/$check: wanted $want${re:+ /$re/}, runner said '${line:-nothing}' (exit $rc)"
  sed 's/^/    /' "$res/$check.out" | tail -n 12
  status=1
}

# A doctored copy of log $2 as test $3's log in check $1, then the runner's verdict on it.
judge_copy() {   # check log test PASS|FAIL reason_re filter [--xen]
  local check=$1 src=$2 test=$3 want=$4 re=$5 filter=$6 xen=${7:-} rc
  mkdir -p "$res/$check"
  eval "$filter" < "$src" > "$res/$check/$test.log"
  runner "$check" -- $xen --judge "$test"; rc=$?
  expect_verdict "$check" "$want" "$test" $rc "$re"
}

# Standard input up to and including its last line matching $1.
upto_last() {
  local text n; text=$(cat)
  n=$(grep -n -- "$1" <<<"$text" | tail -1 | cut -d: -f1)
  [ -n "$n" ] && head -n "$n" <<<"$text"
}

# --- the planted panic: after the hypervisor's clean final line ---
runner panic-after-final-line HV_CMDLINE="console=com1 loglvl=all debug_panic=teardown" -- hello
rc=$?
log=$res/panic-after-final-line/hello.log
if tr -d '\r' < "$log" | grep -Ec '^\(HV\) no domains left; frames free ([0-9]+) \(at boot \1\)$' >/dev/null; then
  expect_verdict panic-after-final-line FAIL hello $rc 'hypervisor panic: .*debug_panic=teardown'
else
  echo "FAIL: runner/panic-after-final-line: the planted panic did not follow a clean final line"
  tail -n 12 "$log" | sed 's/^/    /'; status=1
fi

# --- a panic on an application processor: the NMI stops the others, the screen names the CPU ---
runner panic-on-ap HV_CMDLINE="console=com1 loglvl=all debug_panic=ap" -- smp-2
expect_verdict panic-on-ap FAIL smp-2 $? 'hypervisor panic: .*debug_panic=ap: planted panic on CPU 1'
log=$res/panic-on-ap/smp-2.log
if tr -d '\r' < "$log" | grep -cx '(HV) current: idle on CPU 1' >/dev/null &&
   ! tr -d '\r' < "$log" | grep -c 'did not stop' >/dev/null; then
  echo "PASS: runner/panic-on-ap-screen"
else
  echo "FAIL: runner/panic-on-ap-screen: no 'current: idle on CPU 1', or a CPU did not stop"
  tail -n 12 "$log" | sed 's/^/    /'; status=1
fi

# --- the same boot, clean ---
runner clean-boot-passes -- hello
expect_verdict clean-boot-passes PASS hello $?
clean=$res/clean-boot-passes/hello.log
if [ ! -s "$clean" ]; then
  echo "FAIL: runner/ours-judged-logs: no clean log to doctor"; exit 1
fi

# --- doctored copies of the clean log ---
judge_copy ours-as-is "$clean" hello PASS '' 'cat'
judge_copy ours-cut-after-done "$clean" hello FAIL "no final '\\(HV\\) no domains left' line" \
  "upto_last '^(d1) DONE: '"
judge_copy ours-no-final-line "$clean" hello FAIL "no final '\\(HV\\) no domains left' line" \
  "grep -v 'no domains left'"
judge_copy ours-frames-leaked "$clean" hello FAIL 'frames leaked: frames free' \
  "sed -E 's/\\(at boot ([0-9]+)\\)/(at boot \\11)/'"
judge_copy ours-no-poweroff "$clean" hello FAIL "no '\\(HV\\) powering off'" \
  "grep -v 'powering off'"
judge_copy ours-panic-after-poweroff "$clean" hello FAIL 'hypervisor panic: .*hypervisor fault' \
  "cat; printf '\\n(HV) ****************************************\\n(HV) hypervisor fault #PF\\n(HV) PANIC: hypervisor halted\\n'"
judge_copy ours-panic-cut-short "$clean" hello FAIL 'hypervisor panic: .*reaping' \
  "upto_last '^(HV) no domains left'; printf '\\n(HV) ****************************************\\n(HV) reaping\\n'"

# --- Xen's final states, on a written-out dom0 log ---
xen_log=$res/xen-sample.log
cat > "$xen_log" <<'EOF'
(XEN) Freed 656kB init memory
PASS: hello: console_io write
DONE: hello: 1 passed, 0 failed
(XEN) Hardware Dom0 halted: halting machine
EOF
judge_copy xen-as-is "$xen_log" hello PASS '' 'cat' --xen
judge_copy xen-cut-after-done "$xen_log" hello FAIL "no final '\\(XEN\\) Hardware Dom0 halted" \
  "grep -v 'Hardware Dom0'" --xen
judge_copy xen-crashed-not-halted "$xen_log" hello FAIL "no final '\\(XEN\\) Hardware Dom0 halted" \
  "sed 's/halted: halting machine/crashed: .noreboot. set - not rebooting./'" --xen
judge_copy xen-panic-after-done "$xen_log" hello FAIL 'Xen panic: .*Assertion' \
  "cat; printf '(XEN) ****************************************\\n(XEN) Panic on CPU 0:\\n(XEN) Assertion failed\\n(XEN) ****************************************\\n(XEN) Manual reset required (noreboot specified)\\n'" --xen
exit $status
