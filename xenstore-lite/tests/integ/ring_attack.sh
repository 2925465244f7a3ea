# The quota attack of issue 10 end to end, against a running daemon: an
# unprivileged domain on a ring (tests/integ/ring_guest.c) fills every
# transaction slot to just under its node quota, then commits them all.
# The same guest runs against the reference C xenstored (refd/refd.sh,
# with its rings in files too), which must answer the same.
# Sourced by tests/run.sh (uses its check/start_daemon).

# attack_on SOCKET RING_DIR: the guest's result and the domain's node count.
attack_on() {
	local out
	export XENSTORED_PATH=$1
	xenstore-write /local/domain/7 "" && xenstore-chmod /local/domain/7 n7
	printf '1 INTRODUCE 7\\0 1\\0 3\\0\n' | "$B/tests/xs_script" >/dev/null
	# 1 home + 10 directories + 38 per transaction = 49: each fits alone.
	out=$(timeout 60 "$B/tests/ring_guest" "$2/ring-7" 10 38 2>&1)
	echo "$out; nodes=$(($(xenstore-ls /local/domain/7 | wc -l) + 1))"
	unset XENSTORED_PATH
}

ring_attack_tests() {
	local d=$TMPD/attack r=$TMPD/attack-ref want="commits ok=1 enospc=9 other=0; nodes=49"
	mkdir -p "$d/rings" "$r-rings"
	REFDIR=$r	# run.sh stops it if we are interrupted
	if start_daemon "$d" -R "$d/rings" -Q nodes=50 -Q transactions=10; then
		check integration/ring_txn_quota_attack "$(attack_on "$d/sock" "$d/rings")" "$want"
	else
		fail integration/ring_txn_quota_attack "daemon did not start"
	fi
	# xenstored -E: nodes per domain, -t: transactions per connection.
	if NOHV_RING_DIR=$r-rings REFD_PRELOAD=$B/nohv.so \
		bash "$HERE/../refd/refd.sh" start "$r" -E 50 -t 10 >/dev/null; then
		check differential/reference_ring_txn_quota_attack \
			"$(attack_on "$r/socket" "$r-rings")" "$want"
		bash "$HERE/../refd/refd.sh" stop "$r"
	else
		fail differential/reference_ring_txn_quota_attack "reference did not start"
	fi
}
