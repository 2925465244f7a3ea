/* The vCPU scheduler (common/sched.c; credit accounting in sched_credit.c). */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/types.h>
#include <hv/arch.h>

struct vcpu;

/* The vCPU running on this physical CPU; NULL while it idles. An lvalue. */
#define current (arch_this_pcpu()->curr)

void sched_init(unsigned int timeslice_ms);
void sched_add(struct vcpu *v);        /* makes v runnable */
void sched_remove(struct vcpu *v);     /* takes v off the run queue (and off its CPU) */
void sched_stop(struct vcpu *v);       /* v down: off the queue and off its CPU */
void sched_down(struct vcpu *v);       /* VCPUOP_down: off the queue; its CPU told, not waited for */
void sched_block(struct vcpu *v);      /* v sleeps until sched_wake */
void sched_wake(struct vcpu *v);
void sched_yield(void);
/* Pausing is the domain's pause_count (domain_control.c): a paused vCPU is
 * taken off with sched_remove; sched_unpause queues it again if runnable. */
void sched_unpause(struct vcpu *v);
/* A parked vCPU (over its cap) got credit again: it queues (sched_credit.c's refill). */
void sched_unpark(struct vcpu *v);
/* Hard affinity: v runs only on these CPUs from now on; -EINVAL: no online one. No lock held. */
int sched_set_affinity(struct vcpu *v, const cpumask_t *hard);
/* Picks the next vCPU and switches to it (or to idle); returns when `current`
 * runs again: true if something else ran meanwhile, false if it stayed. */
bool schedule(void);
/* Set when another vCPU (or idle) should run; read on every return to a
 * guest, so inline: a call and its return cost two jump-cache lookups
 * under TCG (docs/performance.md). */
static inline bool sched_need_resched(void)
{
    return arch_this_pcpu()->resched_pending;
}
void sched_set_need_resched(void);
struct vcpu *sched_pick_next(void);
/* Another CPU has a queued vCPU (the idle loop then schedules: it pulls one). */
bool sched_work_elsewhere(void);
/* This CPU's own queue has a vCPU (the idle loop runs it rather than halt). */
bool sched_work_here(void);
/* After a context switch, on the CPU the previous vCPU left (also a new
 * vCPU's first entry): that vCPU may now be loaded elsewhere. */
void sched_switch_done(void);
void sched_dump_stats(void);
void sched_report_placement(const struct vcpu *v);
void vcpu_runstate_publish(struct vcpu *v);

#endif
