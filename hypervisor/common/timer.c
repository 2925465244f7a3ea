/*
 * Software timers on system time: a sorted singly-linked list. The head's
 * deadline programs the hardware one-shot timer through the arch hook.
 *
 * timer_lock guards the list (one list, CPU 0's, until phase 2b makes it
 * per CPU). Handlers run without it: they re-arm timers and wake vCPUs
 * (the run queue's lock ranks above it, but a handler may take anything).
 */
#include <hv/bug.h>
#include <hv/errno.h>
#include <hv/timer.h>
#include <hv/arch.h>
#include <hv/spinlock.h>

static struct hv_timer *timer_head;
static spinlock_t timer_lock = SPINLOCK_INIT(LOCK_RANK_TIMER, "timer_lock");
static u64 pass_now;                                 /* inside timer_run_due: its `now` */

void timer_init(struct hv_timer *t, void (*fn)(void *), void *data)
{
    *t = (struct hv_timer){ .fn = fn, .data = data };
}

static void unlink(struct hv_timer *t)
{
    ASSERT(spin_is_locked_by_me(&timer_lock));
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

    ASSERT(spin_is_locked_by_me(&timer_lock));
    ASSERT(!t->active && !t->next);
    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

static u64 next_deadline_locked(void)
{
    return timer_head ? timer_head->expires : ~0ULL;
}

u64 timer_next_deadline(void)
{
    unsigned long flags = spin_lock_irqsave(&timer_lock);
    u64 next = next_deadline_locked();

    spin_unlock_irqrestore(&timer_lock, flags);
    return next;
}

void timer_set(struct hv_timer *t, u64 expires)
{
    unsigned long flags = spin_lock_irqsave(&timer_lock);

    if (t->active)
        unlink(t);
    t->expires = expires > pass_now || pass_now == ~0ULL ? expires : pass_now + 1;
    link_sorted(t);
    if (timer_head == t)
        arch_timer_program(expires);
    spin_unlock_irqrestore(&timer_lock, flags);
}

void timer_stop(struct hv_timer *t)
{
    unsigned long flags = spin_lock_irqsave(&timer_lock);

    if (t->active)
        unlink(t);
    spin_unlock_irqrestore(&timer_lock, flags);
}

/*
 * A handler that re-arms a timer at or before the `now` of the pass that
 * runs it (a guest's period, a deadline that saturated) must not keep the
 * pass going with interrupts off: such a timer waits for the next pass.
 */
u64 timer_run_due(u64 now)
{
    bool ran = false;
    unsigned long flags = spin_lock_irqsave(&timer_lock);
    u64 next;

    pass_now = now;
    while (timer_head && timer_head->expires <= now) {
        struct hv_timer *t = timer_head;

        timer_head = t->next;
        t->next = NULL;
        t->active = false;
        spin_unlock_irqrestore(&timer_lock, flags);
        t->fn(t->data);                              /* without the lock: it may re-arm */
        flags = spin_lock_irqsave(&timer_lock);
        ran = true;
    }
    pass_now = 0;
    next = next_deadline_locked();
    if (ran)
        arch_timer_program(next);
    spin_unlock_irqrestore(&timer_lock, flags);
    return next;
}
