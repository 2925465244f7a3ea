#!/usr/bin/env bash
# bench/hypercall.sh [RUNS]: null hypercall (through the hypercall page and by
# direct syscall), an unknown hypercall, an event-channel send -> upcall round
# trip and an int3 trap bounce, ours vs Xen 4.17 (`make bench-hypercall`).
# Guest: tests/guests/bench-hypercall; engine: bench/guest-bench.sh.
exec bash "$(dirname "$0")/guest-bench.sh" hypercall bench-hypercall "${1:-${RUNS:-9}}" \
  null-hypercall-page null-hypercall-direct bad-hypercall evtchn-roundtrip trap-bounce-int3
