/* One-shot software timers on system time in ns (common/timer.c). */
#ifndef HV_TIMER_H
#define HV_TIMER_H

#include <hv/types.h>

struct hv_timer {
    u64 expires;                    /* system time, ns */
    void (*fn)(void *data);
    void *data;
    struct hv_timer *next;
    bool active;
    unsigned int cpu;               /* whose list holds it while active (common/timer.c) */
};

/*
 * Deadlines from guest-supplied deltas. STIME_DELTA_MAX is Xen's bound on a
 * delta (2^62 - 1 ns: now + delta cannot wrap within 200 years of uptime);
 * deadline_after() saturates anyway, so a deadline is never in the past.
 */
#define STIME_DELTA_MAX (~0ULL >> 2)

static inline u64 deadline_after(u64 now, u64 delta)
{
    return delta > ~0ULL - now ? ~0ULL : now + delta;
}

/* A guest's absolute deadline read as Xen reads it, as a signed time: one
 * with bit 63 set is in the past and fires at once. */
static inline u64 guest_deadline(u64 t)
{
    return (s64)t < 0 ? 0 : t;
}

void timer_init(struct hv_timer *t, void (*fn)(void *), void *data);
void timer_set(struct hv_timer *t, u64 expires);
void timer_stop(struct hv_timer *t);
/* timer_stop, then waits while its handler runs on another CPU: before t is freed. */
void timer_kill(struct hv_timer *t);
/* Runs every timer due at `now` (once each: one re-armed at or before `now`
 * by its own handler waits for the next call); returns the next deadline. */
u64 timer_run_due(u64 now);
u64 timer_next_deadline(void);

#endif
