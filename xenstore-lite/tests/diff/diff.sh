# Differential test: tests/diff/session.txt replayed by xs_script against
# xenstore-lite and against the real C xenstored 4.17 (Debian's binary, run
# on this plain host by refd/refd.sh), then tests/diff/ring_session.txt,
# an unprivileged guest on a ring, against both. One PASS/FAIL line per
# session section. Sourced by tests/run.sh.

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
	compare_sections "$ours" "$ref" plain
	ring_diff_tests
}

# compare_sections OURS REF TAG: one PASS/FAIL per "# --- " section.
compare_sections() {
	local n=1 name
	awk -v f="$TMPD/$3-ours." '/^# --- /{n++} {print > (f n)}' "$1"
	awk -v f="$TMPD/$3-ref." '/^# --- /{n++} {print > (f n)}' "$2"
	while [ -f "$TMPD/$3-ref.$n" ]; do
		name=$(head -1 "$TMPD/$3-ref.$n" | sed 's/^# --- //; s/[^A-Za-z0-9]\+/_/g; s/_$//')
		if cmp -s "$TMPD/$3-ref.$n" "$TMPD/$3-ours.$n"; then
			pass "differential/$name"
		else
			fail "differential/$name" "$(diff "$TMPD/$3-ref.$n" "$TMPD/$3-ours.$n" | grep '^[<>]' | head -4 | cut -c1-120 | tr '\n' ' ')"
		fi
		n=$((n + 1))
	done
}

# tests/diff/ring_session.txt: an unprivileged guest on a ring file, with
# the same small quotas in both daemons (see the session's header for why
# xenstored gets -W and -t one lower).
ring_diff_tests() {
	local d=$TMPD/rdiff r=$TMPD/rref sess=$HERE/diff/ring_session.txt
	mkdir -p "$d/rings" "$r-rings"
	start_daemon "$d" -R "$d/rings" -Q nodes=12 -Q watches=3 -Q transactions=2 \
		-Q node-permissions=3
	XS_RING_FILE=$d/rings/ring-7 XENSTORED_PATH=$d/sock timeout 120 \
		"$B/tests/xs_script" < "$sess" > "$TMPD/rdiff-ours.txt"
	REFDIR=$r
	if ! NOHV_RING_DIR=$r-rings REFD_PRELOAD=$B/nohv.so bash "$HERE/../refd/refd.sh" \
		start "$r" -E 12 -W 2 -t 1 -A 3 >/dev/null; then
		fail differential/ring_setup "reference did not start"
		return
	fi
	XS_RING_FILE=$r-rings/ring-7 XENSTORED_PATH=$r/socket timeout 120 \
		"$B/tests/xs_script" < "$sess" > "$TMPD/rdiff-ref.txt"
	bash "$HERE/../refd/refd.sh" stop "$r"
	[ "$(grep -c '^9 .* -> ' "$TMPD/rdiff-ref.txt")" -gt 50 ] ||
		{ fail differential/ring_reference "the reference's ring guest got no replies"; return; }
	compare_sections "$TMPD/rdiff-ours.txt" "$TMPD/rdiff-ref.txt" ring
}
