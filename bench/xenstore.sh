#!/usr/bin/env bash
# make bench-xenstore: xenstore-lite vs the real C xenstored 4.17, same
# machine, same run, fresh daemon per run, runs interleaved.
# Client: bench/xenstore/xsload.c (the real libxenstore over the socket);
# the reference daemon is Debian's, started by xenstore-lite/refd/refd.sh.
#   RUNS=3 XSLOAD_ARGS="" bash bench/xenstore.sh
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
B=$TOP/build/xenstore-lite
REFD=$TOP/xenstore-lite/refd/refd.sh
XSLOAD=$B/xsload
OUT=$B/bench
TMPD=$(mktemp -d /tmp/xenstore-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	bash "$REFD" stop "$TMPD/ref"
	wait 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

make -s -C "$TOP/xenstore-lite" all "$B/nohv.so" || exit 1
mkdir -p "$OUT"
gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$XSLOAD" "$TOP/bench/xenstore/xsload.c" -lxenstore || exit 1
gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$B/floor" "$TOP/bench/xenstore/floor.c" || exit 1
rm -f "$OUT"/*.txt

wait_socket() {
	local i
	for i in $(seq 1 50); do [ -S "$1" ] && break; sleep 0.1; done
}

run_ours() {
	mkdir -p "$TMPD/ours"
	"$B/xenstore-lite" -N -s "$TMPD/ours/sock" -F "$TMPD/ours/pid" -L "$TMPD/ours/log" &
	pid=$!
	wait_socket "$TMPD/ours/sock"
	"$XSLOAD" -s "$TMPD/ours/sock" -p "$pid" ${XSLOAD_ARGS:-} > "$OUT/ours-run$1.txt" 2>&1 ||
		echo "run failed" >> "$OUT/ours-run$1.txt"
	kill "$pid"; wait "$pid" 2>/dev/null; pid=
}

# The no-op responder (bench/xenstore/floor.c): libxenstore + socket alone.
# It busy-polls forever: $pid, so that cleanup stops it on an interrupt too.
run_floor() {
	"$B/floor" "$TMPD/floor.sock" &
	pid=$!
	wait_socket "$TMPD/floor.sock"
	"$XSLOAD" -s "$TMPD/floor.sock" -t seq,dir,txn,conn > "$OUT/floor-run$1.txt" 2>&1 ||
		echo "run failed" >> "$OUT/floor-run$1.txt"
	kill "$pid"; wait "$pid" 2>/dev/null; pid=
}

run_ref() {
	local rpid
	rpid=$(REFD_PRELOAD=$B/nohv.so bash "$REFD" start "$TMPD/ref") || { echo "run failed" > "$OUT/ref-run$1.txt"; return; }
	"$XSLOAD" -s "$TMPD/ref/socket" -p "$rpid" ${XSLOAD_ARGS:-} > "$OUT/ref-run$1.txt" 2>&1 ||
		echo "run failed" >> "$OUT/ref-run$1.txt"
	bash "$REFD" stop "$TMPD/ref"
	sleep 0.5
}

echo "bench-xenstore: $RUNS runs each, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for i in $(seq 1 "$RUNS"); do
	echo "  run $i: xenstore-lite"; run_ours "$i"
	echo "  run $i: C xenstored 4.17"; run_ref "$i"
	echo "  run $i: no-op floor"; run_floor "$i"
done
python3 "$TOP/bench/xenstore/table.py" "$OUT"
