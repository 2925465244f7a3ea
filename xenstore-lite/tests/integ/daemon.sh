# Daemon operations: --help, pid file, logging, daemon mode, SIGTERM.
# Sourced by tests/run.sh (uses its check/pass/fail/start_daemon).

daemon_tests() {
	local d=$TMPD/ops out rc pid
	out=$("$DAEMON" --help 2>&1); rc=$?
	check daemon/help "$rc:$(echo "$out" | grep -c -e '--socket' -e '--pid-file' -e '--quota')" "0:3"
	"$DAEMON" --bogus >/dev/null 2>&1
	check daemon/bad_option_exit "$?" 2
	"$DAEMON" -N -Q nosuch=1 -s "$d/x" >/dev/null 2>&1
	check daemon/bad_quota_exit "$?" 2

	# Foreground + pid file + debug logging + clean SIGTERM.
	start_daemon "$d" -l debug -Q watches=3
	pid=$(cat "$d/pid")
	XENSTORED_PATH=$d/sock xenstore-write /x 1
	kill -TERM "$pid"
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid" 2>/dev/null; rc=$?
	check daemon/sigterm_clean "$rc:$([ -e "$d/sock" ] && echo sock)$([ -e "$d/pid" ] && echo pid)" "0:"
	check daemon/log_levels "$(grep -c -e 'info: listening' -e 'info: signal 15' "$d/log")" 2

	# Daemon mode: the launcher returns, the daemon keeps serving.
	rm -rf "$d"; mkdir -p "$d"
	"$DAEMON" -s "$d/sock" -F "$d/pid" -L "$d/log"
	rc=$?
	for i in $(seq 1 50); do [ -s "$d/pid" ] && break; sleep 0.1; done
	pid=$(cat "$d/pid" 2>/dev/null)
	out=$(XENSTORED_PATH=$d/sock xenstore-read /tool/xenstored 2>&1; echo "rc=$?")
	check daemon/daemon_mode "$rc:$out" "0:
rc=0"
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { fail daemon/daemon_stop "still running"; kill -9 "$pid"; } ||
		pass daemon/daemon_stop
}
