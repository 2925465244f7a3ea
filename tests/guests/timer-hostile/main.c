/*
 * timer-hostile: guest-supplied times that used to wrap. A periodic timer
 * of 2^64 - 1 ns made now + period wrap into the past, and the hypervisor
 * re-armed it forever with interrupts off: every domain stopped. Periods
 * above Xen's STIME_DELTA_MAX (2^62 - 1) are refused; deadlines read as
 * signed times (bit 63 set: in the past) fire at once, as on Xen; huge
 * set_timer_op deadlines fire in 100 ms, as on Xen. Run next to the timer
 * guest, whose own deadlines must still be met.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "timer-hostile";

#define MS 1000000UL
#define STIME_DELTA_MAX (~0UL >> 2)

static evtchn_port_t timer_port;
static volatile unsigned long ticks;

static void on_timer(evtchn_port_t port, void *arg)
{
    ticks++;
}

static long periodic(uint64_t period)
{
    struct vcpu_set_periodic_timer t = { .period_ns = period };

    return hc_vcpu_op(VCPUOP_set_periodic_timer, 0, &t);
}

static long singleshot(uint64_t deadline)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };

    return hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

/* Arms with `arm`; a tick arrives within [min_ms, max_ms] (it may come at once). */
static void expect_tick(const char *what, long (*arm)(uint64_t), uint64_t deadline,
                        uint64_t min_ms, uint64_t max_ms)
{
    uint64_t t0 = pvclock_ns(), dt;
    unsigned long before = ticks;

    if (!check_eq(arm(deadline), 0, what))
        return;

    if (!check(wait_count(&ticks, before + 1, max_ms + 500), what, "no VIRQ_TIMER"))
        return;
    dt = pvclock_ns() - t0;
    check(dt >= min_ms * MS && dt <= max_ms * MS, what, "after %lu ms (want %lu..%lu)",
          dt / MS, min_ms, max_ms);
}

static void test_periodic_bounds(void)
{
    check_eq(periodic(~0UL), -EINVAL, "periodic(2^64 - 1) refused");
    check_eq(periodic(STIME_DELTA_MAX + 1), -EINVAL, "periodic(2^62) refused");
    check_eq(periodic(0x8000000000000000UL), -EINVAL, "periodic(2^63) refused");
    check_eq(periodic(STIME_DELTA_MAX), 0, "periodic(2^62 - 1) accepted");
    check_eq(hc_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic");
    check_eq(periodic(1 * MS), 0, "periodic(1 ms)");
    check(wait_count(&ticks, ticks + 20, 2000), "periodic(1 ms) ticks", "fewer than 20 in 2 s");
    check_eq(hc_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic");
}

static void test_deadlines(void)
{
    expect_tick("singleshot(2^64 - 1) fires at once (a signed time in the past)", singleshot,
                ~0UL, 0, 50);
    expect_tick("singleshot(2^63) fires at once", singleshot, 1UL << 63, 0, 50);
    expect_tick("set_timer_op(2^64 - 1) fires in about 100 ms", hc_set_timer_op, ~0UL, 50, 1000);
    expect_tick("set_timer_op(now + 2^52) fires in about 100 ms", hc_set_timer_op,
                pvclock_ns() + (1UL << 52), 50, 1000);
}

static void test_poll_timeouts(void)
{
    evtchn_port_t ports[1] = { timer_port };
    struct sched_poll p = { .nr_ports = 1, .timeout = ~0UL };
    uint64_t t0;

    set_xen_guest_handle(p.ports, ports);
    hc_set_timer_op(0);
    evtchn_clear(timer_port);
    t0 = pvclock_ns();
    check_eq(hc_sched_op(SCHEDOP_poll, &p), 0, "poll(timeout 2^64 - 1)");
    check(pvclock_ns() - t0 < 50 * MS, "poll(timeout 2^64 - 1) returns at once (past)",
          "after %lu ms", (pvclock_ns() - t0) / MS);
    p.timeout = pvclock_ns() + 5 * MS;
    t0 = pvclock_ns();
    check_eq(hc_sched_op(SCHEDOP_poll, &p), 0, "poll(now + 5 ms)");
    check(pvclock_ns() - t0 >= 4 * MS, "poll(now + 5 ms) waits", "after %lu ns", pvclock_ns() - t0);
}

void test_main(void)
{
    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind_virq(VIRQ_TIMER)");
    evtchn_set_handler(timer_port, on_timer, NULL);
    events_enable();
    test_periodic_bounds();
    test_deadlines();
    test_poll_timeouts();
}
