# Differential test: tests/diff/session.txt replayed by xs_script against
# xenstore-lite and against the real C xenstored 4.17 (Debian's binary, run
# on this plain host by refd/refd.sh). One PASS/FAIL line per session
# section. Sourced by tests/run.sh.

diff_tests() {
	local ours=$TMPD/diff-ours.txt ref=$TMPD/diff-ref.txt sess=$HERE/diff/session.txt
	local refd="$HERE/../refd/refd.sh" why
	mkdir -p "$TMPD/diff/rings"
	start_daemon "$TMPD/diff" -R "$TMPD/diff/rings"
	XENSTORED_PATH=$TMPD/diff/sock "$B/tests/xs_script" < "$sess" > "$ours"
	REFDIR=$TMPD/ref
	if ! why=$(REFD_PRELOAD=$B/nohv.so bash "$refd" start "$REFDIR" 2>&1); then
		fail differential/setup "$why"
		return
	fi
	XENSTORED_PATH=$REFDIR/socket "$B/tests/xs_script" < "$sess" > "$ref"
	# The real libxenstore's view of the path limits, against the reference
	# (the same test runs against ours in the integration tests).
	XENSTORED_PATH=$REFDIR/socket "$B/tests/libxs_test" path_limits |
		sed 's|xenstore/libxs/|xenstore/differential/reference_libxs/|'
	[ "${PIPESTATUS[0]}" = 0 ] || fails=$((fails + 1))
	bash "$refd" stop "$REFDIR"
	[ "$(grep -c ' -> ' "$ref")" -gt 100 ] ||
		{ fail differential/reference "reference daemon gave no replies"; return; }
	# Compare section by section.
	awk -v dir="$TMPD" '/^# --- /{n++} {print > (dir "/ours." n)}' "$ours"
	awk -v dir="$TMPD" '/^# --- /{n++} {print > (dir "/ref." n)}' "$ref"
	local n=1
	while [ -f "$TMPD/ref.$n" ]; do
		local name
		name=$(head -1 "$TMPD/ref.$n" | sed 's/^# --- //; s/[^A-Za-z0-9]\+/_/g; s/_$//')
		if cmp -s "$TMPD/ref.$n" "$TMPD/ours.$n"; then
			pass "differential/$name"
		else
			fail "differential/$name" "$(diff "$TMPD/ref.$n" "$TMPD/ours.$n" | grep '^[<>]' | head -4 | cut -c1-120 | tr '\n' ' ')"
		fi
		n=$((n + 1))
	done
}
