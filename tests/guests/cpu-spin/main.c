/*
 * cpu-spin: computes without blocking for ms=<N> milliseconds of system
 * time, then reads its own runstate (VCPUOP_get_runstate_info) and checks
 * that it was running for at least min=<P> percent of that time.
 *
 * Several of these side by side measure the scheduler: on one physical CPU
 * two spinners get about half each; on two CPUs each gets nearly all of it
 * (they ran at the same time); three on two CPUs get about two thirds
 * each. The percentage counts time the hypervisor had the vCPU loaded, so
 * it does not depend on how fast QEMU runs on a loaded host. from=<ms>
 * starts the measured window at that system time (the same clock in every
 * domain), after spinning until then: side-by-side spinners then measure
 * the same window, not ones staggered by their boot. max=<P>
 * (default 101) bounds it from above: the credit tests (weights, a cap)
 * check a share both ways.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "cpu-spin";

/* Time spent running: Xen's get_runstate_info counts the current period up to now. */
static uint64_t running_ns(void)
{
    struct vcpu_runstate_info r;
    long rc = hc_vcpu_op(VCPUOP_get_runstate_info, 0, &r);

    if (!check_eq(rc, 0, "VCPUOP_get_runstate_info"))
        return 0;
    check(r.state == RUNSTATE_running, "runstate says running while it runs", "state %d", r.state);
    return r.time[RUNSTATE_running];
}

void test_main(void)
{
    uint64_t ms = (uint64_t)cmdline_int("ms", 3000), min = (uint64_t)cmdline_int("min", 75);
    uint64_t max = (uint64_t)cmdline_int("max", 101);
    uint64_t from = (uint64_t)cmdline_int("from", 0) * 1000000ULL;
    volatile uint64_t spins = 0;
    uint64_t wall, ran, pct, start, run0, end;

    if (pvclock_ns() > from && from)
        info("started after from= (%lu ms): the window is late", (unsigned long)(pvclock_ns() / 1000000));
    while (pvclock_ns() < from)
        spins++;
    start = pvclock_ns();
    run0 = running_ns();
    end = start + ms * 1000000ULL;

    while (pvclock_ns() < end)
        spins++;
    ran = running_ns() - run0;
    wall = pvclock_ns() - start;
    pct = ran * 100 / (wall ? wall : 1);
    info("ran %lu ms of %lu ms (%lu%%), %lu loop passes", (unsigned long)(ran / 1000000),
         (unsigned long)(wall / 1000000), (unsigned long)pct, (unsigned long)spins);
    check(pct >= min, "running for at least min% of the time", "%lu%% < %lu%%", (unsigned long)pct,
          (unsigned long)min);
    check(pct <= 101, "no more running time than wall time", "%lu%%", (unsigned long)pct);
    check(pct <= max, "running for at most max% of the time", "%lu%% > %lu%%", (unsigned long)pct,
          (unsigned long)max);
}
