/* ctl.c: the toolstack's hypercalls for the builder test guests (see ctl.h). */
#include "ctl.h"

long ctl_domctl(struct xen_domctl *op)
{
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return HC1(__HYPERVISOR_domctl, op);
}

long ctl_sysctl(struct xen_sysctl *op)
{
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return HC1(__HYPERVISOR_sysctl, op);
}

long ctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    static struct xen_sysctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_physinfo;
    rc = ctl_sysctl(&op);
    *pi = op.u.physinfo;
    return rc;
}

static struct xen_domctl dop;

static void dop_init(uint32_t cmd, domid_t dom)
{
    memset(&dop, 0, sizeof(dop));
    dop.cmd = cmd;
    dop.domain = dom;
}

long ctl_getdomaininfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
    long rc;

    dop_init(XEN_DOMCTL_getdomaininfo, dom);
    rc = ctl_domctl(&dop);
    *info = dop.u.getdomaininfo;
    return rc;
}

long ctl_createdomain(domid_t *dom, uint32_t max_vcpus)
{
    long rc;

    dop_init(XEN_DOMCTL_createdomain, *dom);
    dop.u.createdomain.max_vcpus = max_vcpus;
    dop.u.createdomain.max_evtchn_port = 1023;
    dop.u.createdomain.max_grant_frames = -1;
    dop.u.createdomain.max_maptrack_frames = -1;
    dop.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = ctl_domctl(&dop);
    if (!rc)
        *dom = dop.domain;
    return rc;
}

long ctl_simple(uint32_t cmd, domid_t dom)
{
    dop_init(cmd, dom);
    return ctl_domctl(&dop);
}

long ctl_max_mem(domid_t dom, uint64_t kb)
{
    dop_init(XEN_DOMCTL_max_mem, dom);
    dop.u.max_mem.max_memkb = kb;
    return ctl_domctl(&dop);
}

long ctl_max_vcpus(domid_t dom, uint32_t max)
{
    dop_init(XEN_DOMCTL_max_vcpus, dom);
    dop.u.max_vcpus.max = max;
    return ctl_domctl(&dop);
}

long ctl_setvcpucontext(domid_t dom, uint32_t vcpu, struct vcpu_guest_context *c)
{
    dop_init(XEN_DOMCTL_setvcpucontext, dom);
    dop.u.vcpucontext.vcpu = vcpu;
    set_xen_guest_handle(dop.u.vcpucontext.ctxt, c);
    return ctl_domctl(&dop);
}

long ctl_populate(domid_t dom, unsigned long first, unsigned long n, xen_pfn_t *mfns)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0, .domid = dom };

    for (unsigned long i = 0; i < n; i++)
        mfns[i] = first + i;
    set_xen_guest_handle(r.extent_start, mfns);
    return hc_memory_op(XENMEM_populate_physmap, &r);
}
