#!/usr/bin/env bash
# xenstore-lite test driver: unit, integration (real clients), daemon
# operations, differential (vs the real xenstored) and fuzz replay/run.
# Prints "PASS: xenstore/<name>" or "FAIL: xenstore/<name>: <why>" per test
# and exits non-zero if any failed.
#   run.sh BUILD_DIR [FUZZ_SECONDS]
set -uo pipefail
B=$1 FUZZ_SECONDS=${2:-60}
HERE=$(cd "$(dirname "$0")" && pwd)
TMPD=$(mktemp -d /tmp/xenstore-lite-test.XXXXXX)
DAEMON=$B/xenstore-lite
fails=0
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${REFDIR:-}" ] && bash "$HERE/../refd/refd.sh" stop "$REFDIR"
	wait 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

pass() { echo "PASS: xenstore/$1"; }
fail() { echo "FAIL: xenstore/$1: $2"; fails=$((fails + 1)); }
# check NAME ACTUAL EXPECTED
check() {
	if [ "$2" == "$3" ]; then pass "$1"
	else fail "$1" "got [$(echo "$2" | head -3 | tr '\n' '|')] want [$(echo "$3" | head -3 | tr '\n' '|')]"
	fi
}

# start_daemon DIR [extra args]: foreground daemon on DIR/sock, pid in DIR/pid
start_daemon() {
	local dir=$1; shift
	mkdir -p "$dir"
	"$DAEMON" -N -s "$dir/sock" -F "$dir/pid" -L "$dir/log" "$@" &
	pids+=($!)
	for i in $(seq 1 50); do [ -S "$dir/sock" ] && [ -s "$dir/pid" ] && return 0; sleep 0.1; done
	return 1
}

# --- unit tests (CUnit, ASan/UBSan build) ---
"$B/tests/unit" || fails=$((fails + 1))

# --- integration: real xenstore-utils and libxenstore ---
D=$TMPD/main
if start_daemon "$D" -T "$D/trace"; then
	export XENSTORED_PATH=$D/sock
	. "$HERE/integ/tools.sh"
	tools_tests
	"$B/tests/libxs_test" || fails=$((fails + 1))
	check daemon/trace_written "$(grep -c '^IN conn=' "$D/trace" | awk '{print ($1 > 100)}')" 1
	kill -0 "$(cat "$D/pid")" 2>/dev/null && pass daemon/survived_integration ||
		fail daemon/survived_integration "daemon died"
else
	fail integration/start "daemon did not start: $(cat "$D/log" 2>/dev/null)"
fi
unset XENSTORED_PATH

. "$HERE/integ/daemon.sh"
daemon_tests

. "$HERE/integ/ring_attack.sh"
ring_attack_tests

. "$HERE/diff/diff.sh"
diff_tests

. "$HERE/../fuzz/fuzz.sh"
fuzz_tests

exit $((fails > 0))
