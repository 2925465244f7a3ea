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
};

void timer_init(struct hv_timer *t, void (*fn)(void *), void *data);
void timer_set(struct hv_timer *t, u64 expires);
void timer_stop(struct hv_timer *t);
/* Runs every timer due at `now`; returns the next deadline (or ~0 if none). */
u64 timer_run_due(u64 now);
u64 timer_next_deadline(void);

#endif
