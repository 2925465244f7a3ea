# Integration with the real xenstore-utils (sourced by tests/run.sh, which
# has started the daemon and exported XENSTORED_PATH).
# Each check prints PASS:/FAIL: via the check helper from run.sh.

tools_tests() {
	local out
	xenstore-rm /tools >/dev/null 2>&1
	check tools/write_read "$(xenstore-write /tools/a hello /tools/b 'two words' && xenstore-read /tools/a /tools/b)" \
		"$(printf 'hello\ntwo words')"
	check tools/exists "$(xenstore-exists /tools/a; echo $?; xenstore-exists /tools/zz 2>/dev/null; echo $?)" \
		"$(printf '0\n1')"
	check tools/list "$(xenstore-list /tools)" "$(printf 'a\nb')"
	xenstore-write /tools/dir/x 1 /tools/dir/y 2
	check tools/ls "$(xenstore-ls /tools/dir)" "$(printf 'x = "1"\ny = "2"')"
	check tools/ls_full "$(xenstore-ls -f /tools/dir)" \
		"$(printf '/tools/dir/x = "1"\n/tools/dir/y = "2"')"
	xenstore-chmod /tools/dir/x n5 r6 b7
	check tools/chmod_ls_p "$(xenstore-ls -p /tools/dir | head -1 | tr -s ' .' ' ')" 'x = "1" (n5,r6,b7)'
	xenstore-chmod -r /tools/dir b3
	check tools/chmod_recursive "$(xenstore-ls -p /tools/dir | sed 's/.*(//')" \
		"$(printf 'b3)\nb3)')"
	xenstore-rm /tools/dir
	check tools/rm "$(xenstore-read /tools/dir/x 2>&1; echo $?)" \
		"$(printf 'xenstore-read: couldn'"'"'t read path /tools/dir/x\n1')"
	out=$(xenstore-read /tools/missing 2>&1)
	check tools/read_missing_fails "$?" 1
	# xenstore-watch: initial event, then one per change.
	xenstore-watch -n 3 /tools/w > "$TMPD/watch.out" 2>&1 &
	local wp=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$TMPD/watch.out" ] && break
		sleep 0.1
	done
	xenstore-write /tools/w/k 1
	xenstore-write /tools/w/k 2
	for i in $(seq 1 30); do kill -0 $wp 2>/dev/null || break; sleep 0.1; done
	kill $wp 2>/dev/null
	wait $wp 2>/dev/null
	check tools/watch "$(tr -d '\r' < "$TMPD/watch.out")" \
		"$(printf '/tools/w\n/tools/w/k\n/tools/w/k')"
	# A big directory goes through DIRECTORY_PART in libxenstore.
	for i in $(seq 1 400); do echo "/tools/big/entry-with-long-name-$i $i"; done |
		xargs xenstore-write
	check tools/list_big "$(xenstore-list /tools/big | wc -l)" 400
	xenstore-rm /tools
}
