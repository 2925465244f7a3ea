# Fuzzing: replay the kept corpus and every regression input, then fuzz
# for FUZZ_SECONDS. A crash is copied into fuzz/regressions/ (commit it)
# and reported as a failure. Sourced by tests/run.sh.

fuzz_tests() {
	local fz=$B/fuzz/xs_fuzz src=$HERE/../fuzz out
	if [ ! -x "$fz" ]; then
		fail fuzz/build "no fuzzer binary (clang with libFuzzer needed)"
		return
	fi
	if out=$("$fz" -runs=0 "$src/corpus" "$src/regressions" 2>&1); then
		pass fuzz/replay_corpus_and_regressions
	else
		fail fuzz/replay_corpus_and_regressions "$(echo "$out" | grep -m1 -E 'ERROR|SUMMARY')"
	fi
	[ "$FUZZ_SECONDS" -gt 0 ] || return
	mkdir -p "$B/fuzz/work" "$B/fuzz/crashes"
	rm -f "$B/fuzz/crashes/"*
	"$fz" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=10 \
		-dict="$src/xs.dict" -artifact_prefix="$B/fuzz/crashes/" \
		-print_final_stats=1 "$B/fuzz/work" "$src/corpus" > "$B/fuzz/last-run.log" 2>&1
	local rc=$? crashes
	# slow-unit-* files only say an input once took over 10 s (a loaded host):
	# not a failure; a real hang is a timeout-* (rc != 0).
	crashes=$(ls "$B/fuzz/crashes" 2>/dev/null | grep -v "^slow-unit-")
	if [ $rc -eq 0 ] && [ -z "$crashes" ]; then
		pass "fuzz/run_${FUZZ_SECONDS}s"
		grep -m1 'stat::number_of_executed_units' "$B/fuzz/last-run.log" | sed 's/^/# fuzz /'
	else
		for c in $crashes; do cp "$B/fuzz/crashes/$c" "$src/regressions/"; done
		fail "fuzz/run_${FUZZ_SECONDS}s" "rc=$rc, kept $(echo $crashes | wc -w) input(s) in fuzz/regressions: $(grep -m1 -E 'ERROR|SUMMARY' "$B/fuzz/last-run.log")"
	fi
}
