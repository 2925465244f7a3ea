/*
 * The hypercall table: indexed by the Xen hypercall numbers from
 * xen/xen.h, generated with the typed call of each handler from
 * hv/hypercall-defs. Each handler lives with its subsystem. An empty slot
 * answers -ENOSYS and is counted; hypercall_trace logs every call with the
 * arguments it has. The flags are checked here, once for every hypercall:
 * multicall-allowed, privileged-only, preemptible.
 */
#include <hv/hypercall.h>
#include <hv/bug.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/cpumask.h>

/* hypercall_info[] and hypercall_thunks[]: generated from hv/hypercall-defs. */
#include "hypercall-table.h"

/* Counted by every CPU at once: atomic adds (relaxed: only totals matter). */
struct hypercall_stats hc_stats;
/* Per CPU, so that no two CPUs write one record. */
static struct {
    struct hypercall_record ring[HC_HISTORY];
    unsigned int next;
} history[HV_NR_CPUS];

static inline void count(u64 *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

const char *hypercall_name(unsigned long nr)
{
    if (nr < HC_NR_SLOTS && hypercall_info[nr].name)
        return hypercall_info[nr].name;
    return "unknown";
}

/* The arguments nr really has (all five for an unknown number), as text. */
static const char *format_args(char *buf, size_t size, unsigned int nargs,
                               const unsigned long args[5])
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < nargs && len < size; i++)
        len += hv_snprintf(buf + len, size - len, " %lx", args[i]);
    return buf;
}

static unsigned int nargs_of(unsigned long nr)
{
    return nr < HC_NR_SLOTS && hypercall_info[nr].name ? hypercall_info[nr].nargs : 5;
}

static __cold void trace_call(const struct hypercall_record *r, const unsigned long args[5])
{
    char text[5 * 17 + 1];

    hv_info("d%u v%u hypercall %s(%u)%s -> %ld\n", r->domid, r->vcpu, hypercall_name(r->nr), r->nr,
            format_args(text, sizeof(text), nargs_of(r->nr), args), r->ret);
}

/*
 * The history ring, on every hypercall. Inlined into the dispatcher, the
 * caller's vCPU passed in (one `current` per hypercall: each is an SGDT and
 * two loads), the argument count left to the reader (nargs_of) and the
 * copy unrolled: under TCG every branch or loop pass is one more
 * translated block (docs/performance.md).
 */
static inline __attribute__((always_inline)) void record(const struct vcpu *v, unsigned long nr,
                                                         const unsigned long args[5], long ret)
{
    unsigned int cpu = likely(v) ? v->processor : arch_this_pcpu()->id;   /* v runs here */
    struct hypercall_record *r = &history[cpu].ring[history[cpu].next++ % HC_HISTORY];

    if (likely(v)) {
        r->domid = v->domain->id;
        r->vcpu = (u16)v->id;
    } else {
        r->domid = 0xffff;
        r->vcpu = 0;
    }
    r->nr = (u32)nr;
    r->args[0] = args[0];
    r->args[1] = args[1];
    r->args[2] = args[2];
    r->args[3] = args[3];
    r->args[4] = args[4];
    r->ret = ret;
    if (unlikely(hv_opts.hypercall_trace))
        trace_call(r, args);
}

/* An unknown number with the trace on: in the history too. */
static __cold void record_unknown(const struct vcpu *v, unsigned long nr, const unsigned long args[5])
{
    record(v, nr, args, -ENOSYS);
}

/* An unprivileged caller of a privileged-only hypercall: -EPERM, after the
 * argument checks Xen makes first for some of them. */
static __cold long privilege_refusal(const struct hypercall_info *h, unsigned long nr,
                                     const unsigned long args[5])
{
    long rc = (h->flags & HCF_CHECKS_FIRST) ? hypercall_checks_before_privilege(nr, args) : 0;

    return rc ? rc : -EPERM;
}

/* The dispatcher's own refusals, in Xen's order; 0 lets the handler run. */
static long refusal(const struct vcpu *v, const struct hypercall_info *h, unsigned long nr,
                    const unsigned long args[5], bool from_multicall)
{
    if (from_multicall && !(h->flags & HCF_MULTICALL))
        return -EINVAL;                              /* no nested multicall, no iret */
    /* Defence in depth: a domain that is shutting down has no grant table
     * or event channels any more, and none of its vCPUs may run. */
    if (v && v->domain->state != DOM_ACTIVE)
        return -ESRCH;
    if ((h->flags & HCF_PRIVILEGED) && !(v && v->domain->privileged))
        return privilege_refusal(h, nr, args);
    return 0;
}

/*
 * refusal(), recorded when it refuses. Out of line, so out of the hot
 * page: a plain hypercall never gets here, only multicall entries and
 * privileged-only hypercalls (may_refuse).
 */
static __attribute__((noinline)) long refused(const struct vcpu *v, const struct hypercall_info *h,
                                              unsigned long nr, const unsigned long args[5],
                                              bool from_multicall)
{
    long ret = refusal(v, h, nr, args, from_multicall);

    if (ret)
        record(v, nr, args, ret);
    return ret;
}

/*
 * Whether refusal() has anything to check: one test on the common path.
 * Bitwise | and & on purpose: each && or || is a branch, and under TCG
 * each branch ends a translated block.
 */
static inline bool may_refuse(const struct vcpu *v, const struct hypercall_info *h,
                              bool from_multicall)
{
    return from_multicall | (v->domain->state != DOM_ACTIVE) | !!(h->flags & HCF_PRIVILEGED);
}

__hot_path long hypercall_dispatch(unsigned long nr, const unsigned long args[5], bool from_multicall)
{
    struct vcpu *v = current;
    const struct hypercall_info *h;
    long ret;

    /* Unknown numbers first and cheaply, as Xen: counted, and only traced. */
    if (unlikely(nr >= HC_NR_SLOTS || !hypercall_info[nr].name)) {
        count(&hc_stats.unknown);
        if (unlikely(hv_opts.hypercall_trace))
            record_unknown(v, nr, args);
        return -ENOSYS;
    }
    h = &hypercall_info[nr];
    if (unlikely(!v || may_refuse(v, h, from_multicall))) {
        ret = refused(v, h, nr, args, from_multicall);
        if (ret)
            return ret;
    }
    /* Per vCPU, a plain increment (only this CPU runs v), folded into hc_stats
     * when v is freed (hypercall_fold_counts); no shared line on the hot path. */
    if (likely(v))
        v->counters.hypercalls[nr]++;
    else
        count(&hc_stats.calls[nr]);                  /* host tests: no vCPU */
    /* The generated thunks live outside the hot page (hypercall-table.h):
     * the call leaves the page for the handler anyway. */
    ret = hypercall_thunks[nr](args);
    record(v, nr, args, ret);
    return ret;
}

/* Time to yield: a timer is due (the timer interrupt waits while a
 * hypercall runs) or another vCPU should run. */
bool hypercall_preempt_check(void)
{
    return sched_need_resched() || timer_next_deadline() <= hv_now();
}

long hypercall_continue(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                        unsigned long a4, unsigned long a5)
{
    struct hypercall_continuation *c = &current->cont;

    /* Only a hypercall whose definition says preemptible may continue. */
    ASSERT(nr < HC_NR_SLOTS && (hypercall_info[nr].flags & HCF_PREEMPTIBLE));

    c->pending = true;
    c->nr = nr;
    c->args[0] = a1;
    c->args[1] = a2;
    c->args[2] = a3;
    c->args[3] = a4;
    c->args[4] = a5;
    return -ERESTART;
}

static void dump_cpu_history(unsigned int cpu)
{
    char text[5 * 17 + 1];

    for (unsigned int i = 0; i < HC_HISTORY; i++) {
        const struct hypercall_record *r = &history[cpu].ring[(history[cpu].next + i) % HC_HISTORY];

        if (r->domid == 0 && r->nr == 0 && r->ret == 0)
            continue;
        hv_err("  d%u v%u %s(%u)%s -> %ld\n", r->domid, r->vcpu, hypercall_name(r->nr), r->nr,
               format_args(text, sizeof(text), nargs_of(r->nr), r->args), r->ret);
    }
}

/* The panic screen (the other CPUs are stopped): this CPU's first. */
void hypercall_dump_history(void)
{
    unsigned int me = arch_this_pcpu()->id;

    hv_err("last hypercalls on CPU %u (oldest first):\n", me);
    dump_cpu_history(me);
    for (unsigned int cpu = 0; cpu < HV_NR_CPUS; cpu++) {
        if (cpu == me || !history[cpu].next)
            continue;
        hv_err("last hypercalls on CPU %u:\n", cpu);
        dump_cpu_history(cpu);
    }
}

void hypercall_fold_counts(const struct vcpu *v)
{
    for (unsigned int i = 0; i < HC_NR_SLOTS; i++)
        if (v->counters.hypercalls[i])
            __atomic_fetch_add(&hc_stats.calls[i], v->counters.hypercalls[i], __ATOMIC_RELAXED);
}

void hypercall_dump_stats(void)
{
    for (unsigned int i = 0; i < HC_NR_SLOTS; i++)
        if (hc_stats.calls[i])
            hv_info("  %-22s %lu\n", hypercall_name(i), hc_stats.calls[i]);
    hv_info("  %-22s %lu\n", "unknown (-ENOSYS)", hc_stats.unknown);
}
