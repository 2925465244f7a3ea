# Differential test: tests/diff/session.txt replayed by xs_script against
# xenstore-lite and against the real C xenstored 4.17 (run on a plain host
# through the LD_PRELOAD shim from $SHARED/tools/xenstore-bench). One
# PASS/FAIL line per session section. Sourced by tests/run.sh.

ref_kit() {
	# The kit is read-only where it ships: build a copy in our build tree.
	local kit=$SHARED/tools/xenstore-bench
	[ -f "$kit/daemons.sh" ] || { echo "no kit at $kit"; return 1; }
	mkdir -p "$B/refkit"
	cp -r "$kit/." "$B/refkit/"
	chmod -R u+w "$B/refkit"
	make -s -C "$B/refkit" BUILD=build >/dev/null 2>&1 || { echo "kit build failed"; return 1; }
	[ -x /usr/lib/xen-4.17/bin/xenstored ] || { echo "xen-utils-4.17 missing"; return 1; }
}

diff_tests() {
	local why ours=$TMPD/diff-ours.txt ref=$TMPD/diff-ref.txt sess=$HERE/diff/session.txt
	if ! why=$(ref_kit); then
		fail differential/setup "$why"
		return
	fi
	mkdir -p "$TMPD/diff/rings"
	start_daemon "$TMPD/diff" -R "$TMPD/diff/rings"
	XENSTORED_PATH=$TMPD/diff/sock "$B/tests/xs_script" < "$sess" > "$ours"
	REFDIR=$TMPD/ref
	"$B/refkit/daemons.sh" start-c "$REFDIR" >/dev/null
	XENSTORED_PATH=$REFDIR/socket "$B/tests/xs_script" < "$sess" > "$ref"
	"$B/refkit/daemons.sh" stop "$REFDIR"
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
