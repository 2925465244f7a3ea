#!/usr/bin/env bash
# bench/smp.sh [RUNS]: SMP costs, ours vs Xen 4.17 in the same QEMU (TCG, BENCH_SMP CPUs,
# default 4; the guest has as many vCPUs: pvhv.vcpus=N on ours, dom0_max_vcpus=N on Xen,
# where it is dom0) (`make bench-smp`): an event to another vCPU and its answer, blocked
# (SCHEDOP_poll) and spinning; a TLB shootdown of every vCPU (MMUEXT_TLB_FLUSH_MULTI,
# INVLPG_MULTI) while they spin on their CPUs; and the same work unit on 1, 2, 4... vCPUs
# at once (cycles to the last one's end: flat means perfect scaling, until the vCPUs
# outnumber the host's cores: QEMU's CPUs are threads on this machine's).
# Guest: tests/guests/bench-smp; engine: bench/guest-bench.sh.
n=${BENCH_SMP:-4}
case "$n" in [2-8]) ;; *) echo "bench-smp: BENCH_SMP must be 2..8, not '$n'" >&2; exit 1 ;; esac
export BENCH_SMP=$n BENCH_ARGS="vcpus=$n ${BENCH_ARGS:-}" BENCH_OURS_ARGS="pvhv.vcpus=$n" \
       BENCH_XEN_ARGS="dom0_max_vcpus=$n"
figures=(ipi-rtt-poll ipi-rtt-spin tlb-flush-multi invlpg-multi)
for ((k = 1; k <= n; k *= 2)); do figures+=("work-$k"); done
exec bash "$(dirname "$0")/guest-bench.sh" smp bench-smp "${1:-${RUNS:-9}}" "${figures[@]}"
