#!/usr/bin/env bash
# The reference C xenstored (Debian xen-utils-4.17, unmodified) on a plain
# host, for differential tests and benchmarks. Everything it writes (socket,
# pid, log, stand-ins for /proc/xen) stays in a private directory.
#   refd.sh start DIR [xenstored args...]  prints the daemon's pid;
#                                          its socket is DIR/socket
#   refd.sh stop DIR
# Needs BUILD/nohv.so (xenstore-lite/Makefile builds it); REFD_PRELOAD
# overrides its path. The daemon's binary: REFD_XENSTORED.
set -uo pipefail
XENSTORED=${REFD_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
cmd=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: refd.sh start|stop DIR [args]" >&2; exit 2; }

start() {
	local preload=${REFD_PRELOAD:?REFD_PRELOAD: path of nohv.so} i
	[ -x "$XENSTORED" ] || { echo "refd: no $XENSTORED (install xen-utils-4.17)" >&2; return 1; }
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	# XENSTORED_RUNDIR puts the sockets in DIR; -N: stay in the foreground
	# (setsid detaches it from our terminal), -F: pid file; the database is
	# in memory by default.
	XENSTORED_RUNDIR=$dir NOHV_DIR=$dir LD_PRELOAD=$preload \
		setsid "$XENSTORED" -N -F "$dir/pid" "$@" >"$dir/log" 2>&1 </dev/null &
	for i in $(seq 1 100); do
		[ -S "$dir/socket" ] && [ -s "$dir/pid" ] && { cat "$dir/pid"; return 0; }
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	echo "refd: xenstored did not start: $(tail -3 "$dir/log" | tr '\n' ' ')" >&2
	return 1
}

stop() {
	local pid i
	[ -s "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
	return 0
}

shift 2
case "$cmd" in
start) start "$@" ;;
stop) stop ;;
*) echo "refd.sh: unknown command $cmd" >&2; exit 2 ;;
esac
