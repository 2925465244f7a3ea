/*
 * Credit accounting for the scheduler (common/sched_credit.c), in the
 * spirit of Xen's credit scheduler: each domain has a weight (its share of
 * the CPUs against the other busy domains) and a cap (at most this many
 * percent of one CPU; 0: none). A vCPU's credit is CPU time in ns: burnt
 * while it runs, refilled every accounting period in proportion to its
 * domain's weight. Run queues put BOOST (just woken from blocked, credit
 * left) before UNDER (credit left) before OVER; a vCPU of a capped domain
 * that ran out is parked (off every queue) until a refill gives it credit
 * again. The queue mechanics stay in sched.c (docs/smp.md, "The scheduler").
 */
#ifndef HV_SCHED_CREDIT_H
#define HV_SCHED_CREDIT_H

#include <hv/types.h>
#include <hv/cpumask.h>

struct vcpu;
struct domain;

#define CREDIT_WEIGHT_DEFAULT 256
#define CREDIT_WEIGHT_MAX     65535
#define CREDIT_PERIOD_SLICES  3             /* one accounting period: 3 time slices (Xen: 30 ms) */
#define CREDIT_MIN_SLICE_NS   1000000ULL    /* a capped vCPU's slice ends early, but not under 1 ms */

enum credit_prio { CREDIT_OVER, CREDIT_UNDER, CREDIT_BOOST };

struct credit_vcpu {
    s64 credit;          /* ns it may still run this period (atomic: burnt and refilled on any CPU) */
    u64 since;           /* when it was last charged: its switch-in or the last burn */
    bool boosted;        /* woke from blocked with credit left: ahead until it is descheduled */
    bool parked;         /* over its domain's cap: on no queue until a refill (under its queue's lock) */
    bool active;         /* ran since the last refill (it gets a share of the next one) */
};

/* ---- pure arithmetic (unit suite `credit`) */

/*
 * One active vCPU's refill for `period_ns` (the time since the last
 * refill): the domain's weighted part of `total_ns` (that times the online
 * CPUs) among `weight_sum` (the weights of the domains with an active
 * vCPU), limited by the cap (cap% of the period), split among its
 * `nr_active` vCPUs, never more than the period (one CPU at most).
 */
u64 credit_grant(u64 total_ns, u32 weight, u64 weight_sum, u32 cap, u64 period_ns,
                 unsigned int nr_active);
/*
 * Credit kept across periods: at most CREDIT_SAVE_PERIODS saved (only a
 * runnable or running vCPU is refilled: one that sits blocked gets none),
 * at most CREDIT_DEBT_PERIODS owed (a slice that overran, e.g. the host
 * stalled QEMU, is paid back, within reason).
 */
#define CREDIT_SAVE_PERIODS 2
#define CREDIT_DEBT_PERIODS 4
s64 credit_clamp(s64 credit, u64 period_ns);
/* XEN_DOMCTL_SCHEDOP_putinfo's values: weight 0 keeps it; a cap above 100 per vCPU -EINVAL. */
int credit_params_check(u32 weight, u32 cap, unsigned int nr_vcpus);
/* A hard affinity must name an online CPU: the usable part, or -EINVAL if none. */
int sched_affinity_check(const cpumask_t *mask, const cpumask_t *online, cpumask_t *usable);
/* "1", "0-1,3": a CPU list (pvhv.cpus=); -EINVAL for anything else or a CPU past HV_NR_CPUS. */
int sched_parse_cpulist(const char *s, cpumask_t *mask);

/* ---- for sched.c (hot paths: a few loads and stores each) */
void credit_init(u64 period_ns);
void credit_vcpu_start(struct vcpu *v, u64 now);    /* switched in: charge from now */
void credit_burn(struct vcpu *v, u64 now);          /* charges the time since the last charge */
void credit_woken(struct vcpu *v);                  /* woke from blocked: boosted if it has credit */
enum credit_prio credit_prio(const struct vcpu *v);
/*
 * Whether a should run before b: a better priority, or more credit at the
 * same one (so weights hold among vCPUs that are all UNDER or all OVER,
 * where Xen's credit1 goes round-robin).
 */
bool credit_better(const struct vcpu *a, const struct vcpu *b);
bool credit_over_cap(const struct vcpu *v);         /* capped and out of credit: park it */
/* How long v may run now: the slice, shorter for a capped vCPU with little credit left. */
u64 credit_slice(const struct vcpu *v, u64 slice_ns);
/* Once per period, on whichever CPU gets there first; no lock may be held (domlist_lock). */
void credit_refill_if_due(u64 now);
u64 credit_next_refill(void);
void credit_parked_changed(int delta);              /* the count of parked vCPUs */
bool credit_any_parked(void);

/* ---- the domctl's (XEN_DOMCTL_scheduler_op with XEN_SCHEDULER_CREDIT) */
struct xen_domctl_scheduler_op;
long sched_credit_adjust(struct domain *d, struct xen_domctl_scheduler_op *op);

#endif
