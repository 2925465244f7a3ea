/*
 * sysctl sub-ops for the privileged domain, after Xen's checks
 * (sysctl_domctl.c): the host as a toolstack sees it (physinfo), the
 * list of domains (getdomaininfolist), the hypervisor's console history
 * (readconsole, common/console_history.c), the one cpupool (cpupool.c) and
 * the one NUMA node (numainfo, cputopoinfo: numa.c).
 * What we do not offer answers -ENOSYS.
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h and domctl.h are tools-only */
#include <hv/domctl.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/cpumask.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

/* One node, one thread a core; PV guests and both grant-table versions. */
static void physinfo(struct xen_sysctl_physinfo *pi)
{
    cpumask_t online = arch_cpus_online();
    unsigned int nr_cpus = cpumask_weight(&online);

    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1;
    pi->cores_per_socket = nr_cpus;
    pi->nr_cpus = nr_cpus;
    pi->max_cpu_id = nr_cpus ? nr_cpus - 1 : 0;
    pi->nr_nodes = 1;
    pi->cpu_khz = (u32)(time_tsc_hz() / 1000);
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 |
                       XEN_SYSCTL_PHYSCAP_gnttab_v2 |
                       (arch_hvm_supported() ? XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap : 0);
    pi->total_pages = hv_frames.nr_frames;
    pi->free_pages = __atomic_load_n(&hv_frames.nr_free, __ATOMIC_RELAXED);
    pi->max_mfn = hv_frames.nr_frames ? hv_frames.nr_frames - 1 : 0;
    arch_physinfo_hw_cap(pi->hw_cap, ARRAY_SIZE(pi->hw_cap));
}

/* As Xen: records of the domains from first_domain on, up to max_domains. */
static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    guest_handle_t buf = guest_handle_from_field(l->buffer);
    struct xen_domctl_getdomaininfo info;
    unsigned int n = 0;
    long rc = 0;

    for (domid_t next = l->first_domain; n < l->max_domains; n++) {
        struct domain *d = domain_first_at_or_above(next);

        if (!d)
            break;
        domain_get_info(d, &info);
        next = d->id + 1;
        put_domain(d);
        if (copy_to_handle_offset(buf, n, &info, sizeof(info))) {
            rc = -EFAULT;                            /* copied with no reference held: it may fault */
            break;
        }
    }
    l->num_domains = n;
    return rc;
}

long sysctl_op(struct xen_sysctl *op, guest_handle_t u_op)
{
    long rc;

    switch (op->cmd) {
    case XEN_SYSCTL_physinfo:
        physinfo(&op->u.physinfo);
        rc = 0;
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = getdomaininfolist(&op->u.getdomaininfolist);
        break;
    case XEN_SYSCTL_readconsole:
        rc = console_history_read(&op->u.readconsole);
        break;
    case XEN_SYSCTL_sched_id:
        op->u.sched_id.sched_id = XEN_SCHEDULER_CREDIT;   /* the only one (sched_credit.c) */
        rc = 0;
        break;
    case XEN_SYSCTL_cpupool_op:
        rc = sysctl_cpupool_op(&op->u.cpupool_op);
        break;
    case XEN_SYSCTL_numainfo:
        rc = sysctl_numainfo(&op->u.numainfo);
        break;
    case XEN_SYSCTL_cputopoinfo:
        rc = sysctl_cputopoinfo(&op->u.cputopoinfo);
        break;
    case XEN_SYSCTL_debug_keys:
        rc = sysctl_debug_keys(&op->u.debug_keys);
        break;
    default:
        rc = arch_do_sysctl(op);
        if (rc == -ENOSYS)
            return rc;
        break;
    }
    if (copy_to_handle(u_op, op, sizeof(*op)))
        return -EFAULT;
    return rc;
}
