/*
 * memory_op: a domain's memory as the guest manages it. PV guests are not
 * auto-translated, so frames are named by MFN: increase_reservation and
 * populate_physmap hand out fresh zeroed frames (and say which; for an HVM
 * domain populate_physmap maps them at the gfns given instead), and
 * decrease_reservation gives frames back, which are freed at once or, if
 * still mapped through a grant, when the last mapping goes.
 */
#include <hv/hypercall.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define MEMOP_CMD_MASK_HV   0x3f                     /* the rest is a continuation index */
#define MEMOP_EXTENT_SHIFT_HV 6
#define MEMOP_MAX_ORDER     9                        /* 2 MiB extents at most */
#define E820_RAM            1

struct e820entry_hv {
    u64 addr, size;
    u32 type;
} __packed;

/* With a reference (put_domain), or NULL. */
static struct domain *memop_domain(domid_t id)
{
    struct domain *d = domain_lookup_by_caller(id, current->domain);

    if (d && d != current->domain && !current->domain->privileged) {
        put_domain(d);
        return NULL;
    }
    return d;
}

static long reservation(guest_handle_t arg, bool maximum)
{
    domid_t id;
    struct domain *d;
    long rc;

    if (copy_from_handle(&id, arg, sizeof(id)))
        return -EFAULT;
    d = domain_lookup_by_caller(id, current->domain);
    if (!d)
        return -ESRCH;
    if (d != current->domain && !current->domain->privileged)
        rc = -EPERM;
    else
        rc = (long)(maximum ? d->max_pages : d->tot_pages);
    put_domain(d);
    return rc;
}

/* One extent of 2^order fresh frames; gpfn == ~0 leaves the M2P invalid. */
static mfn_t alloc_extent(struct domain *d, unsigned int order, unsigned long gpfn)
{
    unsigned long n = 1UL << order;
    mfn_t mfn;

    spin_lock(&d->page_alloc_lock);                  /* two vCPUs must not both pass the check */
    mfn = d->tot_pages + n > d->max_pages ? INVALID_MFN : frame_alloc(&hv_frames, n, n, d->id);
    if (mfn != INVALID_MFN)
        __atomic_fetch_add(&d->tot_pages, n, __ATOMIC_RELAXED);
    spin_unlock(&d->page_alloc_lock);
    if (mfn == INVALID_MFN)
        return INVALID_MFN;
    memset(hv_mfn_to_virt(mfn), 0, n * PAGE_SIZE);
    for (unsigned long i = 0; i < n; i++)
        arch_m2p_set(mfn + i, gpfn == ~0UL ? ~0UL : gpfn + i);
    return mfn;
}

static bool extent_owned(struct domain *d, mfn_t mfn, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        if (!frame_valid(&hv_frames, mfn + i))
            return false;
        const struct frame_info *f = &hv_frames.info[mfn + i];

        if (f->owner != d->id || (f->flags & (FRAME_F_XENHEAP | FRAME_F_ORPHAN | FRAME_F_PINNED | FRAME_F_PARTIAL)))
            return false;
    }
    return true;
}

static int free_extent(struct domain *d, mfn_t mfn, unsigned int order)
{
    unsigned long n = 1UL << order;

    arch_frames_lock(d);                             /* not pinned or partial until released */
    if (!extent_owned(d, mfn, n)) {
        arch_frames_unlock(d);
        return -EINVAL;
    }
    /* A frame still mapped stays charged until its last reference goes:
     * else mapping and giving back frames in a loop beats max_pages. */
    for (unsigned long i = 0; i < n; i++)
        __atomic_fetch_sub(&d->tot_pages, (unsigned long)arch_release_frame(mfn + i),
                           __ATOMIC_RELAXED);
    arch_frames_unlock(d);
    return 0;
}

/*
 * populate_physmap for an HVM domain: a fresh frame at the gfn given
 * (Xen's translated guests name memory by gfn; nothing is written back).
 * 4 KiB extents only, as QEMU-xen asks for its video RAM and ROMs; a gfn
 * already mapped stops the op.
 */
static bool populate_gfn(struct domain *d, xen_pfn_t gfn, unsigned int order)
{
    mfn_t mfn;
    int rc;

    if (order)
        return false;
    mfn = alloc_extent(d, 0, gfn);
    if (mfn == INVALID_MFN)
        return false;
    spin_lock(&d->page_alloc_lock);
    rc = arch_hvm_physmap_add(d, gfn, mfn);
    spin_unlock(&d->page_alloc_lock);
    if (rc)
        free_extent(d, mfn, 0);
    return !rc;
}

/* One extent of a reservation op; false when the op stops there. */
static bool reservation_one(struct domain *d, unsigned int cmd,
                            const struct xen_memory_reservation *r, unsigned long i)
{
    guest_handle_t extents = guest_handle_from_field(r->extent_start);
    xen_pfn_t val = ~0UL;
    mfn_t mfn;

    if (cmd != XENMEM_increase_reservation &&
        copy_from_handle_offset(&val, extents, i, sizeof(val)))
        return false;
    if (cmd == XENMEM_decrease_reservation)
        return !free_extent(d, val, r->extent_order);
    if (cmd == XENMEM_populate_physmap && d->hvm)
        return populate_gfn(d, val, r->extent_order);
    mfn = alloc_extent(d, r->extent_order, cmd == XENMEM_populate_physmap ? val : ~0UL);
    if (mfn == INVALID_MFN)
        return false;
    /* A failed write-back stops the op; Xen keeps the extent too. */
    return guest_handle_is_null(extents) ||
           !copy_to_handle_offset(extents, i, &mfn, sizeof(mfn));
}

/*
 * increase/decrease_reservation, populate_physmap. Returns the number of
 * extents done, never an error code: like Xen, a bad argument block,
 * extent array, order or domain just means 0 extents done. A preempted
 * call continues with the extents done so far in the command's upper bits
 * (start << MEMOP_EXTENT_SHIFT), as Xen's; the result counts them all.
 */
static long reservation_op(unsigned long full_cmd, guest_handle_t arg)
{
    unsigned int cmd = full_cmd & MEMOP_CMD_MASK_HV;
    unsigned long start = full_cmd >> MEMOP_EXTENT_SHIFT_HV, i;
    struct xen_memory_reservation r;
    struct domain *d;

    if (copy_from_handle(&r, arg, sizeof(r)))
        return 0;
    if (r.extent_order > MEMOP_MAX_ORDER)
        return 0;
    if (r.nr_extents && (r.extent_start.p || cmd != XENMEM_increase_reservation) &&
        (r.nr_extents > (~0UL >> 4) ||
         !guest_handle_okay(guest_handle_from_field(r.extent_start), r.nr_extents,
                            sizeof(xen_pfn_t))))
        return 0;
    if (start > r.nr_extents || !(d = memop_domain(r.domid)))
        return 0;
    for (i = start; i < r.nr_extents; i++) {
        if (i > start && hypercall_preempt_check()) {
            put_domain(d);
            return hypercall_continue(__HYPERVISOR_memory_op,
                                      cmd | (i << MEMOP_EXTENT_SHIFT_HV), arg.va, 0, 0, 0);
        }
        if (!reservation_one(d, cmd, &r, i))
            break;
    }
    put_domain(d);
    return (long)i;
}

/* An input frame of an exchange: d's, untyped, unmapped, nothing else holds it. */
static bool exchangeable(struct domain *d, mfn_t mfn, unsigned long n)
{
    if (!extent_owned(d, mfn, n))
        return false;
    for (unsigned long i = 0; i < n; i++)
        if (hv_frames.info[mfn + i].count || hv_frames.info[mfn + i].type_count)
            return false;
    return true;
}

/* The first frame an exchange's output may not use: its address-bits limit. */
static mfn_t out_limit(const struct xen_memory_exchange *x)
{
    unsigned int bits = XENMEMF_get_address_bits(x->out.mem_flags);

    if (!bits || bits >= 52 + PAGE_SHIFT)
        return INVALID_MFN;                          /* no limit */
    return bits <= PAGE_SHIFT ? 0 : 1UL << (bits - PAGE_SHIFT);
}

/* A chunk's inputs: ours, unreferenced, aligned, and each listed once (the
 * same frame twice would be given back twice, for twice the output). */
static bool chunk_inputs_ok(struct domain *d, const xen_pfn_t *in, unsigned long n,
                            unsigned long pages)
{
    for (unsigned long i = 0; i < n; i++) {
        if (!exchangeable(d, in[i], pages) || (in[i] & (pages - 1)))
            return false;
        for (unsigned long j = 0; j < i; j++)
            if (in[j] == in[i])
                return false;
    }
    return true;
}

/*
 * One chunk's handover, under d->page_alloc_lock: the inputs are checked
 * (d's, untyped, unreferenced) and given back and the outputs charged in
 * one step, so a second vCPU cannot hand the same frames over meanwhile.
 * The frame allocator's heap_lock nests inside (rank 11 after 9, page_type_lock 10 between).
 */
static long exchange_handover(struct domain *d, const struct xen_memory_exchange *x,
                              const xen_pfn_t *in, xen_pfn_t *out,
                              unsigned long in_per, unsigned long out_per)
{
    unsigned long in_pages = 1UL << x->in.extent_order, out_pages = 1UL << x->out.extent_order;
    unsigned long i;
    long rc = 0;

    spin_lock(&d->page_alloc_lock);
    arch_frames_lock(d);                             /* no input becomes a table meanwhile */
    if (!chunk_inputs_ok(d, in, in_per, in_pages)) {
        rc = -EINVAL;                                /* Xen: steal_page fails */
        goto unlock;
    }
    for (i = 0; i < out_per; i++) {
        out[i] = frame_alloc_below(&hv_frames, out_pages, out_pages, d->id, out_limit(x));
        if (out[i] == INVALID_MFN)
            break;
        memset(hv_mfn_to_virt(out[i]), 0, out_pages * PAGE_SIZE);
    }
    if (i < out_per) {                               /* d may have named one meanwhile: released */
        while (i--)
            for (unsigned long k = 0; k < out_pages; k++)
                arch_release_frame_uncharged(out[i] + k);
        rc = -ENOMEM;
        goto unlock;
    }
    for (i = 0; i < in_per; i++)
        for (unsigned long k = 0; k < in_pages; k++)
            arch_release_frame(in[i] + k);
unlock:
    arch_frames_unlock(d);
    spin_unlock(&d->page_alloc_lock);
    return rc;
}

/* Copy in, hand over under the lock, copy out: no lock across a guest access. */
static long exchange_chunk(struct domain *d, struct xen_memory_exchange *x, unsigned long chunk,
                           unsigned long in_per, unsigned long out_per, xen_pfn_t *in, xen_pfn_t *out)
{
    unsigned long out_pages = 1UL << x->out.extent_order;
    long rc;

    if (copy_from_handle(in, guest_handle_add_offset(guest_handle_from_field(x->in.extent_start),
                                                     chunk * in_per * sizeof(xen_pfn_t)),
                         in_per * sizeof(xen_pfn_t)))
        return -EFAULT;
    if ((rc = exchange_handover(d, x, in, out, in_per, out_per)))
        return rc;
    for (unsigned long i = 0; i < out_per; i++) {
        for (unsigned long k = 0; k < out_pages; k++)
            arch_m2p_set(out[i] + k, ~0UL);
        if (copy_to_handle_offset(guest_handle_from_field(x->out.extent_start),
                                  chunk * out_per + i, &out[i], sizeof(out[i])))
            rc = -EFAULT;                            /* the exchange stands, as in Xen */
    }
    x->nr_exchanged = (chunk + 1) * in_per;
    return rc;
}

/* The chunks from nr_exchanged on; a preempted call continues from there. */
static long exchange_chunks(struct domain *d, struct xen_memory_exchange *x, guest_handle_t arg,
                            unsigned long in_per, unsigned long out_per)
{
    guest_handle_t done_field = guest_handle_add_offset(arg, offsetof(struct xen_memory_exchange,
                                                                      nr_exchanged));
    unsigned long chunks = x->in.nr_extents / in_per, first = x->nr_exchanged / in_per;
    xen_pfn_t *buf;                                  /* in[512], out[512]: this call's own */
    long rc = 0;

    if (in_per > 512 || out_per > 512)
        return -EINVAL;
    if (!(buf = hv_alloc_pages(2)))
        return -ENOMEM;
    for (unsigned long c = first; c < chunks && !rc; c++) {
        /* Preempted: the guest's nr_exchanged says where to go on. */
        if (c > first && hypercall_preempt_check()) {
            rc = copy_to_handle(done_field, &x->nr_exchanged, sizeof(x->nr_exchanged)) ? -EFAULT :
                 hypercall_continue(__HYPERVISOR_memory_op, XENMEM_exchange, arg.va, 0, 0, 0);
            break;
        }
        rc = exchange_chunk(d, x, c, in_per, out_per, buf, buf + 512);
    }
    hv_free_pages(buf, 2);
    return rc;
}

/*
 * XENMEM_exchange (Xen's memory_exchange): give back in.nr_extents extents,
 * receive out.nr_extents fresh ones of the same total size. Argument checks in
 * Xen's order (-EPERM order, -EINVAL sizes, -EFAULT arrays (XSA-212), -ESRCH
 * domain); then chunk by chunk, all inputs of a chunk checked before any goes.
 * The outputs lie below out.address_bits (XENMEMF_get_address_bits; 0: no
 * limit): swiotlb-xen asks 18 bits first and widens one bit per -ENOMEM.
 */
static long memory_exchange(guest_handle_t arg)
{
    guest_handle_t done_field = guest_handle_add_offset(arg, offsetof(struct xen_memory_exchange,
                                                                      nr_exchanged));
    struct xen_memory_exchange x;
    unsigned long in_per, out_per;
    struct domain *d;
    long rc = 0;

    if (copy_from_handle(&x, arg, sizeof(x)))
        return -EFAULT;
    if (MAX(x.in.extent_order, x.out.extent_order) > MEMOP_MAX_ORDER) {
        rc = -EPERM;
        goto out;
    }
    if (x.nr_exchanged > x.in.nr_extents || x.in.domid != x.out.domid ||
        (~0UL >> (x.in.extent_order + 4)) < x.in.nr_extents ||
        (~0UL >> (x.out.extent_order + 4)) < x.out.nr_extents ||
        (x.in.nr_extents << x.in.extent_order) != (x.out.nr_extents << x.out.extent_order)) {
        rc = -EINVAL;
        goto out;
    }
    if (x.nr_exchanged == x.in.nr_extents)
        return 0;
    /* A chunk: the larger extent, in input extents and output extents. */
    in_per = x.in.extent_order <= x.out.extent_order ? 1UL << (x.out.extent_order - x.in.extent_order) : 1;
    out_per = x.in.extent_order > x.out.extent_order ? 1UL << (x.in.extent_order - x.out.extent_order) : 1;
    if ((x.nr_exchanged % in_per) || (x.in.nr_extents % in_per)) {
        rc = -EINVAL;
        goto out;
    }
    if (!guest_handle_okay(guest_handle_from_field(x.in.extent_start), x.in.nr_extents,
                           sizeof(xen_pfn_t)) ||
        !guest_handle_okay(guest_handle_from_field(x.out.extent_start), x.out.nr_extents,
                           sizeof(xen_pfn_t))) {
        rc = -EFAULT;
        goto out;
    }
    if (!(d = domain_lookup_by_caller(x.in.domid, current->domain))) {
        rc = -ESRCH;
        goto out;
    }
    if (d != current->domain && !current->domain->privileged)
        rc = -EPERM;
    else
        rc = exchange_chunks(d, &x, arg, in_per, out_per);
    put_domain(d);
out:
    if (copy_to_handle(done_field, &x.nr_exchanged, sizeof(x.nr_exchanged)))
        rc = -EFAULT;
    return rc;
}

/* A PV domU's map: one RAM region covering its maximum reservation. */
static long memory_map(guest_handle_t arg)
{
    struct xen_memory_map m;
    struct e820entry_hv e = { 0, (u64)current->domain->max_pages << PAGE_SHIFT, E820_RAM };

    if (copy_from_handle(&m, arg, sizeof(m)))
        return -EFAULT;
    if (m.nr_entries < 1)
        return -EINVAL;
    if (copy_to_handle(guest_handle_from_field(m.buffer), &e, sizeof(e)))
        return -EFAULT;
    m.nr_entries = 1;
    return copy_to_handle(arg, &m, sizeof(m));
}

/*
 * XENMEM_acquire_resource: an ioreq server's pages (frame 0 the buffered
 * ring, 1 the synchronous page; common/ioreq.c), for the device model that
 * created the server. The frames are xenheap frames of the target: a PV
 * caller gets their MFNs and maps them with the target as the foreign
 * domain (Linux's privcmd MMAP_RESOURCE). nr_frames 0 with no list asks
 * the size. Xen's checks come first (copy-in, pad, frame range, a remote
 * domain, the caller's right); other resources (grant tables, vmtrace
 * buffers) are -EOPNOTSUPP, the error Linux's privcmd and Xen's tools fall
 * back on (libxenguest seeds a new domain's grant table through a foreign
 * mapping instead); -ENOSYS would make them fail.
 */
static long acquire_ioreq_frames(struct domain *d, struct xen_mem_acquire_resource *x)
{
    mfn_t mfns[IOREQ_FRAMES];
    xen_pfn_t out[IOREQ_FRAMES];
    long rc;

    if (!x->nr_frames && guest_handle_is_null(guest_handle_from_field(x->frame_list))) {
        x->nr_frames = IOREQ_FRAMES;                 /* the size query */
        return 0;
    }
    if (x->id > 0xffff)
        return -ENOENT;
    rc = ioreq_server_frames(d, current->domain, (u16)x->id, x->frame, x->nr_frames, mfns);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < x->nr_frames; i++)
        out[i] = mfns[i];
    return copy_to_handle(guest_handle_from_field(x->frame_list), out,
                          x->nr_frames * sizeof(out[0])) ? -EFAULT : 0;
}

static long acquire_resource(guest_handle_t arg)
{
    struct xen_mem_acquire_resource x;
    struct domain *d;
    long rc;

    if (copy_from_handle(&x, arg, sizeof(x)))
        return -EFAULT;
    if (x.pad || (x.frame >> 32) || ((x.frame + x.nr_frames) >> 32))
        return -EINVAL;
    d = domain_lookup(x.domid);
    if (!d)
        return -ESRCH;
    if (d == current->domain || !current->domain->privileged)
        rc = -EPERM;                                 /* Xen: remote domain; XSM_DM_PRIV */
    else if (x.type == XENMEM_resource_ioreq_server && d->hvm)
        rc = acquire_ioreq_frames(d, &x);
    else
        rc = -EOPNOTSUPP;
    put_domain(d);
    if (!rc && copy_to_handle(arg, &x, sizeof(x)))
        rc = -EFAULT;
    return rc;
}

long do_memory_op(unsigned long cmd, guest_handle_t arg)
{
    switch (cmd & MEMOP_CMD_MASK_HV) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(cmd, arg);
    case XENMEM_maximum_ram_page:
        return (long)(hv_frames.nr_frames - 1);
    case XENMEM_current_reservation:
        return reservation(arg, false);
    case XENMEM_maximum_reservation:
        return reservation(arg, true);
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_exchange:
        return memory_exchange(arg);
    case XENMEM_acquire_resource:
        return acquire_resource(arg);
    default:
        return arch_memory_op(cmd & MEMOP_CMD_MASK_HV, arg);
    }
}
