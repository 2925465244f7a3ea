/*
 * Credit accounting (hv/sched_credit.h; docs/smp.md "The scheduler"):
 * weights, caps, the refill once per accounting period, the priorities the
 * run queues order by. sched.c keeps the queues and calls in here.
 *
 * Locks: a vCPU's credit is an atomic word (burnt by the CPU running it,
 * refilled by whichever CPU does the period's refill). `parked` changes
 * under the vCPU's queue lock (sched.c). The refill walks the domains under
 * domlist_lock (read, rank 1), so it runs with no lock held: from
 * schedule(), before the run-queue lock. One CPU per period does it (a
 * cmpxchg on the deadline).
 */
#define __XEN_TOOLS__ 1                              /* domctl.h is tools-only */
#include <hv/sched_credit.h>
#include <hv/sched.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/arch.h>
#include <xen/domctl.h>

static u64 period_ns = 30000000ULL;
static u64 next_refill;                /* when the next refill is due (cmpxchg claims it) */
static u64 last_refill;                /* when the last one was (written by the claiming CPU) */
static int nr_parked;                  /* vCPUs parked over their cap (an idle CPU keeps a timer) */

/* ------------------------------------------------------------ arithmetic */

u64 credit_grant(u64 total_ns, u32 weight, u64 weight_sum, u32 cap, u64 period, unsigned int nr_active)
{
    u64 share;

    if (!weight_sum || !nr_active)
        return 0;
    /* total_ns <= 64 CPUs * period, weight < 2^16: no overflow for periods under 4 s */
    share = total_ns * weight / weight_sum;
    if (cap && share > period * cap / 100)
        share = period * cap / 100;
    share /= nr_active;
    return share > period ? period : share;
}

s64 credit_clamp(s64 credit, u64 period)
{
    if (credit > CREDIT_SAVE_PERIODS * (s64)period)
        return CREDIT_SAVE_PERIODS * (s64)period;
    if (credit < -CREDIT_DEBT_PERIODS * (s64)period)
        return -CREDIT_DEBT_PERIODS * (s64)period;
    return credit;
}

int credit_params_check(u32 weight, u32 cap, unsigned int nr_vcpus)
{
    if (weight > CREDIT_WEIGHT_MAX || cap > 0xffff)
        return -EINVAL;
    if (cap > 100 * (nr_vcpus ? nr_vcpus : 1))
        return -EINVAL;                              /* libxl's bound: more than all its vCPUs */
    return 0;
}

int sched_affinity_check(const cpumask_t *mask, const cpumask_t *online, cpumask_t *usable)
{
    *usable = cpumask_and(mask, online);
    return cpumask_empty(usable) ? -EINVAL : 0;
}

static int parse_cpu(const char **s, unsigned int *cpu)
{
    unsigned int n = 0, digits = 0;

    for (; **s >= '0' && **s <= '9' && digits < 3; (*s)++, digits++)
        n = n * 10 + (unsigned int)(**s - '0');
    if (!digits || n >= HV_NR_CPUS)
        return -EINVAL;
    *cpu = n;
    return 0;
}

int sched_parse_cpulist(const char *s, cpumask_t *mask)
{
    cpumask_t m = cpumask_none();

    for (;;) {
        unsigned int lo, hi;

        if (parse_cpu(&s, &lo))
            return -EINVAL;
        hi = lo;
        if (*s == '-' && (s++, parse_cpu(&s, &hi) || hi < lo))
            return -EINVAL;
        for (unsigned int c = lo; c <= hi; c++)
            cpumask_set(&m, c);
        if (*s == '\0' || *s == ' ')
            break;
        if (*s++ != ',')
            return -EINVAL;
    }
    *mask = m;
    return 0;
}

/* ------------------------------------------------------------ hot paths */

void credit_init(u64 period)
{
    period_ns = period;
}

void credit_vcpu_start(struct vcpu *v, u64 now)
{
    v->credit.since = now;
}

void credit_burn(struct vcpu *v, u64 now)
{
    struct credit_vcpu *c = &v->credit;

    if (now > c->since)
        __atomic_fetch_sub(&c->credit, (s64)(now - c->since), __ATOMIC_RELAXED);
    c->since = now;
    c->active = true;
    c->boosted = false;                              /* a boost lasts until it is descheduled */
}

void credit_woken(struct vcpu *v)
{
    v->credit.boosted = __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED) > 0;
}

enum credit_prio credit_prio(const struct vcpu *v)
{
    if (v->credit.boosted)
        return CREDIT_BOOST;
    return __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED) > 0 ? CREDIT_UNDER : CREDIT_OVER;
}

bool credit_better(const struct vcpu *a, const struct vcpu *b)
{
    enum credit_prio pa = credit_prio(a), pb = credit_prio(b);

    if (pa != pb)
        return pa > pb;
    return __atomic_load_n(&a->credit.credit, __ATOMIC_RELAXED) >
           __atomic_load_n(&b->credit.credit, __ATOMIC_RELAXED);
}

bool credit_over_cap(const struct vcpu *v)
{
    return v->domain->sched_cap && __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED) <= 0;
}

u64 credit_slice(const struct vcpu *v, u64 slice)
{
    s64 left = __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED);

    if (!v->domain->sched_cap || left >= (s64)slice)
        return slice;
    return left > (s64)CREDIT_MIN_SLICE_NS ? (u64)left : CREDIT_MIN_SLICE_NS;
}

u64 credit_next_refill(void)
{
    return __atomic_load_n(&next_refill, __ATOMIC_RELAXED);
}

void credit_parked_changed(int delta)
{
    __atomic_fetch_add(&nr_parked, delta, __ATOMIC_RELAXED);
}

bool credit_any_parked(void)
{
    return __atomic_load_n(&nr_parked, __ATOMIC_RELAXED) > 0;
}

/* ------------------------------------------------------------ the refill */

/* Runnable (even parked) or ran since the last refill: it competes this period. */
static bool vcpu_active(const struct vcpu *v)
{
    return v->credit.active || (__atomic_load_n(&v->state, __ATOMIC_RELAXED) == VCPU_RUNNABLE &&
                                !__atomic_load_n(&v->domain->pause_count, __ATOMIC_RELAXED));
}

static unsigned int domain_active_vcpus(const struct domain *d)
{
    unsigned int n = 0;

    if (d->state != DOM_ACTIVE)
        return 0;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        n += d->vcpus[i] && vcpu_active(d->vcpus[i]);
    return n;
}

struct refill {
    u64 weight_sum;                    /* of the domains with an active vCPU */
    u64 elapsed;                       /* since the last refill, at most two periods */
    u64 total;                         /* that times the online CPUs */
};

static void sum_weights(struct domain *d, void *arg)
{
    if (domain_active_vcpus(d))
        ((struct refill *)arg)->weight_sum += d->sched_weight;
}

static void add_credit(struct vcpu *v, u64 grant)
{
    s64 old = __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED);

    while (!__atomic_compare_exchange_n(&v->credit.credit, &old, credit_clamp(old + (s64)grant, period_ns),
                                        false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void refill_domain(struct domain *d, void *arg)
{
    const struct refill *r = arg;
    unsigned int n = domain_active_vcpus(d);
    u64 grant = credit_grant(r->total, d->sched_weight, r->weight_sum, d->sched_cap, r->elapsed, n);

    if (!n)
        return;                                      /* none active, or it shut down */
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (!v || !vcpu_active(v))
            continue;
        add_credit(v, grant);
        v->credit.active = false;
        if (v->credit.parked && __atomic_load_n(&v->credit.credit, __ATOMIC_RELAXED) > 0)
            sched_unpark(v);
    }
}

void credit_refill_if_due(u64 now)
{
    u64 due = __atomic_load_n(&next_refill, __ATOMIC_RELAXED);
    cpumask_t online = arch_cpus_online();
    struct refill r;

    if (now < due || !__atomic_compare_exchange_n(&next_refill, &due, now + period_ns, false,
                                                  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    /* Schedules come late (a slice overruns under a loaded host): what is
     * handed out is the CPU time that passed, so credit neither drains nor
     * piles up; after a long idle stretch, CREDIT_DEBT_PERIODS' worth at most. */
    r.elapsed = last_refill && now > last_refill ?
                MIN(now - last_refill, CREDIT_DEBT_PERIODS * period_ns) : period_ns;
    last_refill = now;
    r.total = r.elapsed * cpumask_weight(&online);
    r.weight_sum = 0;
    domain_for_each(sum_weights, &r);
    domain_for_each(refill_domain, &r);
}

/* ------------------------------------------------------------ the domctl */

/*
 * XEN_DOMCTL_scheduler_op for the credit scheduler, Xen's checks: another
 * scheduler's id or a per-vCPU command -EINVAL; putinfo's weight 0 keeps
 * the weight.
 */
long sched_credit_adjust(struct domain *d, struct xen_domctl_scheduler_op *op)
{
    int rc;

    if (op->sched_id != XEN_SCHEDULER_CREDIT)
        return -EINVAL;
    switch (op->cmd) {
    case XEN_DOMCTL_SCHEDOP_getinfo:
        op->u.credit.weight = d->sched_weight;
        op->u.credit.cap = d->sched_cap;
        return 0;
    case XEN_DOMCTL_SCHEDOP_putinfo:
        rc = credit_params_check(op->u.credit.weight, op->u.credit.cap,
                                 MAX(d->max_vcpus, d->nr_vcpus));
        if (rc)
            return rc;
        if (op->u.credit.weight)
            d->sched_weight = op->u.credit.weight;
        d->sched_cap = op->u.credit.cap;
        return 0;
    default:
        return -EINVAL;
    }
}
