/*
 * GNTTABOP_cache_flush, as Xen 4.17 does it on x86: each op names a frame by
 * its machine address (dev_bus_addr) and a range inside it. The caller must
 * own the frame or hold a mapping of it from the owner's grant table. On
 * x86 "clean" (with or without "invalidate") writes the lines back; an
 * invalidate alone cannot be done without losing data: -EOPNOTSUPP.
 */
#include <hv/grant.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>

#define CACHE_OPS (GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL)

/* Xen's grant_map_exists: a ref of owner's table that d maps, with that frame. */
static bool grant_mapped_by(struct domain *owner, const struct domain *d, mfn_t mfn)
{
    struct grant_table *gt = grant_table_lock_read(owner);
    bool found = false;

    if (!gt)
        return false;
    for (grant_ref_t ref = 0; ref < grant_nr_entries(gt) && !found; ref++)
        found = grant_ref_active(&gt->active[ref]) && gt->active[ref].domid == d->id &&
                gt->active[ref].frame == mfn;
    read_unlock(&gt->lock);
    return found;
}

/* With a reference (put_domain), or NULL. */
static struct domain *owner_domain(mfn_t mfn)
{
    domid_t id = hv_frames.info[mfn].owner;

    if (id >= HV_MAX_DOMAINS || (hv_frames.info[mfn].flags & FRAME_F_ORPHAN))
        return NULL;
    return domain_lookup(id);
}

long grant_cache_flush(struct domain *d, const struct gnttab_cache_flush *op)
{
    mfn_t mfn = op->a.dev_bus_addr >> PAGE_SHIFT;
    struct domain *owner;
    long rc;

    if (op->offset >= PAGE_SIZE || op->length > PAGE_SIZE ||
        op->offset + op->length > PAGE_SIZE || (op->op & ~CACHE_OPS))
        return -EINVAL;                              /* GNTTAB_CACHE_SOURCE_GREF too, as Xen */
    if (op->length == 0 || op->op == 0)
        return 0;
    if (!frame_valid(&hv_frames, mfn))
        return -EINVAL;
    owner = owner_domain(mfn);
    if (!owner || !owner->grant_table || owner->grant_table->dead)
        rc = -EPERM;
    else if (owner != d && !grant_mapped_by(owner, d, mfn))
        rc = -EINVAL;
    else
        rc = arch_cache_flush(mfn, op->offset, op->length, op->op & GNTTAB_CACHE_CLEAN,
                              op->op & GNTTAB_CACHE_INVAL);
    if (owner)
        put_domain(owner);
    return rc;
}
