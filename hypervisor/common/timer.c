/*
 * Software timers on system time: a sorted singly-linked list. The head's
 * deadline programs the hardware one-shot timer through the arch hook.
 */
#include <hv/bug.h>
#include <hv/errno.h>
#include <hv/timer.h>
#include <hv/arch.h>

static struct hv_timer *timer_head;
static u64 pass_now;                                 /* inside timer_run_due: its `now` */

void timer_init(struct hv_timer *t, void (*fn)(void *), void *data)
{
    *t = (struct hv_timer){ .fn = fn, .data = data };
}

static void unlink(struct hv_timer *t)
{
    for (struct hv_timer **pp = &timer_head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->active = false;
}

static void link_sorted(struct hv_timer *t)
{
    struct hv_timer **pp = &timer_head;

    ASSERT(!t->active && !t->next);
    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

u64 timer_next_deadline(void)
{
    return timer_head ? timer_head->expires : ~0ULL;
}

void timer_set(struct hv_timer *t, u64 expires)
{
    if (t->active)
        unlink(t);
    t->expires = expires > pass_now || pass_now == ~0ULL ? expires : pass_now + 1;
    link_sorted(t);
    if (timer_head == t)
        arch_timer_program(expires);
}

void timer_stop(struct hv_timer *t)
{
    if (t->active)
        unlink(t);
}

/*
 * A handler that re-arms a timer at or before the `now` of the pass that
 * runs it (a guest's period, a deadline that saturated) must not keep the
 * pass going with interrupts off: such a timer waits for the next pass.
 */
u64 timer_run_due(u64 now)
{
    bool ran = false;

    pass_now = now;
    while (timer_head && timer_head->expires <= now) {
        struct hv_timer *t = timer_head;

        timer_head = t->next;
        t->next = NULL;
        t->active = false;
        t->fn(t->data);
        ran = true;
    }
    pass_now = 0;
    if (ran)
        arch_timer_program(timer_next_deadline());
    return timer_next_deadline();
}
