#!/usr/bin/env bash
# bench/mmu.sh [RUNS]: PV MMU and grant operations, ours vs Xen 4.17: one
# mmu_update of 512 L1 entries, update_va_mapping+INVLPG, pin+unpin of a full
# address space, a loopback grant map+unmap (`make bench-mmu`).
# Guest: tests/guests/bench-mmu; engine: bench/guest-bench.sh.
exec bash "$(dirname "$0")/guest-bench.sh" mmu bench-mmu "${1:-${RUNS:-9}}" \
  mmu-update-512 uvm-invlpg pin-unpin-l4 grant-map-unmap
