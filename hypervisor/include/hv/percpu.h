/*
 * What common code keeps per physical CPU. The arch embeds it in its own
 * per-CPU data and finds it with arch_this_pcpu() (hv/arch.h).
 */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

struct vcpu;
struct lock_dbg;

/* Debug builds and the host tests check the lock order (hv/spinlock.h). */
#if defined(HV_DEBUG) || defined(HV_HOST_TEST)
#define HV_LOCK_DEBUG 1
#endif

/* Locks one CPU holds at once, at most: deeper nesting is a bug (it panics). */
#define HV_LOCKS_HELD_MAX 8

struct pcpu {
    struct vcpu *curr;                 /* the running vCPU; NULL while idle (`current`) */
    unsigned int id;                   /* 0 = the boot CPU, then in MADT order */
    bool resched_pending;              /* schedule before going back to a guest (set remotely too) */
    bool tlb_flush_pending;            /* arch: flush this CPU's TLB before a guest runs again */
    struct vcpu *switched_from;        /* the vCPU being switched out (sched_switch_done) */
#ifdef HV_LOCK_DEBUG
    unsigned int nr_held;              /* the lock-order checker's stack (common/spinlock.c) */
    const struct lock_dbg *held[HV_LOCKS_HELD_MAX];
#endif
};

#endif
