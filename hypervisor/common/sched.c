/*
 * Round-robin scheduler for one physical CPU: a FIFO of runnable vCPUs, a
 * time slice enforced by a software timer, blocking until an event, and
 * yield. The idle context (current == NULL) runs when nothing is runnable.
 *
 * runq_lock guards the queue and the vCPUs' on_runq/runq_next/state
 * (CPU 0's queue: phase 2b makes it per CPU). Taken with interrupts off (a
 * timer or an event may wake a vCPU), never held across the context switch.
 */
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/spinlock.h>
#include <hv/bug.h>

static spinlock_t runq_lock = SPINLOCK_INIT(LOCK_RANK_RUNQ, "runq_lock");
static struct vcpu *runq_head, *runq_tail;
bool sched_resched_pending;          /* hv/sched.h: read inline on every return */
static struct hv_timer slice_timer;
static u64 slice_ns;

static void slice_expired(void *unused)
{
    (void)unused;
    sched_resched_pending = true;
}

void sched_init(unsigned int timeslice_ms)
{
    slice_ns = (u64)timeslice_ms * 1000000ULL;
    timer_init(&slice_timer, slice_expired, NULL);
}

static void runq_push(struct vcpu *v)
{
    ASSERT(spin_is_locked_by_me(&runq_lock));
    if (v->on_runq)
        return;
    v->on_runq = true;
    v->runq_next = NULL;
    if (runq_tail)
        runq_tail->runq_next = v;
    else
        runq_head = v;
    runq_tail = v;
}

static void runq_remove(struct vcpu *v)
{
    ASSERT(spin_is_locked_by_me(&runq_lock));
    for (struct vcpu **pp = &runq_head, *prev = NULL; *pp; prev = *pp, pp = &(*pp)->runq_next) {
        if (*pp == v) {
            *pp = v->runq_next;
            if (runq_tail == v)
                runq_tail = prev;
            break;
        }
    }
    v->on_runq = false;
    v->runq_next = NULL;
}

void sched_remove(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    runq_remove(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

/* A vCPU of a domain the controller paused is runnable but off the queue. */
static bool vcpu_paused(const struct vcpu *v)
{
    return __atomic_load_n(&v->domain->pause_count, __ATOMIC_RELAXED) != 0;
}

static void add_locked(struct vcpu *v)
{
    v->state = VCPU_RUNNABLE;
    if (vcpu_paused(v))
        return;
    runq_push(v);
    if (!current)
        sched_resched_pending = true;
}

void sched_add(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    add_locked(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_block(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    v->state = VCPU_BLOCKED;
    runq_remove(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_wake(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_BLOCKED) {
        add_locked(v);
        sched_resched_pending = true;               /* let the woken vCPU run soon */
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

/* After the domain's pause count went to 0: a runnable vCPU queues again. */
void sched_unpause(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_RUNNABLE && !vcpu_paused(v)) {
        runq_push(v);
        sched_resched_pending = true;
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_set_need_resched(void)
{
    sched_resched_pending = true;
}

/* Head of the queue; a still-runnable current goes to the back first. */
struct vcpu *sched_pick_next(void)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);
    struct vcpu *next;

    if (current && current->state == VCPU_RUNNABLE && !current->on_runq && !vcpu_paused(current))
        runq_push(current);
    next = runq_head;
    if (next) {
        runq_head = next->runq_next;
        if (!runq_head)
            runq_tail = NULL;
        next->on_runq = false;
        next->runq_next = NULL;
    }
    spin_unlock_irqrestore(&runq_lock, flags);
    return next;
}

void sched_yield(void)
{
    sched_resched_pending = true;
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

void schedule(void)
{
    struct vcpu *prev = current, *next = sched_pick_next();

    sched_resched_pending = false;
    if (next)
        timer_set(&slice_timer, hv_now() + slice_ns);
    else
        timer_stop(&slice_timer);
    if (next == prev)
        return;
    if (prev) {
        runstate_change(prev, prev->state == VCPU_RUNNABLE ? RUNSTATE_runnable :
                              prev->state == VCPU_BLOCKED ? RUNSTATE_blocked : RUNSTATE_offline);
        vcpu_runstate_publish(prev);
    }
    current = next;
    if (next)
        time_update_vcpu_info(&next->vcpu_info->time);
    arch_context_switch(prev, next);
    /* Back here as `prev`, switched in again by a later schedule(). */
    if (current) {
        runstate_change(current, RUNSTATE_running);
        vcpu_runstate_publish(current);
        vcpu_time_publish(current);
    }
}
