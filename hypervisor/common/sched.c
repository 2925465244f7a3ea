/*
 * Round-robin scheduler for one physical CPU: a FIFO of runnable vCPUs, a
 * time slice enforced by a software timer, blocking until an event, and
 * yield. The idle context (current == NULL) runs when nothing is runnable.
 */
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/time.h>
#include <hv/timer.h>

struct vcpu *current;

static struct vcpu *runq_head, *runq_tail;
static bool need_resched;
static struct hv_timer slice_timer;
static u64 slice_ns;

static void slice_expired(void *unused)
{
    (void)unused;
    need_resched = true;
}

void sched_init(unsigned int timeslice_ms)
{
    slice_ns = (u64)timeslice_ms * 1000000ULL;
    timer_init(&slice_timer, slice_expired, NULL);
}

static void runq_push(struct vcpu *v)
{
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

void sched_remove(struct vcpu *v)
{
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

void sched_add(struct vcpu *v)
{
    v->state = VCPU_RUNNABLE;
    runq_push(v);
    if (!current)
        need_resched = true;
}

void sched_block(struct vcpu *v)
{
    v->state = VCPU_BLOCKED;
    sched_remove(v);
}

void sched_wake(struct vcpu *v)
{
    if (v->state != VCPU_BLOCKED)
        return;
    sched_add(v);
    need_resched = true;                             /* let the woken vCPU run soon */
}

bool sched_need_resched(void)
{
    return need_resched;
}

void sched_set_need_resched(void)
{
    need_resched = true;
}

/* Head of the queue; a still-runnable current goes to the back first. */
struct vcpu *sched_pick_next(void)
{
    struct vcpu *next;

    if (current && current->state == VCPU_RUNNABLE && !current->on_runq)
        runq_push(current);
    next = runq_head;
    if (next) {
        runq_head = next->runq_next;
        if (!runq_head)
            runq_tail = NULL;
        next->on_runq = false;
        next->runq_next = NULL;
    }
    return next;
}

void sched_yield(void)
{
    need_resched = true;
}

void schedule(void)
{
    struct vcpu *prev = current, *next = sched_pick_next();

    need_resched = false;
    if (next)
        timer_set(&slice_timer, hv_now() + slice_ns);
    else
        timer_stop(&slice_timer);
    if (next == prev)
        return;
    current = next;
    if (next)
        time_update_vcpu_info(&next->vcpu_info->time);
    arch_context_switch(prev, next);
}
