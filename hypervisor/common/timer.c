/*
 * Software timers on system time: per physical CPU, a sorted singly-linked
 * list whose head's deadline programs that CPU's hardware one-shot timer
 * (arch hook). timer_set arms a timer on the CPU that calls it (a vCPU's
 * timers on the CPU it runs on), so no CPU programs another's hardware; a
 * timer armed elsewhere is taken off that CPU's list first.
 *
 * Each CPU's timer_lock guards its list; t->cpu says which list holds an
 * active timer (it changes only under that list's lock). Never two timer
 * locks at once. Handlers run without the lock: they re-arm timers and
 * wake vCPUs (the run queue's lock ranks above it, but a handler may take
 * anything).
 */
#include <hv/bug.h>
#include <hv/errno.h>
#include <hv/timer.h>
#include <hv/arch.h>
#include <hv/spinlock.h>

struct timer_cpu {
    spinlock_t lock;
    struct hv_timer *head;
    u64 pass_now;                      /* inside timer_run_due: its `now` */
    struct hv_timer *running;          /* the handler running now (timer_kill waits for it) */
} __aligned(64);

static struct timer_cpu timer_cpus[HV_NR_CPUS] = {
    [0 ... HV_NR_CPUS - 1] = { .lock = SPINLOCK_INIT(LOCK_RANK_TIMER, "timer_lock") },
};

static struct timer_cpu *this_timers(void)
{
    return &timer_cpus[smp_processor_id()];
}

void timer_init(struct hv_timer *t, void (*fn)(void *), void *data)
{
    *t = (struct hv_timer){ .fn = fn, .data = data };
}

static void unlink(struct timer_cpu *tc, struct hv_timer *t)
{
    ASSERT(spin_is_locked_by_me(&tc->lock));
    for (struct hv_timer **pp = &tc->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->active = false;
}

static void link_sorted(struct timer_cpu *tc, struct hv_timer *t)
{
    struct hv_timer **pp = &tc->head;

    ASSERT(spin_is_locked_by_me(&tc->lock));
    ASSERT(!t->active && !t->next);
    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

static u64 next_deadline_locked(struct timer_cpu *tc)
{
    return tc->head ? tc->head->expires : ~0ULL;
}

u64 timer_next_deadline(void)
{
    struct timer_cpu *tc = this_timers();
    unsigned long flags = spin_lock_irqsave(&tc->lock);
    u64 next = next_deadline_locked(tc);

    spin_unlock_irqrestore(&tc->lock, flags);
    return next;
}

/* The list that holds t, locked; NULL (nothing locked) if t is not active. */
static struct timer_cpu *lock_timer(struct hv_timer *t, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        struct timer_cpu *tc = &timer_cpus[cpu];

        if (!__atomic_load_n(&t->active, __ATOMIC_ACQUIRE))
            return NULL;
        *flags = spin_lock_irqsave(&tc->lock);
        if (t->cpu == cpu && t->active)
            return tc;
        spin_unlock_irqrestore(&tc->lock, *flags);
    }
}

/*
 * A stopped head leaves no stray tick behind on this CPU: its hardware
 * timer is set for what is really due next. An idle CPU then sleeps until
 * then, and a wake-up that only a stray tick delivered shows as the hang it
 * is (one did: main.c's idle_step). Another CPU's list: that CPU's tick
 * comes and finds nothing due. Inside a pass, the pass programs it.
 */
void timer_stop(struct hv_timer *t)
{
    unsigned long flags;
    struct timer_cpu *tc = lock_timer(t, &flags);
    bool was_head;

    if (!tc)
        return;
    was_head = tc->head == t;
    unlink(tc, t);
    if (was_head && tc == this_timers() && !tc->pass_now)
        arch_timer_program(next_deadline_locked(tc));
    spin_unlock_irqrestore(&tc->lock, flags);
}

/* Stopped, and its handler not running on another CPU: t may be freed. */
void timer_kill(struct hv_timer *t)
{
    unsigned int me = smp_processor_id();

    timer_stop(t);
    for (unsigned int cpu = 0; cpu < HV_NR_CPUS; cpu++)
        while (cpu != me && __atomic_load_n(&timer_cpus[cpu].running, __ATOMIC_ACQUIRE) == t)
            arch_spin_wait_serve();
    timer_stop(t);                                   /* if the handler re-armed it */
}

void timer_set(struct hv_timer *t, u64 expires)
{
    struct timer_cpu *tc = this_timers();
    unsigned long flags;
    bool was_head;

    if (t->active && t->cpu != smp_processor_id())
        timer_stop(t);                               /* armed on another CPU: moves here */
    flags = spin_lock_irqsave(&tc->lock);
    was_head = tc->head == t;
    if (t->active)
        unlink(tc, t);
    t->expires = expires > tc->pass_now || tc->pass_now == ~0ULL ? expires : tc->pass_now + 1;
    t->cpu = smp_processor_id();
    link_sorted(tc, t);
    if (tc->head == t || was_head)                   /* the hardware follows the head, as in timer_stop */
        arch_timer_program(next_deadline_locked(tc));
    spin_unlock_irqrestore(&tc->lock, flags);
}

/*
 * A handler that re-arms a timer at or before the `now` of the pass that
 * runs it (a guest's period, a deadline that saturated) must not keep the
 * pass going with interrupts off: such a timer waits for the next pass.
 */
u64 timer_run_due(u64 now)
{
    struct timer_cpu *tc = this_timers();
    bool ran = false;
    unsigned long flags = spin_lock_irqsave(&tc->lock);
    u64 next;

    tc->pass_now = now;
    while (tc->head && tc->head->expires <= now) {
        struct hv_timer *t = tc->head;

        tc->head = t->next;
        t->next = NULL;
        __atomic_store_n(&t->active, false, __ATOMIC_RELEASE);
        __atomic_store_n(&tc->running, t, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&tc->lock, flags);
        t->fn(t->data);                              /* without the lock: it may re-arm */
        flags = spin_lock_irqsave(&tc->lock);
        __atomic_store_n(&tc->running, NULL, __ATOMIC_RELEASE);
        ran = true;
    }
    tc->pass_now = 0;
    next = next_deadline_locked(tc);
    if (ran)
        arch_timer_program(next);
    spin_unlock_irqrestore(&tc->lock, flags);
    return next;
}
