/*
 * domctl.c: pvctl's hypercalls through libxencall. Every argument the
 * hypervisor reads or writes lives in a buffer from xencall_alloc_buffer
 * (locked memory privcmd may hand to the hypervisor); results are copied
 * back out of it.
 */
#include "domctl.h"

#include <errno.h>
#include <string.h>
#include <xencall.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>

static xencall_handle *xc;

int ctl_open(void)
{
    if (!xc)
        xc = xencall_open(NULL, 0);
    return xc ? 0 : -(errno ? errno : ENODEV);
}

void ctl_close(void)
{
    if (xc)
        xencall_close(xc);
    xc = NULL;
}

/* Runs one hypercall whose single argument is a `len`-byte struct in `arg`. */
static long call_with(unsigned int op, unsigned long a1, void *arg, size_t len, int nr_args)
{
    void *buf = xencall_alloc_buffer(xc, len);
    long rc;

    if (!buf)
        return -ENOMEM;
    memcpy(buf, arg, len);
    rc = nr_args == 1 ? xencall1(xc, op, (uintptr_t)buf) : xencall2(xc, op, a1, (uintptr_t)buf);
    if (rc < 0)
        rc = -errno;
    memcpy(arg, buf, len);
    xencall_free_buffer(xc, buf);
    return rc;
}

static int domctl(struct xen_domctl *op)
{
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return (int)call_with(__HYPERVISOR_domctl, 0, op, sizeof(*op), 1);
}

int ctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_physinfo,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    int rc = (int)call_with(__HYPERVISOR_sysctl, 0, &op, sizeof(op), 1);

    *pi = op.u.physinfo;
    return rc;
}

int ctl_getdomaininfo(domid_t dom, pv_dominfo_t *info)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_getdomaininfo, .domain = dom };
    int rc = domctl(&op);

    *info = op.u.getdomaininfo;
    return rc;
}

/* libxl's emulation flags for an HVM guest: everything but vPCI (dom0's alone). */
#define EMU_HVM_DOMU (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI)

int ctl_createdomain(int hvm, uint32_t max_vcpus, const uint8_t handle[16], domid_t *dom)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_createdomain, .domain = 0 };
    int rc;

    if (hvm) {                                      /* HVM with HAP: nested paging */
        op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
        op.u.createdomain.arch.emulation_flags = EMU_HVM_DOMU;
    }
    memcpy(op.u.createdomain.handle, handle, sizeof(op.u.createdomain.handle));
    op.u.createdomain.max_vcpus = max_vcpus;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = 32;
    op.u.createdomain.max_maptrack_frames = 0;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = domctl(&op);
    if (!rc)
        *dom = op.domain;
    return rc;
}

int ctl_max_mem(domid_t dom, uint64_t kb)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_max_mem, .domain = dom };

    op.u.max_mem.max_memkb = kb;
    return domctl(&op);
}

int ctl_max_vcpus(domid_t dom, uint32_t max)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_max_vcpus, .domain = dom };

    op.u.max_vcpus.max = max;
    return domctl(&op);
}

int ctl_simple(uint32_t cmd, domid_t dom)
{
    struct xen_domctl op = { .cmd = cmd, .domain = dom };

    return domctl(&op);
}

int ctl_setvcpucontext(domid_t dom, uint32_t vcpu, const vcpu_guest_context_t *c)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_setvcpucontext, .domain = dom };
    vcpu_guest_context_t *buf = xencall_alloc_buffer(xc, sizeof(*buf));
    int rc;

    if (!buf)
        return -ENOMEM;
    memcpy(buf, c, sizeof(*buf));
    op.u.vcpucontext.vcpu = vcpu;
    set_xen_guest_handle(op.u.vcpucontext.ctxt, buf);
    rc = domctl(&op);
    xencall_free_buffer(xc, buf);
    return rc;
}

/*
 * XEN_DOMCTL_gethvmcontext (set 0: *len in is the buffer's size, out the bytes
 * written; buf NULL asks the size) or sethvmcontext (set 1: *len bytes of buf).
 */
int ctl_hvmcontext(domid_t dom, int set, void *buf, uint32_t *len)
{
    struct xen_domctl op = { .cmd = set ? XEN_DOMCTL_sethvmcontext : XEN_DOMCTL_gethvmcontext,
                             .domain = dom };
    void *b = buf ? xencall_alloc_buffer(xc, *len) : NULL;
    int rc;

    if (buf && !b)
        return -ENOMEM;
    if (b)
        memcpy(b, buf, *len);
    op.u.hvmcontext.size = *len;
    set_xen_guest_handle(op.u.hvmcontext.buffer, b);
    rc = domctl(&op);
    if (!rc && !set) {
        *len = op.u.hvmcontext.size;
        if (b)
            memcpy(buf, b, *len);
    }
    if (b)
        xencall_free_buffer(xc, b);
    return rc;
}

#define POPULATE_BATCH 512                          /* MFNs per memory_op call */

long ctl_populate(domid_t dom, uint64_t first, uint64_t n, xen_pfn_t *mfns)
{
    xen_pfn_t *ext = xencall_alloc_buffer(xc, POPULATE_BATCH * sizeof(*ext));
    uint64_t done = 0;
    long rc = 0;

    if (!ext)
        return -ENOMEM;
    while (done < n) {
        struct xen_memory_reservation r = { .extent_order = 0, .domid = dom };
        uint64_t batch = n - done < POPULATE_BATCH ? n - done : POPULATE_BATCH;

        for (uint64_t i = 0; i < batch; i++)
            ext[i] = first + done + i;
        r.nr_extents = batch;
        set_xen_guest_handle(r.extent_start, ext);
        rc = call_with(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r, sizeof(r), 2);
        if (rc <= 0)
            break;
        memcpy(mfns + done, ext, (size_t)rc * sizeof(*ext));
        done += (uint64_t)rc;
        if (rc != (long)batch)
            break;                                  /* past max_mem or out of memory */
    }
    xencall_free_buffer(xc, ext);
    return rc < 0 && !done ? rc : (long)done;
}

int ctl_pin_l4(domid_t dom, xen_pfn_t mfn)
{
    struct mmuext_op *op = xencall_alloc_buffer(xc, sizeof(*op));
    long rc;

    if (!op)
        return -ENOMEM;
    memset(op, 0, sizeof(*op));
    op->cmd = MMUEXT_PIN_L4_TABLE;
    op->arg1.mfn = mfn;
    rc = xencall4(xc, __HYPERVISOR_mmuext_op, (uintptr_t)op, 1, 0, dom);
    if (rc < 0)
        rc = -errno;
    xencall_free_buffer(xc, op);
    return (int)rc;
}

int ctl_alloc_unbound(domid_t dom, domid_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = call_with(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &a, sizeof(a), 2);

    if (!rc)
        *port = a.port;
    return (int)rc;
}

long ctl_readconsole(char *buf, uint32_t len, uint32_t *index, int clear)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_readconsole,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    char *b = xencall_alloc_buffer(xc, len);
    long rc;

    if (!b)
        return -ENOMEM;
    op.u.readconsole.clear = !!clear;
    op.u.readconsole.incremental = 1;
    op.u.readconsole.index = *index;
    op.u.readconsole.count = len;
    set_xen_guest_handle(op.u.readconsole.buffer, b);
    rc = call_with(__HYPERVISOR_sysctl, 0, &op, sizeof(op), 1);
    if (!rc) {
        rc = op.u.readconsole.count;
        memcpy(buf, b, (size_t)rc);
        *index = op.u.readconsole.index;
    }
    xencall_free_buffer(xc, b);
    return rc;
}

int ctl_debug_keys(const char *keys, uint32_t nr)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_debug_keys,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    char *b = xencall_alloc_buffer(xc, nr ? nr : 1);
    long rc;

    if (!b)
        return -ENOMEM;
    memcpy(b, keys, nr);
    set_xen_guest_handle(op.u.debug_keys.keys, b);
    op.u.debug_keys.nr_keys = nr;
    rc = call_with(__HYPERVISOR_sysctl, 0, &op, sizeof(op), 1);
    xencall_free_buffer(xc, b);
    return (int)rc;
}

int ctl_gnttab_frame0(domid_t dom, xen_pfn_t *mfn)
{
    struct gnttab_setup_table *op = xencall_alloc_buffer(xc, sizeof(*op) + sizeof(xen_pfn_t));
    xen_pfn_t *frames = (xen_pfn_t *)(op + 1);
    long rc;

    if (!op)
        return -ENOMEM;
    *op = (struct gnttab_setup_table){ .dom = dom, .nr_frames = 1 };
    set_xen_guest_handle(op->frame_list, frames);
    rc = xencall3(xc, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uintptr_t)op, 1);
    rc = rc < 0 ? -errno : op->status != GNTST_okay ? -EPERM : 0;
    if (!rc)
        *mfn = frames[0];
    xencall_free_buffer(xc, op);
    return (int)rc;
}

int ctl_ports_in_use(domid_t dom)
{
    struct evtchn_status *st = xencall_alloc_buffer(xc, sizeof(*st));
    int n = 0;

    if (!st)
        return -ENOMEM;
    for (uint32_t p = 1; p < 65536; p++) {           /* until the first port not allocated */
        *st = (struct evtchn_status){ .dom = dom, .port = p };
        if (xencall2(xc, __HYPERVISOR_event_channel_op, EVTCHNOP_status, (uintptr_t)st))
            break;
        n += st->status != EVTCHNSTAT_closed;
    }
    xencall_free_buffer(xc, st);
    return n;
}
