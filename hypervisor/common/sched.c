/*
 * The scheduler on every physical CPU: each CPU has a queue of runnable
 * vCPUs, taken best credit priority first (BOOST, UNDER, OVER: the credit
 * accounting is common/sched_credit.c), then most credit, then first
 * come; its own time slice (a software timer on its own list, its
 * own LAPIC timer) and its idle context (current == NULL). A vCPU belongs
 * to one CPU's queue at a time (v->processor); an idle CPU, or one whose
 * queue is empty at the end of a slice, pulls a queued vCPU from the
 * busiest other CPU (docs/smp.md, "The scheduler"). A vCPU runs only on
 * the CPUs of its hard affinity: placement, pulls and wake-ups keep to it.
 *
 * Locks: each queue's lock guards the queue and the state/on_runq/
 * runq_next of the vCPUs whose processor it is; v->processor changes only
 * under the lock of the queue it leaves. Never two queue locks at once.
 * Taken with interrupts off (a timer or an event may wake a vCPU), never
 * held across the context switch.
 *
 * A vCPU switched out on one CPU may be picked by another before the first
 * has saved it: v->is_running stays set until the switch is complete
 * (sched_switch_done, on the CPU it left), and a CPU that picked it waits
 * for that before loading it.
 */
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/spinlock.h>
#include <hv/bug.h>
#include <hv/cmdline.h>
#include <hv/sched_credit.h>

struct sched_cpu {
    spinlock_t lock;
    struct vcpu *head, *tail;
    unsigned int nr_queued;            /* read unlocked by other CPUs looking for work */
    struct hv_timer slice_timer;
    u64 switches, pulls;               /* statistics (sched_dump_stats) */
} __aligned(64);

static struct sched_cpu sched_cpus[HV_NR_CPUS] = {
    [0 ... HV_NR_CPUS - 1] = { .lock = SPINLOCK_INIT(LOCK_RANK_RUNQ, "runq_lock") },
};
static u64 slice_ns;
static unsigned int max_running;       /* most vCPUs seen running at once (statistics) */

static struct sched_cpu *this_sched(void)
{
    return &sched_cpus[smp_processor_id()];
}

static void slice_expired(void *unused)
{
    (void)unused;
    sched_set_need_resched();
}

void sched_init(unsigned int timeslice_ms)
{
    slice_ns = (u64)timeslice_ms * 1000000ULL;
    credit_init(slice_ns * CREDIT_PERIOD_SLICES);
    for (unsigned int cpu = 0; cpu < HV_NR_CPUS; cpu++)
        timer_init(&sched_cpus[cpu].slice_timer, slice_expired, NULL);
}

/* The CPU's flag, then an interrupt if it is another one (it may be halted). */
static void raise_resched(unsigned int cpu)
{
    struct pcpu *p = arch_pcpu(cpu);

    if (!p)
        return;
    __atomic_store_n(&p->resched_pending, true, __ATOMIC_RELEASE);
    if (cpu != smp_processor_id())
        arch_send_reschedule(cpu);
}

void sched_set_need_resched(void)
{
    arch_this_pcpu()->resched_pending = true;
}

static bool cpu_is_idle(unsigned int cpu)
{
    struct pcpu *p = arch_pcpu(cpu);

    return p && !__atomic_load_n(&p->curr, __ATOMIC_RELAXED);
}

/* The queue v belongs to, locked (v->processor may move until we hold it). */
static struct sched_cpu *lock_vcpu(struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_ACQUIRE);
        struct sched_cpu *s = &sched_cpus[cpu];

        *flags = spin_lock_irqsave(&s->lock);
        if (v->processor == cpu)
            return s;
        spin_unlock_irqrestore(&s->lock, *flags);
    }
}

static void runq_push(struct sched_cpu *s, struct vcpu *v)
{
    ASSERT(spin_is_locked_by_me(&s->lock));
    if (v->on_runq)
        return;
    v->on_runq = true;
    v->runq_next = NULL;
    if (s->tail)
        s->tail->runq_next = v;
    else
        s->head = v;
    s->tail = v;
    __atomic_store_n(&s->nr_queued, s->nr_queued + 1, __ATOMIC_RELAXED);
}

static void runq_remove(struct sched_cpu *s, struct vcpu *v)
{
    ASSERT(spin_is_locked_by_me(&s->lock));
    if (!v->on_runq)
        return;
    for (struct vcpu **pp = &s->head, *prev = NULL; *pp; prev = *pp, pp = &(*pp)->runq_next) {
        if (*pp == v) {
            *pp = v->runq_next;
            if (s->tail == v)
                s->tail = prev;
            __atomic_store_n(&s->nr_queued, s->nr_queued - 1, __ATOMIC_RELAXED);
            break;
        }
    }
    v->on_runq = false;
    v->runq_next = NULL;
}

/* The best queued vCPU (credit_better: priority, then credit; the first of equals), off the queue. */
static struct vcpu *runq_take_best(struct sched_cpu *s)
{
    struct vcpu *best = NULL;

    for (struct vcpu *v = s->head; v; v = v->runq_next)
        if (!best || credit_better(v, best))
            best = v;
    if (best)
        runq_remove(s, best);
    return best;
}

/* Under v's queue lock: runnable v ran out of credit over its cap; it waits for a refill. */
static void park_locked(struct vcpu *v)
{
    v->credit.parked = true;
    credit_parked_changed(1);
}

/* Under v's queue lock: v is parked no more; whether it was. */
static bool unpark_locked(struct vcpu *v)
{
    if (!v->credit.parked)
        return false;
    v->credit.parked = false;
    credit_parked_changed(-1);
    return true;
}

/* A vCPU of a domain the controller paused is runnable but off the queue. */
static bool vcpu_paused(const struct vcpu *v)
{
    return __atomic_load_n(&v->domain->pause_count, __ATOMIC_RELAXED) != 0;
}

/* Waits until v's context is saved on the CPU it left (or it never ran). */
static void wait_switched_out(const struct vcpu *v)
{
    while (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
        arch_spin_wait_serve();
}

/*
 * v off every CPU: unless it is this CPU's own current vCPU, its CPU is told
 * to reschedule and we wait until its context is saved. The caller has
 * already made it unable to run (paused, down).
 */
static void sleep_sync(struct vcpu *v)
{
    if (v == current || !__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
        return;
    raise_resched(v->processor);
    wait_switched_out(v);
}

void sched_remove(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    runq_remove(s, v);
    spin_unlock_irqrestore(&s->lock, flags);
    sleep_sync(v);
}

void sched_stop(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    v->state = VCPU_DOWN;
    unpark_locked(v);
    runq_remove(s, v);
    spin_unlock_irqrestore(&s->lock, flags);
    sleep_sync(v);
}

static void runstate_change(struct vcpu *v, int state);

/*
 * VCPUOP_down: v down and off its queue; if it runs on another CPU, that
 * CPU is told to reschedule, without waiting for it (the caller holds its
 * domain's lock). Its context stays as it is for the next sched_add.
 */
void sched_down(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);
    bool elsewhere = v != current && v->is_running;

    /* Going down itself: offline before is_up can say so to another vCPU
     * (schedule() below it now also charges credit and may refill first). */
    if (v == current)
        runstate_change(v, RUNSTATE_offline);
    __atomic_store_n(&v->state, VCPU_DOWN, __ATOMIC_RELEASE);
    unpark_locked(v);
    runq_remove(s, v);
    if (v != current && !v->is_running && v->runstate.state == RUNSTATE_runnable)
        runstate_change(v, RUNSTATE_offline);        /* as Xen (a blocked one stays blocked); a
                                                      * running one changes as it leaves */
    spin_unlock_irqrestore(&s->lock, flags);
    if (elsewhere)
        raise_resched(v->processor);
}

/* Runnable on its queue (unless paused or parked); its CPU reschedules if idle (or when told to). */
static void add_locked(struct sched_cpu *s, struct vcpu *v, bool preempt)
{
    v->state = VCPU_RUNNABLE;
    if (vcpu_paused(v) || v->credit.parked)
        return;
    runq_push(s, v);
    /* Against an idle loop that has just looked at its queue: it sets curr
     * NULL, then looks (sched_work_here), we push, then look at curr. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (preempt || cpu_is_idle(v->processor))
        raise_resched(v->processor);
}

/* Some other idle CPU of `allowed` is told to look for work (it pulls from the busiest). */
static void kick_an_idle_cpu(unsigned int busy, const cpumask_t *allowed)
{
    cpumask_t online = arch_cpus_online(), cpus = cpumask_and(&online, allowed);
    unsigned int cpu;

    for_each_cpu(cpu, &cpus) {
        if (cpu != busy && cpu_is_idle(cpu)) {
            raise_resched(cpu);
            return;
        }
    }
}

/* The online CPU of `allowed` with the fewest vCPUs (queued plus running); the lowest on ties. */
static unsigned int least_loaded_cpu(const cpumask_t *allowed)
{
    cpumask_t online = arch_cpus_online(), cpus = cpumask_and(&online, allowed);
    unsigned int cpu, best = 0, best_load = ~0u;

    if (cpumask_empty(&cpus))
        cpus = online;                               /* cannot be: affinities name an online CPU */
    for_each_cpu(cpu, &cpus) {
        unsigned int load = __atomic_load_n(&sched_cpus[cpu].nr_queued, __ATOMIC_RELAXED) +
                            !cpu_is_idle(cpu);

        if (load < best_load) {
            best = cpu;
            best_load = load;
        }
    }
    return best;
}

/*
 * With vcpu_spread=0 the vCPUs of a domain with several stay on one CPU
 * (vCPU 0's): their default hard affinity, unless a tool chose one. By
 * default they spread like separate domains: every page-type change is
 * under the domain's page_type_lock or a cmpxchg, and TLB flushes follow the domain's
 * dirty-CPU mask (docs/smp.md "Guest vCPUs").
 */
static bool domain_on_one_cpu(const struct domain *d)
{
    return !hv_opts.vcpu_spread && __atomic_load_n(&d->nr_vcpus, __ATOMIC_RELAXED) > 1;
}

/*
 * A new vCPU's CPU: the least loaded of its affinity. vCPU 0 of a domain
 * kept on one CPU, placed the first time, gives every vCPU of the domain
 * that CPU as its hard affinity (the others are down until vCPU 0 runs).
 */
static unsigned int place_new(struct vcpu *v)
{
    struct domain *d = v->domain;
    unsigned int cpu = least_loaded_cpu(&v->hard_affinity);
    cpumask_t all = cpumask_first_n(HV_NR_CPUS);

    if (v->id == 0 && domain_on_one_cpu(d) && !d->affinity_by_tool &&
        v->hard_affinity.bits == all.bits)
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i])
                d->vcpus[i]->hard_affinity = cpumask_of(cpu);
    return cpu;
}

/* A new (or re-initialised) vCPU: placed on the least loaded CPU it may use. */
void sched_add(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s;

    if (!v->on_runq && !v->is_running && v->state != VCPU_RUNNABLE)
        __atomic_store_n(&v->processor, place_new(v), __ATOMIC_RELEASE);
    s = lock_vcpu(v, &flags);
    add_locked(s, v, false);
    spin_unlock_irqrestore(&s->lock, flags);
}

void sched_block(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    v->state = VCPU_BLOCKED;
    runq_remove(s, v);
    spin_unlock_irqrestore(&s->lock, flags);
    /* The caller re-checks its wake-up condition next: a waker that set it
     * before this store saw the vCPU runnable and did nothing. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * An event for v: a blocked vCPU becomes runnable on its CPU and runs soon
 * (that CPU reschedules; if it is busy, an idle CPU is told to pull). One
 * running on another CPU is interrupted so that it takes the event now.
 */
void sched_wake(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);
    unsigned int cpu = v->processor;
    bool woke = v->state == VCPU_BLOCKED, running = v->is_running;

    if (woke) {
        credit_woken(v);
        add_locked(s, v, true);
    }
    spin_unlock_irqrestore(&s->lock, flags);
    if (woke && !vcpu_paused(v) && !cpu_is_idle(cpu))
        kick_an_idle_cpu(cpu, &v->hard_affinity);
    else if (!woke && running && cpu != smp_processor_id())
        arch_send_reschedule(cpu);
}

/* After the domain's pause count went to 0: a runnable vCPU queues again. */
void sched_unpause(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    if (v->state == VCPU_RUNNABLE && !vcpu_paused(v))
        add_locked(s, v, true);
    spin_unlock_irqrestore(&s->lock, flags);
}

/* A refill gave a parked vCPU credit again (sched_credit.c; no lock held but domlist_lock). */
void sched_unpark(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    if (unpark_locked(v) && v->state == VCPU_RUNNABLE && !v->on_runq)
        add_locked(s, v, false);
    spin_unlock_irqrestore(&s->lock, flags);
}

/* Runnable v, descheduled here, may no longer run here: queued on a CPU it may use. */
static void move_to_allowed(struct vcpu *v)
{
    unsigned int to = least_loaded_cpu(&v->hard_affinity);
    unsigned long flags;
    struct sched_cpu *s = lock_vcpu(v, &flags);

    if (v->on_runq || v->state != VCPU_RUNNABLE) {   /* someone else placed or stopped it */
        spin_unlock_irqrestore(&s->lock, flags);
        return;
    }
    __atomic_store_n(&v->processor, to, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&s->lock, flags);
    s = lock_vcpu(v, &flags);
    if (v->state == VCPU_RUNNABLE && !v->on_runq)
        add_locked(s, v, false);
    spin_unlock_irqrestore(&s->lock, flags);
}

/*
 * XEN_DOMCTL_setvcpuaffinity (hard): v runs only on `hard` from now on. A
 * vCPU running elsewhere outside it is told to reschedule and waited for
 * (its CPU moves it as it leaves); the caller's own vCPU moves at its next
 * schedule. -EINVAL: no online CPU in it. No lock may be held.
 */
int sched_set_affinity(struct vcpu *v, const cpumask_t *hard)
{
    cpumask_t online = arch_cpus_online(), usable;
    unsigned long flags;
    struct sched_cpu *s;
    int rc = sched_affinity_check(hard, &online, &usable);

    if (rc)
        return rc;
    for (;;) {
        unsigned int cpu;

        s = lock_vcpu(v, &flags);
        v->hard_affinity = *hard;
        cpu = v->processor;
        if (cpumask_test(hard, cpu) || v == current || !v->is_running)
            break;
        spin_unlock_irqrestore(&s->lock, flags);
        raise_resched(cpu);
        wait_switched_out(v);
    }
    if (cpumask_test(hard, v->processor)) {
        spin_unlock_irqrestore(&s->lock, flags);
    } else if (v == current) {
        sched_set_need_resched();                    /* sched_pick_next moves it */
        spin_unlock_irqrestore(&s->lock, flags);
    } else {
        bool queued = v->on_runq;

        runq_remove(s, v);
        __atomic_store_n(&v->processor, least_loaded_cpu(hard), __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&s->lock, flags);
        if (queued) {
            s = lock_vcpu(v, &flags);
            if (v->state == VCPU_RUNNABLE && !v->on_runq)
                add_locked(s, v, false);
            spin_unlock_irqrestore(&s->lock, flags);
        }
    }
    return 0;
}

/*
 * The busy CPU (not this one) with the most queued vCPUs; HV_NR_CPUS if none
 * has any. An idle CPU with a queue is about to run it itself.
 */
static unsigned int busiest_other_cpu(void)
{
    cpumask_t online = arch_cpus_online();
    unsigned int cpu, me = smp_processor_id(), best = HV_NR_CPUS, most = 0;

    for_each_cpu(cpu, &online) {
        unsigned int n = __atomic_load_n(&sched_cpus[cpu].nr_queued, __ATOMIC_RELAXED);

        if (cpu != me && n > most && !cpu_is_idle(cpu)) {
            best = cpu;
            most = n;
        }
    }
    return best;
}

/*
 * Whether this CPU's own queue has a vCPU: one may have been queued while
 * this CPU was still switching away from its last vCPU (not idle yet, so
 * not told).
 */
bool sched_work_here(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&this_sched()->nr_queued, __ATOMIC_RELAXED) != 0;
}

/* Whether another CPU has a queued vCPU this idle CPU could pull (unlocked look). */
bool sched_work_elsewhere(void)
{
    return busiest_other_cpu() != HV_NR_CPUS;
}

/*
 * Takes the best vCPU of the busiest other queue that may run here, of
 * priority `at_least` or better; it is ours from now on.
 */
static struct vcpu *pull_one(enum credit_prio at_least)
{
    unsigned int from = busiest_other_cpu(), me = smp_processor_id();
    struct sched_cpu *s;
    struct vcpu *v = NULL;
    unsigned long flags;

    if (from == HV_NR_CPUS)
        return NULL;
    s = &sched_cpus[from];
    flags = spin_lock_irqsave(&s->lock);
    for (struct vcpu *c = s->head; c; c = c->runq_next) {
        enum credit_prio p = credit_prio(c);

        if (p < at_least || !cpumask_test(&c->hard_affinity, me) ||
            __atomic_load_n(&c->is_running, __ATOMIC_ACQUIRE))   /* not one still being saved there */
            continue;
        if (!v || credit_better(c, v))
            v = c;
    }
    if (v) {
        runq_remove(s, v);
        __atomic_store_n(&v->processor, me, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&s->lock, flags);
    if (v)
        this_sched()->pulls++;
    return v;
}

/*
 * The best of this CPU's queue; a still-runnable current goes to the back
 * first (or is parked, over its cap; or goes to a CPU of its affinity if
 * that changed). When this queue had nothing else, a vCPU queued on another
 * CPU, no worse than ours, runs instead (ours is queued here): three vCPUs
 * on two CPUs rotate. When ours is OVER, an UNDER one from another CPU runs
 * instead.
 */
struct vcpu *sched_pick_next(void)
{
    struct sched_cpu *s = this_sched();
    struct vcpu *cur = current, *next, *away = NULL;
    unsigned long flags = spin_lock_irqsave(&s->lock);
    bool alone = s->nr_queued == 0;

    if (cur && cur->state == VCPU_RUNNABLE && !cur->on_runq && !vcpu_paused(cur)) {
        if (credit_over_cap(cur))
            park_locked(cur);
        else if (!cpumask_test(&cur->hard_affinity, smp_processor_id()))
            away = cur;
        else
            runq_push(s, cur);
    }
    next = runq_take_best(s);
    spin_unlock_irqrestore(&s->lock, flags);
    if (away)
        move_to_allowed(away);
    if (alone || (next && credit_prio(next) == CREDIT_OVER)) {
        /* Alone: rotate with another CPU's no-worse vCPU. Only OVER work
         * here: steal UNDER work from another CPU (Xen's load balance). */
        struct vcpu *pulled = pull_one(!next ? CREDIT_OVER : alone ? credit_prio(next) : CREDIT_UNDER);

        if (pulled) {
            if (next) {
                flags = spin_lock_irqsave(&s->lock);
                runq_push(s, next);
                spin_unlock_irqrestore(&s->lock, flags);
            }
            next = pulled;
        }
    }
    return next;
}

void sched_yield(void)
{
    sched_set_need_resched();
}

/*
 * Runstate: time in each state, and the guest's copy if it registered one
 * (written while its page tables are loaded, i.e. while it is current).
 */
void vcpu_runstate_publish(struct vcpu *v)
{
    struct vcpu_runstate_info *r = &v->runstate;
    bool flag = v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);

    if (!v->runstate_guest)
        return;
    if (flag) {
        r->state_entry_time |= XEN_RUNSTATE_UPDATE;
        copy_to_guest(v->runstate_guest + offsetof(struct vcpu_runstate_info, state_entry_time),
                      &r->state_entry_time, sizeof(r->state_entry_time));
        r->state_entry_time &= ~XEN_RUNSTATE_UPDATE;
    }
    copy_to_guest(v->runstate_guest, r, sizeof(*r));  /* unmapped area: the guest's loss */
}

static void runstate_change(struct vcpu *v, int state)
{
    u64 now = hv_now();
    struct vcpu_runstate_info *r = &v->runstate;

    r->time[r->state] += now - r->state_entry_time;
    r->state = state;
    r->state_entry_time = now;
}

/* How many CPUs run a vCPU now, this one included (statistics). */
static void note_running(void)
{
    cpumask_t online = arch_cpus_online();
    unsigned int cpu, n = 0;

    for_each_cpu(cpu, &online)
        n += !cpu_is_idle(cpu);
    if (n > __atomic_load_n(&max_running, __ATOMIC_RELAXED))
        __atomic_store_n(&max_running, n, __ATOMIC_RELAXED);
}

/* On the CPU a vCPU just left, once its context is saved: others may load it. */
void sched_switch_done(void)
{
    struct pcpu *p = arch_this_pcpu();
    struct vcpu *prev = p->switched_from;

    p->switched_from = NULL;
    if (prev)
        __atomic_store_n(&prev->is_running, false, __ATOMIC_RELEASE);
}

/* pull_one skips a vCPU still being saved, so the wait is a safety net. */
static void switch_in(struct vcpu *next, u64 now)
{
    wait_switched_out(next);
    credit_vcpu_start(next, now);
    __atomic_store_n(&next->is_running, true, __ATOMIC_RELAXED);
    cpumask_set(&next->ran_on, smp_processor_id());
    this_sched()->switches++;
}

bool schedule(void)
{
    struct vcpu *prev = current, *next;
    struct sched_cpu *s = this_sched();
    u64 now = hv_now();

    /* Cleared before the pick: a wake-up from another CPU after the pick
     * must find the flag set again (the queue lock orders the two). */
    __atomic_store_n(&arch_this_pcpu()->resched_pending, false, __ATOMIC_SEQ_CST);
    if (prev)
        credit_burn(prev, now);
    credit_refill_if_due(now);
    next = sched_pick_next();
    if (next)
        timer_set(&s->slice_timer, now + credit_slice(next, slice_ns));
    else if (credit_any_parked())
        timer_set(&s->slice_timer, credit_next_refill());   /* the refill unparks them */
    else
        timer_stop(&s->slice_timer);
    if (next == prev) {
        if (next)
            note_running();     /* each slice too: a vCPU that never switches still counts */
        return false;
    }
    if (prev) {
        runstate_change(prev, prev->state == VCPU_RUNNABLE ? RUNSTATE_runnable :
                              prev->state == VCPU_BLOCKED ? RUNSTATE_blocked : RUNSTATE_offline);
        vcpu_runstate_publish(prev);
    }
    if (next) {
        switch_in(next, now);
        runstate_change(next, RUNSTATE_running);     /* here: a new vCPU's first entry does not come back below */
    }
    arch_this_pcpu()->switched_from = prev;
    current = next;
    if (next) {
        note_running();
        time_update_vcpu_info(&next->vcpu_info->time);
    }
    arch_context_switch(prev, next);
    /* Back here as `prev`, switched in again by a later schedule(), maybe
     * on another CPU. */
    sched_switch_done();
    if (current) {
        vcpu_runstate_publish(current);
        vcpu_time_publish(current);
    }
    return true;
}

/* With several CPUs, where a stopping vCPU ran (the SMP tests read it). */
void sched_report_placement(const struct vcpu *v)
{
    cpumask_t online = arch_cpus_online();
    char list[4 * HV_NR_CPUS] = "";
    unsigned int cpu, len = 0;

    if (cpumask_weight(&online) < 2)
        return;
    for_each_cpu(cpu, &v->ran_on)
        len += hv_snprintf(list + len, sizeof(list) - len, "%s%u", len ? "," : "", cpu);
    hv_info("d%u v%u ran on CPU %s\n", v->domain->id, v->id, len ? list : "none");
}

/* The idle loop's statistics line (the runner reads it: docs/smp.md). */
void sched_dump_stats(void)
{
    cpumask_t online = arch_cpus_online();
    unsigned int cpu;

    hv_info("sched: at most %u vCPUs ran at once\n", __atomic_load_n(&max_running, __ATOMIC_RELAXED));
    for_each_cpu(cpu, &online)
        hv_info("sched: CPU %u: %lu switches to a vCPU, %lu pulled from another CPU\n", cpu,
                sched_cpus[cpu].switches, sched_cpus[cpu].pulls);
}
