#!/usr/bin/env bash
# bench/tcg-trace.sh ours|xen FIGURE [SECONDS]: load-independent counts of one
# bench-hypercall figure. Boots the bench guest with `only=FIGURE` (one long
# steady loop of that operation), under our hypervisor or the real Xen 4.17,
# with QEMU logging every translation (-d in_asm) and no block chaining
# (-d nochain: every executed translated block is logged). Once the loop runs,
# the QEMU monitor turns on -d exec for SECONDS (default 2), then QEMU quits.
# bench/tcg-count.py then cuts the executed blocks into iterations at the
# operation's function and prints per iteration: translated blocks, guest
# instructions (hypervisor / guest), the instructions QEMU runs as helpers
# or that flush its TLB, page changes between consecutive blocks (each one a
# hash lookup even with chaining), lookups through the jump cache and
# collisions among their targets, translations inside the window (code
# invalidated, e.g. by a write to its page), and one iteration's blocks.
# Timing plays no part: the counts are the same on a loaded machine.
# Logs: build/bench/trace/<side>-<figure>.{log,qemu}.
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
side=$1 figure=$2 secs=${3:-2}
guest=$top/build/guests/bench-hypercall.elf
out=$top/build/bench/trace
mkdir -p "$out"
log=$out/$side-$figure.log qlog=$out/$side-$figure.qemu sock=$out/$side-$figure.sock
case $figure in
  null-hypercall-page) sym=op_null_page ;; null-hypercall-direct) sym=op_null_direct ;;
  bad-hypercall) sym=op_bad ;; evtchn-roundtrip) sym=op_evtchn ;; trap-bounce-int3) sym=op_int3 ;;
  *) echo "tcg-trace: unknown figure $figure" >&2; exit 2 ;;
esac
anchor=$(nm "$guest" | awk -v s="$sym" '$3 == s { print $1 }')
[ -n "$anchor" ] || { echo "tcg-trace: no $sym in $guest (make guests)" >&2; exit 2; }
rm -f "$log" "$qlog" "$sock"
args="$guest only=$figure iters=100000000 batches=1"
export QEMU_EXTRA="-d in_asm,nochain -D $qlog -monitor unix:$sock,server=on,wait=off"
if [ "$side" = xen ]; then
  nice bash "$top/scripts/xen-ref.sh" -M "$args" -l "$log" -t 900 -e '^DONE: ' &
else
  nice bash "$top/tests/guests/tcg-boot.sh" -k "$top/build/hypervisor/hypervisor.bin" \
    -a "console=com1 loglvl=all" -M "$args" -l "$log" -t 900 -e 'DONE: ' &
fi
boot=$!
until grep -q "measuring $figure" "$log" 2>/dev/null; do
  kill -0 "$boot" 2>/dev/null || { echo "tcg-trace: boot ended early, see $log" >&2; exit 1; }
  sleep 0.5
done
sleep 2                                          # past the warm-up, into the steady loop
mon() { python3 "$top/bench/tcg-count.py" --monitor "$sock" "$1"; }
start=$(stat -c %s "$qlog")
mon "log in_asm,nochain,exec,trace:memory_notdirty_write_access,trace:memory_region_ops_*"
sleep "$secs"
mon "log in_asm,nochain"
mon "quit"
wait "$boot"
python3 "$top/bench/tcg-count.py" --from "$start" --anchor "0x$anchor" "$qlog"
