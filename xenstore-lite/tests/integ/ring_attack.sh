# The quota attack of issue 10 end to end, against a running daemon: an
# unprivileged domain on a ring (tests/integ/ring_guest.c) fills every
# transaction slot to just under its node quota, then commits them all.
# Sourced by tests/run.sh (uses its check/start_daemon).

ring_attack_tests() {
	local d=$TMPD/attack out nodes
	mkdir -p "$d/rings"
	if ! start_daemon "$d" -R "$d/rings" -Q nodes=50 -Q transactions=10; then
		fail integration/ring_txn_quota_attack "daemon did not start"
		return
	fi
	export XENSTORED_PATH=$d/sock
	xenstore-write /local/domain/7 "" && xenstore-chmod /local/domain/7 n7
	printf '1 INTRODUCE 7\\0 1\\0 3\\0\n' | "$B/tests/xs_script" >/dev/null
	# 1 home + 10 directories + 38 per transaction = 49: each fits alone.
	out=$(timeout 60 "$B/tests/ring_guest" "$d/rings/ring-7" 10 38 2>&1)
	nodes=$(($(xenstore-ls /local/domain/7 | wc -l) + 1))
	check integration/ring_txn_quota_attack "$out; nodes=$nodes" \
		"commits ok=1 enospc=9 other=0; nodes=49"
	unset XENSTORED_PATH
}
