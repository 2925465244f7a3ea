/* common/time.c and common/timer.c. */
#include <hv/domain.h>
#include <hv/time.h>
#include <hv/timer.h>

#include "harness.h"

/* |got - want| <= want * 1e-6 */
static bool within_ppm(u64 got, u64 want)
{
    u64 diff = got > want ? got - want : want - got;

    return diff * 1000000ULL <= want;
}

static void check_hz(u64 hz)
{
    struct time_scale ts;
    u64 ns;

    time_scale_from_hz(hz, &ts);
    ns = time_scale_apply(hz, &ts);
    if (!within_ppm(ns, 1000000000ULL)) {
        char msg[128];

        snprintf(msg, sizeof(msg), "%llu Hz: one second of ticks is %llu ns (mul %u shift %d)",
                 (unsigned long long)hz, (unsigned long long)ns, ts.mul, ts.shift);
        FAIL_MSG(msg);
    }
    /* A guest computes the same from the pvclock fields: mul must fit 32 bits usefully. */
    CU_ASSERT(ts.mul >= 0x80000000u);
    CU_ASSERT(ts.shift >= -32 && ts.shift <= 32);
}

static void test_scale_table(void)
{
    static const u64 hz[] = {
        1000000ULL, 1193182ULL, 3579545ULL, 14318180ULL, 25000000ULL, 100000000ULL,
        999999999ULL, 1000000000ULL, 1000000001ULL, 1999999999ULL, 2000000000ULL,
        2000000001ULL, 2893401234ULL, 3000000000ULL, 3400000000ULL, 4000000000ULL,
        4294967295ULL, 4294967296ULL, 4999999999ULL, 5000000000ULL,
    };

    for (size_t i = 0; i < ARRAY_SIZE(hz); i++)
        check_hz(hz[i]);
}

static void test_scale_sweep(void)
{
    for (u64 hz = 1000000ULL; hz <= 5000000000ULL; hz += 7777777ULL)
        check_hz(hz);
}

static void test_scale_exact(void)
{
    struct time_scale ts;

    time_scale_from_hz(1000000000ULL, &ts);           /* 1 GHz: identity */
    EXPECT_EQ(time_scale_apply(123456789ULL, &ts), 123456789ULL);
    time_scale_from_hz(2000000000ULL, &ts);
    EXPECT_EQ(time_scale_apply(3000000000ULL, &ts), 1500000000ULL);
    time_scale_from_hz(1000000ULL, &ts);              /* 1 MHz: 1 tick = 1 us */
    CU_ASSERT(within_ppm(time_scale_apply(60000000ULL, &ts), 60000000000ULL));
}

static void test_now_and_pvclock(void)
{
    struct vcpu_time_info ti = { .version = 4 };

    time_init(2000000000ULL, 1000, 1700000000ULL);    /* 2 GHz, TSC 1000 at boot */
    harness_set_tsc(1000);
    EXPECT_EQ(hv_now(), 0);
    harness_set_tsc(1000 + 4000000000ULL);
    EXPECT_EQ(hv_now(), 2000000000ULL);
    time_update_vcpu_info(&ti);
    EXPECT_EQ(ti.version, 6);                         /* even again: a consistent copy */
    EXPECT_EQ(ti.tsc_timestamp, 1000 + 4000000000ULL);
    EXPECT_EQ(ti.system_time, 2000000000ULL);
    EXPECT_EQ(ti.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
    struct time_scale ts = { ti.tsc_to_system_mul, ti.tsc_shift };
    EXPECT_EQ(ti.system_time + time_scale_apply(2000000ULL, &ts), 2001000000ULL);
    EXPECT_EQ(time_tsc_hz(), 2000000000ULL);
}

static void test_wallclock(void)
{
    struct domain *d = harness_domain(1, 1, false);

    time_init(1000000000ULL, 0, 0x123456789ULL);
    time_update_wallclock(d->vcpus[0]);
    EXPECT_EQ(d->shared_info->wc_version, 2);
    EXPECT_EQ(d->shared_info->wc_sec, 0x23456789);
    EXPECT_EQ(d->shared_info->wc_sec_hi, 0x1);
    EXPECT_EQ(d->shared_info->wc_nsec, 0);
}

/* ------------------------------------------------------------- timers */

static int fired[8], nfired;

static void record_fire(void *data)
{
    fired[nfired++] = (int)(long)data;
}

static void test_timers_fire_in_order(void)
{
    struct hv_timer t[5];
    static const u64 when[5] = { 500, 100, 300, 100, 900 };

    nfired = 0;
    for (int i = 0; i < 5; i++)
        timer_init(&t[i], record_fire, (void *)(long)i);
    for (int i = 0; i < 5; i++)
        timer_set(&t[i], when[i]);
    EXPECT_EQ(timer_next_deadline(), 100);
    EXPECT_EQ(harness_timer_deadline, 100);           /* programmed for the head */
    EXPECT_EQ(timer_run_due(99), 100);
    EXPECT_EQ(nfired, 0);
    EXPECT_EQ(timer_run_due(300), 500);
    EXPECT_EQ(nfired, 3);
    EXPECT_EQ(fired[0], 1);                           /* equal deadlines: first set, first fired */
    EXPECT_EQ(fired[1], 3);
    EXPECT_EQ(fired[2], 2);
    EXPECT_EQ(harness_timer_deadline, 500);           /* reprogrammed after running */
    CU_ASSERT(!t[1].active);
    CU_ASSERT(t[0].active);
    EXPECT_EQ(timer_run_due(10000), ~0ULL);
    EXPECT_EQ(nfired, 5);
    EXPECT_EQ(fired[3], 0);
    EXPECT_EQ(fired[4], 4);
    EXPECT_EQ(harness_timer_deadline, ~0ULL);
}

static void test_timer_stop_and_reset(void)
{
    struct hv_timer a, b, c;

    nfired = 0;
    timer_init(&a, record_fire, (void *)1L);
    timer_init(&b, record_fire, (void *)2L);
    timer_init(&c, record_fire, (void *)3L);
    timer_set(&a, 100);
    timer_set(&b, 200);
    timer_set(&c, 300);
    timer_stop(&b);
    CU_ASSERT(!b.active);
    timer_stop(&b);                                   /* stopping twice is harmless */
    timer_set(&a, 400);                               /* re-set moves it, no duplicate */
    EXPECT_EQ(timer_next_deadline(), 300);
    unsigned int programs = harness_timer_programs;
    timer_set(&b, 50);                                /* a new head reprograms the hardware */
    EXPECT_EQ(harness_timer_programs, programs + 1);
    EXPECT_EQ(harness_timer_deadline, 50);
    timer_set(&b, 350);                               /* no longer the head: the hardware follows */
    EXPECT_EQ(harness_timer_programs, programs + 2);
    EXPECT_EQ(harness_timer_deadline, 300);
    timer_set(&b, 360);                               /* neither before nor after: left alone */
    EXPECT_EQ(harness_timer_programs, programs + 2);
    EXPECT_EQ(timer_next_deadline(), 300);
    EXPECT_EQ(timer_run_due(1000), ~0ULL);
    EXPECT_EQ(nfired, 3);
    EXPECT_EQ(fired[0], 3);
    EXPECT_EQ(fired[1], 2);
    EXPECT_EQ(fired[2], 1);
    timer_stop(&c);                                   /* already fired */
    EXPECT_EQ(timer_next_deadline(), ~0ULL);
}

/* A stopped head leaves no stray tick: the hardware is set for what is due next (main.c's idle loop once needed one). */
static void test_timer_stop_head_reprograms(void)
{
    struct hv_timer a, b, c;
    unsigned int programs;

    timer_init(&a, record_fire, (void *)1L);
    timer_init(&b, record_fire, (void *)2L);
    timer_init(&c, record_fire, (void *)3L);
    timer_set(&a, 100);
    timer_set(&b, 200);
    timer_set(&c, 300);
    programs = harness_timer_programs;
    timer_stop(&b);                                   /* not the head: nothing to change */
    EXPECT_EQ(harness_timer_programs, programs);
    timer_stop(&a);
    EXPECT_EQ(harness_timer_deadline, 300);
    timer_stop(&c);
    EXPECT_EQ(harness_timer_deadline, ~0ULL);         /* nothing due: no tick at all */
    EXPECT_EQ(harness_timer_programs, programs + 2);
}

static struct hv_timer rearm_timer;
static int rearms;

static void rearm(void *data)
{
    if (++rearms < 3)
        timer_set(&rearm_timer, rearm_timer.expires + 100);
}

static void test_timer_rearm_from_callback(void)
{
    rearms = 0;
    timer_init(&rearm_timer, rearm, NULL);
    timer_set(&rearm_timer, 100);
    EXPECT_EQ(timer_run_due(150), 200);               /* re-armed for 200, not yet due */
    EXPECT_EQ(rearms, 1);
    /* 200 falls due; its re-arm at 300 is before this pass's now: next pass. */
    EXPECT_EQ(timer_run_due(1000), 1001);
    EXPECT_EQ(rearms, 2);
    EXPECT_EQ(timer_run_due(1001), ~0ULL);
    EXPECT_EQ(rearms, 3);
}

/* The livelock the review found: a handler that re-arms in the past, forever. */
static struct hv_timer past_timer;
static int past_runs;

static void rearm_in_past(void *data)
{
    past_runs++;
    timer_set(&past_timer, past_timer.expires - 1);
}

static void test_timer_rearm_in_past_runs_once(void)
{
    past_runs = 0;
    timer_init(&past_timer, rearm_in_past, NULL);
    timer_set(&past_timer, 500);
    EXPECT_EQ(timer_run_due(600), 601);               /* one run per pass */
    EXPECT_EQ(past_runs, 1);
    EXPECT_EQ(timer_run_due(601), 602);
    EXPECT_EQ(past_runs, 2);
    timer_stop(&past_timer);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);
}

static void test_deadline_after_saturates(void)
{
    EXPECT_EQ(deadline_after(1000, 5), 1005);
    EXPECT_EQ(deadline_after(1000, ~0ULL), ~0ULL);
    EXPECT_EQ(deadline_after(~0ULL - 1, 2), ~0ULL);
    EXPECT_EQ(deadline_after(1000, STIME_DELTA_MAX), 1000 + STIME_DELTA_MAX);
}

static const struct unit_test tests[] = {
    { "scale_table_1MHz_5GHz", test_scale_table },
    { "scale_sweep", test_scale_sweep },
    { "scale_exact", test_scale_exact },
    { "now_and_pvclock", test_now_and_pvclock },
    { "wallclock", test_wallclock },
    { "timers_fire_in_order", test_timers_fire_in_order },
    { "timer_stop_and_reset", test_timer_stop_and_reset },
    { "timer_stop_head_reprograms", test_timer_stop_head_reprograms },
    { "timer_rearm_from_callback", test_timer_rearm_from_callback },
    { "timer_rearm_in_past_runs_once", test_timer_rearm_in_past_runs_once },
    { "deadline_after_saturates", test_deadline_after_saturates },
};

void suite_time(void)
{
    ADD_SUITE("time", tests);
}
