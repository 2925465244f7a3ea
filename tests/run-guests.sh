#!/usr/bin/env bash
# run-guests.sh: boot the PV test guests listed in tests/guests/tests.conf and judge them.
#
#   tests/run-guests.sh [--xen] [--judge] [TEST...]
#
# Default: under OUR hypervisor (build/hypervisor/hypervisor.bin, Multiboot), guests as
# unprivileged domains d1, d2, ... whose console lines are prefixed "(d<N>) ".
# --xen:   under the real Xen 4.17 (scripts/xen-ref.sh), single-domain tests only, the guest as
#          dom0 (console lines unprefixed).  This is how the guests themselves are validated.
# --judge: boot nothing; judge the logs already in the results directory (re-judging, and the
#          runner's own self-test, tests/run-runner-selftest.sh).
# Builds nothing: run `make hypervisor guests` first.
# Every boot must reach a known final state (tests/final-state.sh): on ours the clean
# "(HV) no domains left; frames free N (at boot N)" and power-off, on Xen dom0's shutdown line;
# a panic anywhere in the log fails the test, also one after the last DONE line.
# Prints "PASS: guests/<test>" or "FAIL: guests/<test>: <reason>" (+ the last 30 log lines);
# logs: build/test-results/guests/<test>.log (ours), build/test-results/guests-xen/<test>.log
# ($RESULTS overrides the directory).
# GUESTS_SMP=N: QEMU with N CPUs for every test without its own smp= (default 1).
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
conf=${GUESTS_CONF:-$top/tests/guests/tests.conf}
guests=$top/build/guests
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
HV_CMDLINE=${HV_CMDLINE:-"console=com1 loglvl=all"}
FIRST_DOMID=${FIRST_DOMID:-1}

# shellcheck source=tests/final-state.sh
. "$top/tests/final-state.sh"

# How our hypervisor reports a domain shutdown: {dom} and {reason} are substituted
# (reason = poweroff|reboot|crash|watchdog).
OURS_SHUTDOWN_RE=${OURS_SHUTDOWN_RE:-'\(HV\) d{dom} shutdown: {reason}'}

mode=ours judge_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --xen) mode=xen ;;
    --judge) judge_only=1 ;;
    *) break ;;
  esac
  shift
done
only=("$@")
results=${RESULTS:-$top/build/test-results/guests$([ $mode = xen ] && echo -xen)}
mkdir -p "$results"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# Console lines of domain $2 in log $1, prefix stripped (Xen dom0: the unprefixed lines).
dom_lines() {
  if [ $mode = xen ]; then tr -d '\r' < "$1" | grep -v '^(XEN)'
  else tr -d '\r' < "$1" | sed -n "s/^(d$2) //p"; fi
}

shutdown_re() {   # domid reason
  if [ $mode = xen ]; then xen_shutdown_re "$2"; return; fi
  local re=${OURS_SHUTDOWN_RE//\{dom\}/$1}
  echo "${re//\{reason\}/$2}"
}

# Reading stops at the machine's last line (or when QEMU exits, or at the timeout).
end_regex() {
  if [ $mode = xen ]; then echo "$XEN_END_RE"; else echo "$HV_END_RE"; fi
}

# Boot options of one test (tests.conf: smp=N, hv=WORD), set by run_test.
boot_cpus=1 boot_hv_extra=""

boot() {   # log timeout endre modules...
  local log=$1 tmo=$2 end=$3; shift 3
  local args=(-c "$boot_cpus") m
  if [ $judge_only = 1 ]; then
    [ -f "$log" ] || { echo "no log $log to judge" >&2; return 2; }
    return 0
  fi
  for m in "$@"; do args+=(-M "$m"); done
  if [ $mode = xen ]; then
    bash "$top/scripts/xen-ref.sh" "${args[@]}" -l "$log" -t "$tmo" -e "$end"
  else
    nice -n 10 bash "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "$HV_CMDLINE$boot_hv_extra" "${args[@]}" \
      -l "$log" -t "$tmo" -e "$end"
  fi
}

# Judge one domain's output; echo a reason on failure.
judge_domain() {   # log domid guest
  local out done_re
  out=$(dom_lines "$1" "$2")
  done_re="^DONE: $3: [0-9]+ passed, [0-9]+ failed"
  if ! grep -Eq "$done_re" <<<"$out"; then echo "d$2 ($3): no DONE line"; return; fi
  if grep -q '^FAIL: ' <<<"$out"; then
    echo "d$2 ($3): $(grep '^FAIL: ' <<<"$out" | head -3 | tr '\n' ' ')"; return; fi
  grep -Eq "^DONE: $3: [1-9][0-9]* passed, 0 failed" <<<"$out" ||
    echo "d$2 ($3): $(grep -E "$done_re" <<<"$out" | tail -1)"
}

# The machine's final state: see tests/final-state.sh.
judge_final() {   # log shutdown_reason
  if [ $mode = xen ]; then xen_final_state "$1" "$2"; else hv_final_state "$1"; fi
}

judge_checks() {   # log ndoms checks...
  local log=$1 n=$2 c d re; shift 2
  for c in "$@"; do
    case $c in
      shutdown=*)
        for ((d = test_first_domid; d < test_first_domid + n; d++)); do
          re=$(shutdown_re "$d" "${c#shutdown=}")
          tr -d '\r' < "$log" | grep -Ec -- "$re" >/dev/null || echo "no shutdown report /$re/"
        done ;;
      grep=*) tr -d '\r' < "$log" | grep -Ec -- "${c#grep=}" >/dev/null || echo "no line /${c#grep=}/" ;;
      smp=*|hv=*|dom0) ;;                         # boot options (run_test), not checks
      crashes=*)
        d=${c#crashes=}
        re="\\(HV\\) d$d shutdown: crash"
        tr -d '\r' < "$log" | grep -Ec -- "$re" >/dev/null || echo "d$d did not crash /$re/"
        dom_lines "$log" "$d" | grep -c '^FAIL: ' >/dev/null && echo "d$d: $(dom_lines "$log" "$d" | grep -m1 '^FAIL: ')" ;;
      *) echo "unknown check '$c'" ;;
    esac
  done
}

# Appends reasons (one a line) to $why, "; "-separated.
add_why() {
  local r
  while IFS= read -r r; do [ -n "$r" ] && why+="${why:+; }$r"; done <<<"$1"
}

# Under TCG a guest's clock is the host's: when the host does not run QEMU for
# a while, the guest sees a late wake-up that no hypervisor could avoid. A
# failure made only of late wake-ups (a timer check's bound) gets one more
# boot; a real regression is late both times. The first log is kept.
only_late_wakeups() {   # why
  local r
  while IFS= read -r r; do
    [ "$(grep -o 'FAIL: ' <<<"$r" | wc -l)" = 1 ] || return 1
    [[ $r =~ within\ late_ms|after\ the\ deadline\ \(allowed|SCHEDOP_block\ wake\ time ]] || return 1
  done < <(sed 's/; /\n/g' <<<"$1")
  return 0
}

run_test() {   # name where timeout modules checks
  local name=$1 where=$2 tmo=$3 mods=() checks=() m reason="" log rc why="" i guest
  IFS=';' read -ra raw <<<"$4"
  for m in "${raw[@]}"; do
    m=$(trim "$m")
    if [[ $m == *" "* ]]; then mods+=("$guests/${m%% *}.elf ${m#* }"); else mods+=("$guests/$m.elf"); fi
  done
  read -ra checks <<<"$5"
  # "pending:<issue>": validated on Xen, not yet expected to pass on ours; runs
  # on ours only when named on the command line.
  if [[ $where == pending* ]]; then
    if [ $mode = ours ] && [ ${#only[@]} -eq 0 ]; then
      echo "SKIP: guests/$name (pending: ${where#pending:})"; return 0; fi
    where=both
  fi
  if [ $mode = xen ] && { [ "$where" != both ] || [ ${#mods[@]} -ne 1 ]; }; then
    echo "SKIP: guests/$name (needs ${#mods[@]} domains: ours only)"; return 0; fi
  for m in "${mods[@]}"; do
    [ -f "${m%% *}" ] || { echo "FAIL: guests/$name: missing ${m%% *} (run make guests)"; return 1; }
  done
  boot_cpus=${GUESTS_SMP:-1} boot_hv_extra="" test_first_domid=$FIRST_DOMID
  for c in "${checks[@]}"; do
    case $c in
      shutdown=*) reason=${c#shutdown=} ;;
      smp=*) boot_cpus=${c#smp=} ;;
      hv=*) boot_hv_extra+=" ${c#hv=}" ;;
      dom0) boot_hv_extra+=" dom0=1"; test_first_domid=0 ;;   # module 1 is domain 0
    esac
  done
  if [ $mode = xen ] && [ -n "$boot_hv_extra" ]; then
    echo "SKIP: guests/$name (options for our hypervisor: ours only)"; return 0; fi
  log=$results/$name.log
  boot "$log" "$tmo" "$(end_regex)" "${mods[@]}"; rc=$?
  add_why "$(boot_status_reason $rc "$tmo")"
  for ((i = 0; i < ${#mods[@]}; i++)); do
    guest=$(basename "${mods[i]%% *}" .elf)
    [[ " ${checks[*]} " == *" crashes=$((test_first_domid + i)) "* ]] && continue
    add_why "$(judge_domain "$log" $((test_first_domid + i)) "$guest")"
  done
  add_why "$(judge_checks "$log" ${#mods[@]} "${checks[@]}")"
  add_why "$(judge_final "$log" "$reason")"
  if [ -z "$why" ]; then echo "PASS: guests/$name"; return 0; fi
  if only_late_wakeups "$why" && [ -z "${RETRIED:-}" ]; then
    mv "$log" "${log%.log}.first.log"
    echo "RETRY: guests/$name: only late wake-ups ($why); load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs; once more"
    RETRIED=1 run_test "$@"; return
  fi
  echo "FAIL: guests/$name: $why"
  tail -n 30 "$log" | tr -d '\r' | sed 's/^/    /'
  return 1
}

if [ $mode = ours ] && [ ! -f "$hv" ]; then
  echo "FAIL: guests: no hypervisor image at $hv (run make hypervisor)"; exit 1
fi
status=0
while IFS='|' read -r name where tmo mods checks; do
  name=$(trim "$name")
  [ -z "$name" ] || [[ $name == \#* ]] && continue
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qxF "$name"; then continue; fi
  run_test "$name" "$(trim "$where")" "$(trim "$tmo")" "$mods" "$(trim "$checks")" || status=1
done < "$conf"
exit $status
