/*
 * timer: pvclock is sane and monotonic; set_timer_op and VCPUOP_set_singleshot_timer deliver
 * VIRQ_TIMER no earlier than the deadline (minus Xen's 50us timer slop) and within
 * `late_ms` (command line, default 50) after it; cancelling works; SCHEDOP_block wakes on
 * the timer; the periodic timer ticks; SCHEDOP_poll times out and sees pending ports.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "timer";

#define MS 1000000UL
#define EARLY_NS 100000UL           /* Xen fires timers up to timer_slop (50us) early */

static evtchn_port_t timer_port;
static volatile unsigned long ticks;
static volatile uint64_t fired_at;
static uint64_t late_ns;

static void on_timer(evtchn_port_t port, void *arg)
{
    fired_at = pvclock_ns();
    ticks++;
}

static void test_pvclock(void)
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint64_t prev = pvclock_ns(), now, t0, tsc0;
    unsigned long backwards = 0;

    check(t->tsc_to_system_mul != 0 && !(t->version & 1) && t->system_time > 0,
          "vcpu_time_info populated", "mul %u version %u system_time %lu", t->tsc_to_system_mul,
          t->version, (unsigned long)t->system_time);
    for (int i = 0; i < 200000; i++) {
        now = pvclock_ns();
        backwards += now < prev;
        prev = now;
    }
    check(backwards == 0, "pvclock monotonic over 200000 reads", "%lu backwards steps", backwards);
    /*
     * A wrong scale shows in every try; the host descheduling QEMU (a
     * loaded CI machine) only in some: the shortest of three counts.
     */
    uint64_t best = ~0ull;

    for (int i = 0; i < 3 && best >= 40 * MS; i++) {
        t0 = pvclock_ns();
        tsc0 = rdtsc();
        udelay_spin(20000);
        now = pvclock_ns() - t0;
        best = now < best ? now : best;
    }
    check(best >= 20 * MS && best < 40 * MS, "pvclock advances (20 ms spin, shortest of 3)",
          "%lu ns", best);
    check(pvclock_tsc_to_ns(rdtsc() - tsc0) >= 20 * MS, "tsc scaled by mul/shift matches",
          "%lu ns", pvclock_tsc_to_ns(rdtsc() - tsc0));
}

static void test_wallclock(void)
{
    uint32_t v = shared->wc_version;

    info("wallclock: version %u sec %u nsec %u", v, shared->wc_sec, shared->wc_nsec);
    check(!(v & 1) && shared->wc_sec > 1600000000u && shared->wc_nsec < 1000000000u,
          "shared_info wallclock sane (after 2020)", "version %u sec %u nsec %u", v,
          shared->wc_sec, shared->wc_nsec);
}

/* Arm with `arm(deadline)`, wait, check the firing time. */
static void timed_fire(const char *what, long (*arm)(uint64_t), uint64_t delay)
{
    unsigned long before = ticks;
    uint64_t deadline = pvclock_ns() + delay;
    long rc = arm(deadline);
    bool got;

    if (!check_eq(rc, 0, what))
        return;
    got = wait_count(&ticks, before + 1, 2000);
    if (!check(got, what, "VIRQ_TIMER not delivered within 2 s"))
        return;
    info("%s: fired %ld ns after the deadline", what, (long)(fired_at - deadline));
    check(fired_at + EARLY_NS >= deadline && fired_at <= deadline + late_ns, what,
          "fired %ld ns after the deadline (allowed -%lu..+%lu)", (long)(fired_at - deadline),
          EARLY_NS, late_ns);
}

static long arm_timer_op(uint64_t d) { return hc_set_timer_op(d); }

static long arm_singleshot(uint64_t d)
{
    struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = d, .flags = 0 };

    return hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s);
}

static void test_cancel(void)
{
    unsigned long before = ticks;

    /* 100 ms ahead: a loaded host may stall QEMU between arming and cancelling. */
    hc_set_timer_op(pvclock_ns() + 100 * MS);
    check_eq(hc_set_timer_op(0), 0, "set_timer_op(0) cancels");
    arm_singleshot(pvclock_ns() + 100 * MS);
    check_eq(hc_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stop_singleshot_timer");
    udelay_spin(150000);
    check(ticks == before, "cancelled timers do not fire", "%lu ticks", ticks - before);
}

/* Xen 4.17.7 ignores VCPU_SSHOTTMR_future (returns 0 and fires at once, no -ETIME). */
static void test_past_deadline(void)
{
    struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = pvclock_ns() - MS, .flags = 0 };
    unsigned long before = ticks;

    check_eq(hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0, "singleshot in the past, flags 0");
    check(wait_count(&ticks, before + 1, 1000), "past deadline fires at once", "no tick");
    s.flags = VCPU_SSHOTTMR_future;
    s.timeout_abs_ns = pvclock_ns() - MS;
    before = ticks;
    check_eq(hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0,
             "singleshot in the past with VCPU_SSHOTTMR_future = 0 (flag ignored, as Xen)");
    check(wait_count(&ticks, before + 1, 1000), "... and fires at once", "no tick");
}

static void test_block(void)
{
    unsigned long before = ticks;
    uint64_t deadline, woke;
    long rc;

    events_disable();
    deadline = pvclock_ns() + 20 * MS;
    hc_set_timer_op(deadline);
    rc = hc_sched_op(SCHEDOP_block, NULL);
    woke = pvclock_ns();
    check(rc == 0 && ticks == before + 1 && vcpu0->evtchn_upcall_mask == 0,
          "SCHEDOP_block unmasks events, returns 0 after the timer upcall",
          "rc %ld ticks %lu mask %u", rc, ticks - before, vcpu0->evtchn_upcall_mask);
    check(woke + EARLY_NS >= deadline && woke <= deadline + late_ns, "SCHEDOP_block wake time",
          "woke %ld ns after the deadline", (long)(woke - deadline));
}

static void test_periodic(void)
{
    struct vcpu_set_periodic_timer p = { .period_ns = 10 * MS };
    unsigned long before = ticks, n;

    check_eq(hc_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0, "set_periodic_timer(10 ms)");
    udelay_spin(105000);
    check_eq(hc_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic_timer");
    n = ticks - before;
    check(n >= 6 && n <= 12, "periodic timer: ~10 ticks in 105 ms", "%lu ticks", n);
    before = ticks;
    udelay_spin(30000);
    check(ticks == before, "no ticks after stop_periodic_timer", "%lu", ticks - before);
}

static void test_poll(void)
{
    struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };
    uint64_t t0 = pvclock_ns();
    long rc;

    set_xen_guest_handle(poll.ports, &timer_port);
    events_disable();
    poll.timeout = t0 + 10 * MS;
    rc = hc_sched_op(SCHEDOP_poll, &poll);
    check(rc == 0 && pvclock_ns() >= t0 + 10 * MS - EARLY_NS, "SCHEDOP_poll times out (10 ms)",
          "rc %ld after %lu ns", rc, pvclock_ns() - t0);
    hc_set_timer_op(pvclock_ns() + 5 * MS);
    poll.timeout = pvclock_ns() + 1000 * MS;
    t0 = pvclock_ns();
    rc = hc_sched_op(SCHEDOP_poll, &poll);
    check(rc == 0 && evtchn_pending(timer_port) && pvclock_ns() - t0 < 500 * MS,
          "SCHEDOP_poll returns when the polled port becomes pending",
          "rc %ld pending %d after %lu ns", rc, evtchn_pending(timer_port), pvclock_ns() - t0);
    events_enable();
}

void test_main(void)
{
    late_ns = (uint64_t)cmdline_int("late_ms", 50) * MS;
    test_pvclock();
    test_wallclock();
    check_eq(hc_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop_periodic_timer");
    if (!check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind_virq(VIRQ_TIMER)"))
        return;
    evtchn_set_handler(timer_port, on_timer, NULL);
    events_enable();
    timed_fire("set_timer_op(now + 10 ms)", arm_timer_op, 10 * MS);
    timed_fire("set_singleshot_timer(now + 10 ms)", arm_singleshot, 10 * MS);
    timed_fire("set_singleshot_timer(now + 1 ms)", arm_singleshot, 1 * MS);
    test_cancel();
    test_past_deadline();
    test_block();
    test_periodic();
    test_poll();
}
