/*
 * The x86 PV domctl and sysctl sub-ops (as Xen's arch_do_domctl and
 * arch_do_sysctl): what a toolstack asks about a PV domain's frames, and
 * the CPUID policies (cpu_policy.c). Pure logic on the frame table: it
 * compiles on the host for the unit tests.
 */
#define __XEN_TOOLS__ 1                              /* domctl.h is tools-only */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <asm/page_type.h>
#include <asm/pv.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <asm/cpu_policy.h>

#define PFINFO_BATCH_MAX 1024                        /* Xen's limit per call */

/* A frame's type as Xen reports it: XTAB for one d does not own, or a hypervisor page. */
static u64 frame_pfinfo_held(const struct domain *d, mfn_t mfn)
{
    const struct frame_info *f;
    u64 type = XEN_DOMCTL_PFINFO_NOTAB;

    if (!frame_valid(&hv_frames, mfn))
        return XEN_DOMCTL_PFINFO_XTAB;
    f = &hv_frames.info[mfn];
    if (f->owner != d->id || (f->flags & (FRAME_F_ORPHAN | FRAME_F_XENHEAP | FRAME_F_IO)))
        return XEN_DOMCTL_PFINFO_XTAB;
    if (f->type_count && f->type >= PGT_l1 && f->type <= PGT_l4)
        type = (u64)(f->type - PGT_l1 + 1) << XEN_DOMCTL_PFINFO_LTAB_SHIFT;
    if (f->flags & FRAME_F_PINNED)
        type |= XEN_DOMCTL_PFINFO_LPINTAB;
    return type;
}

/* One frame's snapshot under d's page_type_lock (a report: it may change right after). */
static u64 frame_pfinfo(struct domain *d, mfn_t mfn)
{
    page_type_lock(d);
    u64 type = frame_pfinfo_held(d, mfn);
    page_type_unlock(d);
    return type;
}

/*
 * getpageframeinfo3: each entry of the array, a frame of d (PV: its MFN),
 * is replaced by that frame number ORed with its type (bits 28-31), as
 * Xen's: L1-L4TAB, LPINTAB for a pinned table, XTAB for a frame d does not
 * own. More than 1024 entries: -E2BIG.
 */
static long getpageframeinfo3(struct domain *d, struct xen_domctl_getpageframeinfo3 *p)
{
    guest_handle_t array = guest_handle_from_field(p->array);

    if (p->num > PFINFO_BATCH_MAX)
        return -E2BIG;
    for (unsigned long i = 0; i < p->num; i++) {
        u64 gfn;

        if (copy_from_handle_offset(&gfn, array, i, sizeof(gfn)))
            return -EFAULT;
        gfn |= frame_pfinfo(d, gfn);                 /* as Xen: type | gfn, a bad gfn is XTAB */
        if (copy_to_handle_offset(array, i, &gfn, sizeof(gfn)))
            return -EFAULT;
    }
    return 0;
}

long arch_do_domctl(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_getpageframeinfo3:
        return getpageframeinfo3(d, &op->u.getpageframeinfo3);
    case XEN_DOMCTL_hypercall_init:
        return domctl_hypercall_init(d, op->u.hypercall_init.gmfn);
    case XEN_DOMCTL_get_cpu_policy:
        *copyback = true;
        return domctl_get_cpu_policy(d, &op->u.cpu_policy);
    case XEN_DOMCTL_set_cpu_policy:
        *copyback = true;                            /* err_leaf, err_subleaf, err_msr */
        return domctl_set_cpu_policy(d, &op->u.cpu_policy);
    default:
        return -ENOSYS;
    }
}

/* The x86 sysctl sub-ops: the CPUID policies (cpu_policy.c); -ENOSYS for the others. */
long arch_do_sysctl(struct xen_sysctl *op)
{
    switch (op->cmd) {
    case XEN_SYSCTL_get_cpu_policy:
        return sysctl_get_cpu_policy(&op->u.cpu_policy);
    case XEN_SYSCTL_get_cpu_featureset:
        return sysctl_get_cpu_featureset(&op->u.cpu_featureset);
    default:
        return -ENOSYS;
    }
}
