/*
 * memory_op: a domain's memory as the guest manages it. PV guests are not
 * auto-translated, so frames are named by MFN: increase_reservation and
 * populate_physmap hand out fresh zeroed frames (and say which), and
 * decrease_reservation gives frames back, which are freed at once or, if
 * still mapped through a grant, when the last mapping goes.
 */
#include <hv/hypercall.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define MEMOP_CMD_MASK_HV   0x3f                     /* the rest is a continuation index */
#define MEMOP_MAX_ORDER     9                        /* 2 MiB extents at most */
#define E820_RAM            1

struct e820entry_hv {
    u64 addr, size;
    u32 type;
} __packed;

static struct domain *memop_domain(domid_t id)
{
    struct domain *d = domain_lookup_by_caller(id, current->domain);

    if (d && d != current->domain && !current->domain->privileged)
        return NULL;
    return d;
}

static long reservation(unsigned long arg, bool maximum)
{
    domid_t id;
    struct domain *d;

    if (copy_from_guest(&id, arg, sizeof(id)))
        return -EFAULT;
    d = domain_lookup_by_caller(id, current->domain);
    if (!d)
        return -ESRCH;
    if (d != current->domain && !current->domain->privileged)
        return -EPERM;
    return (long)(maximum ? d->max_pages : d->tot_pages);
}

/* One extent of 2^order fresh frames; gpfn == ~0 leaves the M2P invalid. */
static mfn_t alloc_extent(struct domain *d, unsigned int order, unsigned long gpfn)
{
    unsigned long n = 1UL << order;
    mfn_t mfn;

    if (d->tot_pages + n > d->max_pages)
        return INVALID_MFN;
    mfn = frame_alloc(&hv_frames, n, n, d->id);
    if (mfn == INVALID_MFN)
        return INVALID_MFN;
    memset(hv_mfn_to_virt(mfn), 0, n * PAGE_SIZE);
    for (unsigned long i = 0; i < n; i++)
        arch_m2p_set(mfn + i, gpfn == ~0UL ? ~0UL : gpfn + i);
    d->tot_pages += n;
    return mfn;
}

static bool extent_owned(struct domain *d, mfn_t mfn, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        if (!frame_valid(&hv_frames, mfn + i))
            return false;
        const struct frame_info *f = &hv_frames.info[mfn + i];

        if (f->owner != d->id || (f->flags & (FRAME_F_XENHEAP | FRAME_F_ORPHAN | FRAME_F_PINNED)))
            return false;
    }
    return true;
}

static int free_extent(struct domain *d, mfn_t mfn, unsigned int order)
{
    unsigned long n = 1UL << order;

    if (!extent_owned(d, mfn, n))
        return -EINVAL;
    for (unsigned long i = 0; i < n; i++)
        arch_release_frame(mfn + i);
    d->tot_pages -= n;
    return 0;
}

/* Returns the number of extents done (Xen's convention), or -errno before any. */
static long reservation_op(unsigned int cmd, unsigned long arg)
{
    struct xen_memory_reservation r;
    struct domain *d;
    unsigned long i;

    if (copy_from_guest(&r, arg, sizeof(r)))
        return -EFAULT;
    if (r.extent_order > MEMOP_MAX_ORDER)
        return -EPERM;
    if (!(d = memop_domain(r.domid)))
        return -ESRCH;
    for (i = 0; i < r.nr_extents; i++) {
        unsigned long slot = (unsigned long)r.extent_start.p + i * sizeof(xen_pfn_t);
        xen_pfn_t val = ~0UL;
        mfn_t mfn;

        if (cmd != XENMEM_increase_reservation && copy_from_guest(&val, slot, sizeof(val)))
            return i ? (long)i : -EFAULT;
        if (cmd == XENMEM_decrease_reservation) {
            if (free_extent(d, val, r.extent_order))
                break;
            continue;
        }
        mfn = alloc_extent(d, r.extent_order, cmd == XENMEM_populate_physmap ? val : ~0UL);
        if (mfn == INVALID_MFN)
            break;
        if (r.extent_start.p && copy_to_guest(slot, &mfn, sizeof(mfn)))
            return i ? (long)i : -EFAULT;
    }
    return (long)i;
}

/* A PV domU's map: one RAM region covering its maximum reservation. */
static long memory_map(unsigned long arg)
{
    struct xen_memory_map m;
    struct e820entry_hv e = { 0, (u64)current->domain->max_pages << PAGE_SHIFT, E820_RAM };

    if (copy_from_guest(&m, arg, sizeof(m)))
        return -EFAULT;
    if (m.nr_entries < 1)
        return -EINVAL;
    if (copy_to_guest((unsigned long)m.buffer.p, &e, sizeof(e)))
        return -EFAULT;
    m.nr_entries = 1;
    return copy_to_guest(arg, &m, sizeof(m));
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
    switch (cmd & MEMOP_CMD_MASK_HV) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(cmd & MEMOP_CMD_MASK_HV, arg);
    case XENMEM_maximum_ram_page:
        return (long)(hv_frames.nr_frames - 1);
    case XENMEM_current_reservation:
        return reservation(arg, false);
    case XENMEM_maximum_reservation:
        return reservation(arg, true);
    case XENMEM_memory_map:
        return memory_map(arg);
    default:
        return arch_memory_op(cmd & MEMOP_CMD_MASK_HV, arg);
    }
}
