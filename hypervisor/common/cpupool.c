/*
 * sysctl cpupool_op (Xen 4.17's common/sched/cpupool.c, as libxl sees it).
 * There is one scheduler (credit) and one pool, Pool-0 with id 0, which holds
 * every online CPU and every domain; no CPU is ever free. So INFO, FREEINFO
 * and a MOVEDOMAIN into pool 0 are answered as Xen would; what would need a
 * second pool or a free CPU is refused with the errno Xen gives for that
 * situation: CREATE as over the pool limit (-ENOSPC), DESTROY of pool 0 as a
 * pool in use (-EBUSY), ADDCPU as no free CPU (-ENODEV), RMCPU as a CPU the
 * pool still needs (-EBUSY). libxl asks INFO before every create ("Illegal
 * pool specified" without it). Privileged callers only (sysctl_domctl.c).
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h is tools-only */
#include <hv/domctl.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>
#include <xen/sysctl.h>

#define POOL0 0u

static void count_domain(struct domain *d, void *arg)
{
    (void)d;
    (*(u32 *)arg)++;
}

/* Every domain is in pool 0, dying ones too: Xen counts a domain until it is freed. */
static u32 pool0_n_dom(void)
{
    u32 n = 0;

    domain_for_each(count_domain, &n);
    return n;
}

/* Xen's cpupool_create: the limit on pools comes first, and one is all there is. */
static long pool_create(struct xen_sysctl_cpupool_op *op)
{
    (void)op;
    return -ENOSPC;
}

/* Pool 0 always has domains (the caller's) and CPUs: -EBUSY, as Xen's cpupool_destroy. */
static long pool_destroy(struct xen_sysctl_cpupool_op *op)
{
    return op->cpupool_id == POOL0 ? -EBUSY : -ENOENT;
}

/* The first pool at or above cpupool_id, as Xen's cpupool_get_next_by_id. */
static long pool_info(struct xen_sysctl_cpupool_op *op)
{
    cpumask_t online = arch_cpus_online();

    if (op->cpupool_id > POOL0)
        return -ENOENT;
    op->cpupool_id = POOL0;
    op->sched_id = XEN_SCHEDULER_CREDIT;
    op->n_dom = pool0_n_dom();
    return cpumask_to_xenctl_bitmap(&op->cpumap, &online);
}

/* Xen's checks in its order; every online CPU is in pool 0, so none is free. */
static long pool_addcpu(struct xen_sysctl_cpupool_op *op)
{
    if (op->cpupool_id != POOL0)
        return -ENOENT;
    if (op->cpu == XEN_SYSCTL_CPUPOOL_PAR_ANY)
        return -ENODEV;                              /* no free CPU to pick */
    if (op->cpu >= HV_NR_CPUS)
        return -EINVAL;
    return -ENODEV;                                  /* in pool 0 already, or offline */
}

/*
 * Xen's checks in its order: CPU 0 stays in pool 0, an offline CPU is
 * -EINVAL. Any other CPU Xen would set free; our scheduler has no free CPUs
 * (each online one runs pool 0's vCPUs), so it stays, busy.
 */
static long pool_rmcpu(struct xen_sysctl_cpupool_op *op)
{
    cpumask_t online = arch_cpus_online();
    u32 cpu = op->cpu;

    if (op->cpupool_id != POOL0)
        return -ENOENT;
    if (cpu == XEN_SYSCTL_CPUPOOL_PAR_ANY)
        cpu = cpumask_last(&online);
    if (cpu >= HV_NR_CPUS || cpu == 0 || !cpumask_test(&online, cpu))
        return -EINVAL;
    return -EBUSY;
}

/* Xen's checks in its order: the domain (not the caller), then the target pool. */
static long pool_movedomain(struct xen_sysctl_cpupool_op *op)
{
    struct domain *d = op->domid < DOMID_FIRST_RESERVED ? domain_lookup_any((domid_t)op->domid) : NULL;
    long rc;

    if (!d)
        return -ESRCH;
    rc = d == current->domain ? -EPERM : op->cpupool_id == POOL0 ? 0 : -ENOENT;
    put_domain(d);
    return rc;
}

/* The CPUs in no pool: none. */
static long pool_freeinfo(struct xen_sysctl_cpupool_op *op)
{
    cpumask_t none = cpumask_none();

    return cpumask_to_xenctl_bitmap(&op->cpumap, &none);
}

typedef long (*cpupool_fn)(struct xen_sysctl_cpupool_op *op);

static const cpupool_fn cpupool_ops[] = {
    [XEN_SYSCTL_CPUPOOL_OP_CREATE] = pool_create,
    [XEN_SYSCTL_CPUPOOL_OP_DESTROY] = pool_destroy,
    [XEN_SYSCTL_CPUPOOL_OP_INFO] = pool_info,
    [XEN_SYSCTL_CPUPOOL_OP_ADDCPU] = pool_addcpu,
    [XEN_SYSCTL_CPUPOOL_OP_RMCPU] = pool_rmcpu,
    [XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN] = pool_movedomain,
    [XEN_SYSCTL_CPUPOOL_OP_FREEINFO] = pool_freeinfo,
};

long sysctl_cpupool_op(struct xen_sysctl_cpupool_op *op)
{
    if (op->op >= sizeof(cpupool_ops) / sizeof(*cpupool_ops) || !cpupool_ops[op->op])
        return -ENOSYS;                              /* Xen's default */
    return cpupool_ops[op->op](op);
}
