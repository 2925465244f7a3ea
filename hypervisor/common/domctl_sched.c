/*
 * The scheduler's domctls (Xen 4.17's checks): XEN_DOMCTL_scheduler_op for
 * the credit scheduler (weight, cap: sched_credit.c) and
 * XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity with xenctl_bitmaps. The
 * hard affinity is enforced (sched.c); the soft one is stored and given
 * back, not used for placement yet (docs/smp.md). Privileged callers only
 * (the dispatcher's check, sysctl_domctl.c).
 */
#define __XEN_TOOLS__ 1                              /* domctl.h is tools-only */
#include <hv/domctl.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <xen/domctl.h>

/* Xen's vcpuaffinity_params_invalid: a flag, and a bitmap for each flag given. */
static bool affinity_params_invalid(const struct xen_domctl_vcpuaffinity *a)
{
    return !(a->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)) ||
           ((a->flags & XEN_VCPUAFFINITY_HARD) &&
            guest_handle_is_null(guest_handle_from_field(a->cpumap_hard.bitmap))) ||
           ((a->flags & XEN_VCPUAFFINITY_SOFT) &&
            guest_handle_is_null(guest_handle_from_field(a->cpumap_soft.bitmap)));
}

static struct vcpu *affinity_vcpu(struct domain *d, const struct xen_domctl_vcpuaffinity *a,
                                  long *rc)
{
    *rc = -EINVAL;
    if (a->vcpu >= MAX(d->max_vcpus, d->nr_vcpus) || a->vcpu >= HV_MAX_VCPUS)
        return NULL;
    *rc = -ESRCH;
    if (!d->vcpus[a->vcpu])
        return NULL;
    *rc = -EINVAL;
    return affinity_params_invalid(a) ? NULL : d->vcpus[a->vcpu];
}

/* Both masks in first (nothing changes on a bad one), then hard, then soft; the effective ones out. */
static long set_affinity(struct domain *d, struct xen_domctl_vcpuaffinity *a)
{
    cpumask_t hard, soft, online = arch_cpus_online(), eff;
    long rc;
    struct vcpu *v = affinity_vcpu(d, a, &rc);

    if (!v)
        return rc;
    if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = xenctl_bitmap_to_cpumask(&a->cpumap_hard, &hard)))
        return rc;
    if ((a->flags & XEN_VCPUAFFINITY_SOFT) && (rc = xenctl_bitmap_to_cpumask(&a->cpumap_soft, &soft)))
        return rc;
    if (a->flags & XEN_VCPUAFFINITY_HARD) {
        if ((rc = sched_set_affinity(v, &hard)))
            return rc;                               /* no online CPU in it */
        d->affinity_by_tool = true;
        eff = cpumask_and(&hard, &online);
        if ((rc = cpumask_to_xenctl_bitmap(&a->cpumap_hard, &eff)))
            return rc;
    }
    if (a->flags & XEN_VCPUAFFINITY_SOFT) {
        cpumask_t both = cpumask_and(&soft, &v->hard_affinity);

        v->soft_affinity = soft;
        eff = cpumask_and(&both, &online);
        return cpumask_to_xenctl_bitmap(&a->cpumap_soft, &eff);
    }
    return 0;
}

/* As Xen: the masks as set, not intersected with anything. */
static long get_affinity(struct domain *d, struct xen_domctl_vcpuaffinity *a)
{
    long rc;
    struct vcpu *v = affinity_vcpu(d, a, &rc);

    if (!v)
        return rc;
    if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = cpumask_to_xenctl_bitmap(&a->cpumap_hard, &v->hard_affinity)))
        return rc;
    if (a->flags & XEN_VCPUAFFINITY_SOFT)
        return cpumask_to_xenctl_bitmap(&a->cpumap_soft, &v->soft_affinity);
    return 0;
}

/* The scheduler sub-ops of domctl_on_domain; -ENOSYS: not one of them. */
long domctl_sched(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_scheduler_op:
        *copyback = true;
        return sched_credit_adjust(d, &op->u.scheduler_op);
    case XEN_DOMCTL_setvcpuaffinity:
        return set_affinity(d, &op->u.vcpuaffinity);
    case XEN_DOMCTL_getvcpuaffinity:
        return get_affinity(d, &op->u.vcpuaffinity);
    default:
        return -ENOSYS;
    }
}
