/*
 * The host's NUMA topology as toolstacks read it: one node, 0, holding
 * every CPU and all memory (physinfo says nr_nodes = 1, and each CPU is a
 * core of socket 0). libxl reads it before it places a new domain:
 * sysctl numainfo and cputopoinfo (Xen 4.17's sizing protocol: null
 * handles ask for the count), and sets the domain's node affinity
 * (domctl set/getnodeaffinity), which with one node has one valid value.
 * Privileged callers only (the dispatcher's check, sysctl_domctl.c).
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h and domctl.h are tools-only */
#include <hv/domctl.h>
#include <hv/arch.h>
#include <hv/cpumask.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#define NR_NODES            1
#define LOCAL_DISTANCE      10                       /* the ACPI SLIT's value for a node to itself */

/* numainfo: num_nodes; with either handle given, that many records (sizes in bytes). */
long sysctl_numainfo(struct xen_sysctl_numainfo *ni)
{
    guest_handle_t meminfo = guest_handle_from_field(ni->meminfo);
    guest_handle_t distance = guest_handle_from_field(ni->distance);
    unsigned int n = NR_NODES;

    if (!guest_handle_is_null(meminfo) || !guest_handle_is_null(distance)) {
        struct xen_sysctl_meminfo mi = {
            .memsize = (u64)hv_frames.nr_frames << PAGE_SHIFT,
            .memfree = (u64)__atomic_load_n(&hv_frames.nr_free, __ATOMIC_RELAXED) << PAGE_SHIFT,
        };
        u32 local = LOCAL_DISTANCE;

        n = MIN(n, ni->num_nodes);
        if (n && !guest_handle_is_null(meminfo) && copy_to_handle(meminfo, &mi, sizeof(mi)))
            return -EFAULT;
        if (n && !guest_handle_is_null(distance) && copy_to_handle(distance, &local, sizeof(local)))
            return -EFAULT;
    }
    ni->num_nodes = n;
    return 0;
}

/* cputopoinfo: num_cpus (the last online CPU + 1); with the handle given, core/socket/node of each. */
long sysctl_cputopoinfo(struct xen_sysctl_cputopoinfo *ti)
{
    guest_handle_t topo = guest_handle_from_field(ti->cputopo);
    cpumask_t online = arch_cpus_online();
    unsigned int cpu, n = cpumask_last(&online) + 1;

    if (!guest_handle_is_null(topo)) {
        n = MIN(n, ti->num_cpus);
        for (cpu = 0; cpu < n; cpu++) {
            struct xen_sysctl_cputopo t = { XEN_INVALID_CORE_ID, XEN_INVALID_SOCKET_ID,
                                            XEN_INVALID_NODE_ID };

            if (cpumask_test(&online, cpu))
                t = (struct xen_sysctl_cputopo){ .core = cpu, .socket = 0, .node = 0 };
            if (copy_to_handle_offset(topo, cpu, &t, sizeof(t)))
                return -EFAULT;
        }
    }
    ti->num_cpus = n;
    return 0;
}

/* set/getnodeaffinity: a map must hold node 0 (Xen: intersect the online nodes); 0 is given back. */
long domctl_nodeaffinity(struct xen_domctl *op)
{
    cpumask_t nodes = cpumask_first_n(NR_NODES);     /* a node set, in a CPU set's type */
    struct xenctl_bitmap *map = &op->u.nodeaffinity.nodemap;
    cpumask_t want;
    int rc;

    if (op->cmd == XEN_DOMCTL_getnodeaffinity)
        return cpumask_to_xenctl_bitmap(map, &nodes);
    if ((rc = xenctl_bitmap_to_cpumask(map, &want)))
        return rc;
    return cpumask_test(&want, 0) ? 0 : -EINVAL;
}
