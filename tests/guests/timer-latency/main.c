/*
 * timer-latency: a bystander that sleeps (SCHEDOP_block) on short timers
 * and measures how late each wake-up comes. An event for a blocked vCPU
 * must wake it within a few milliseconds even while another domain keeps
 * the CPU busy with the longest hypercalls it can make (preempt-bystander
 * in tests.conf). `rounds=` wake-ups (default 100) of `sleep_us=` (default
 * 2000); the worst may be `late_ms=` late (default 20).
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "timer-latency";

static evtchn_port_t timer_port;

static void on_timer(evtchn_port_t port, void *arg) { }

/* Sleeps until `deadline`; returns how late the wake-up was, in ns. */
static uint64_t sleep_until(uint64_t deadline)
{
    uint64_t now;

    events_disable();                    /* before arming: the block must see the tick */
    hc_set_timer_op(deadline);
    do {
        hc_sched_op(SCHEDOP_block, NULL);    /* unmasks events, sleeps until one */
        now = pvclock_ns();
    } while (now < deadline);
    return now - deadline;
}

void test_main(void)
{
    unsigned long rounds = cmdline_int("rounds", 100), sleep_ns = cmdline_int("sleep_us", 2000) * 1000;
    uint64_t late_ns = cmdline_int("late_ms", 20) * 1000000UL, worst = 0, sum = 0;
    unsigned long over = 0;

    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind_virq(VIRQ_TIMER)");
    evtchn_set_handler(timer_port, on_timer, NULL);
    for (unsigned long i = 0; i < rounds; i++) {
        uint64_t late = sleep_until(pvclock_ns() + sleep_ns);

        worst = late > worst ? late : worst;
        sum += late;
        over += late > late_ns;
    }
    info("%lu wake-ups: mean %lu us late, worst %lu us", rounds, (unsigned long)(sum / rounds / 1000),
         (unsigned long)(worst / 1000));
    check(over == 0, "every wake-up within late_ms", "%lu of %lu later, worst %lu us", over, rounds,
          (unsigned long)(worst / 1000));
}
