/*
 * Grant-table versions (GNTTABOP_set_version / get_version) and the v2
 * status frames (GNTTABOP_get_status_frames), as Xen 4.17 does them.
 *
 * v2 entries are 16 bytes (grant_entry_v2_t, 256 a frame) and keep
 * GTF_reading / GTF_writing apart, in status frames (one grant_status_t per
 * entry, 2048 a frame) that the hypervisor writes and the guest maps. Both
 * are hypervisor pages shared with the domain (FRAME_F_XENHEAP, never
 * typed: a guest cannot make them page tables); the allocation holds them
 * until the version goes back to 1 or the domain dies, and a frame a guest
 * still maps is freed with its last mapping, never before.
 *
 * Switching: refused while any entry past the 8 reserved ones is mapped
 * (-EBUSY), or, back to v1, while the guest still maps a status frame
 * (-EBUSY) or a reserved entry cannot be written as v1 (-ERANGE). The 8
 * reserved entries (the toolstack's console and xenstore grants) survive a
 * switch, in-use flags included; everything else is cleared.
 */
#include <hv/grant.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>

static unsigned int status_frames_for(unsigned int nr_frames)
{
    return (nr_frames * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME;
}

static grant_entry_v2_t *entry_v2(struct grant_table *gt, grant_ref_t ref)
{
    return (grant_entry_v2_t *)gt->shared[ref / GNTTAB_V2_PER_FRAME] + ref % GNTTAB_V2_PER_FRAME;
}

/* Enough status frames for nr_frames shared frames (never shrinks). */
int grant_populate_status(struct domain *d, unsigned int nr_frames)
{
    struct grant_table *gt = d->grant_table;
    unsigned int want = status_frames_for(nr_frames);

    while (gt->nr_status_frames < want) {
        grant_status_t *p = grant_alloc_shared_page(d);

        if (!p)
            return -ENOMEM;
        gt->status[gt->nr_status_frames++] = p;
    }
    return 0;
}

/* Teardown: freed now, or with the last mapping the guest still has of one. */
void grant_free_status(struct grant_table *gt)
{
    for (unsigned int i = 0; i < gt->nr_status_frames; i++)
        arch_release_frame(hv_virt_to_mfn(gt->status[i]));
    gt->nr_status_frames = 0;
}

/*
 * Back to v1: only if the guest maps none of them any more (Xen: -EBUSY).
 * A mapping made between the check and the release (references take no
 * lock) only keeps that frame as an orphan until it is unmapped.
 */
static int unpopulate_status(struct grant_table *gt)
{
    for (unsigned int i = 0; i < gt->nr_status_frames; i++)
        if (__atomic_load_n(&hv_frames.info[hv_virt_to_mfn(gt->status[i])].count, __ATOMIC_ACQUIRE))
            return -EBUSY;
    grant_free_status(gt);
    return 0;
}

static bool entries_in_use(const struct grant_table *gt)
{
    unsigned int n = grant_nr_entries(gt);

    for (grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES; ref < n; ref++)
        if (grant_ref_active(&gt->active[ref]))
            return true;
    return false;
}

/* A reserved v2 entry v1 cannot express: a transitive grant or a frame past 32 bits. */
static bool reserved_fit_v1(struct grant_table *gt)
{
    for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
        const grant_entry_v2_t *e = entry_v2(gt, ref);
        u16 type = e->hdr.flags & GTF_type_mask;

        if (type == GTF_transitive || (type == GTF_permit_access && (e->full_page.frame >> 32)))
            return false;
    }
    return true;
}

/* The reserved entries as v1 entries, in-use flags included. */
static void save_reserved(struct grant_table *gt, grant_entry_v1_t *keep)
{
    for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
        const grant_entry_v2_t *e;

        if (gt->version == 1) {
            keep[ref] = gt->shared[0][ref];
            continue;
        }
        e = entry_v2(gt, ref);
        memset(&keep[ref], 0, sizeof(keep[ref]));
        if ((e->hdr.flags & GTF_type_mask) == GTF_permit_access)
            keep[ref] = (grant_entry_v1_t){ e->hdr.flags | gt->status[0][ref], e->hdr.domid,
                                            (u32)e->full_page.frame };
    }
}

static void restore_reserved(struct grant_table *gt, const grant_entry_v1_t *keep)
{
    for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
        grant_entry_v2_t *e;

        if (gt->version == 1) {
            gt->shared[0][ref] = keep[ref];
            continue;
        }
        e = entry_v2(gt, ref);
        gt->status[0][ref] = keep[ref].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = keep[ref].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = keep[ref].domid;
        e->full_page.frame = keep[ref].frame;
    }
}

static long switch_version(struct domain *d, unsigned int to)
{
    struct grant_table *gt = d->grant_table;
    grant_entry_v1_t keep[GNTTAB_NR_RESERVED_ENTRIES];

    if (entries_in_use(gt))
        return -EBUSY;
    if (gt->version == 2 && !reserved_fit_v1(gt))
        return -ERANGE;
    if (to == 2 && grant_populate_status(d, gt->nr_frames)) {
        grant_free_status(gt);                       /* v1 has none: never exposed */
        return -ENOMEM;
    }
    save_reserved(gt, keep);
    if (to == 1 && unpopulate_status(gt))
        return -EBUSY;
    for (unsigned int i = 0; i < gt->nr_frames; i++)
        memset(gt->shared[i], 0, PAGE_SIZE);         /* nothing of the old layout survives */
    gt->version = to;
    restore_reserved(gt, keep);
    return 0;
}

/* The version in force is written back whatever happened, as Xen does.
 * Under gt->lock for write: no map, unmap or copy sees the switch half done. */
long grant_set_version(struct domain *d, struct gnttab_set_version *op)
{
    struct grant_table *gt = d->grant_table;
    long rc = 0;

    write_lock(&gt->lock);
    if (op->version != 1 && op->version != 2)
        rc = -EINVAL;
    else if (gt->dead)
        rc = -ESRCH;
    else if (op->version != gt->version)
        rc = switch_version(d, op->version);
    op->version = gt->version;
    write_unlock(&gt->lock);
    return rc;
}

long grant_get_version(struct domain *d, struct gnttab_get_version *op)
{
    struct domain *td = domain_lookup_by_caller(op->dom, d);

    long rc = 0;

    struct grant_table *gt;

    if (!td)
        return -ESRCH;
    if (td != d && !d->privileged)
        rc = -EPERM;
    else if (!(gt = grant_table_lock_read(td)))
        rc = -ESRCH;
    else {
        op->version = gt->version;
        read_unlock(&gt->lock);
    }
    put_domain(td);
    return rc;
}

/*
 * The machine frames of the first nr_frames status frames. Xen's errors: no
 * such domain = bad_domain, somebody else's = permission_denied, more than
 * there are (any in v1) = general_error, a list it cannot write = bad_virt_addr
 * (starting outside guest space: -EFAULT).
 */
long grant_get_status_frames(struct domain *d, struct gnttab_get_status_frames *op)
{
    struct domain *td;
    struct grant_table *gt;
    long rc = grant_list_target(d, op->dom, (unsigned long)op->frame_list.p, &op->status, &td);

    u64 mfns[GNTTAB_MAX_STATUS_FRAMES];

    if (!td)
        return rc;
    gt = grant_table_lock_read(td);
    if (!gt || op->nr_frames > gt->nr_status_frames) {
        if (gt)
            read_unlock(&gt->lock);
        op->status = GNTST_general_error;
        put_domain(td);
        return 0;
    }
    for (unsigned int i = 0; i < op->nr_frames; i++)
        mfns[i] = hv_virt_to_mfn(gt->status[i]);
    read_unlock(&gt->lock);
    put_domain(td);
    op->status = GNTST_okay;
    for (unsigned int i = 0; i < op->nr_frames; i++) {
        u64 mfn = mfns[i];

        if (copy_to_guest((unsigned long)op->frame_list.p + i * sizeof(mfn), &mfn, sizeof(mfn))) {
            op->status = GNTST_bad_virt_addr;
            break;
        }
    }
    return 0;
}
