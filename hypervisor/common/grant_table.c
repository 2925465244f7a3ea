/*
 * Grant tables, version 1. A granter writes entries (flags, domid, frame)
 * into its shared frames; a mapper asks the hypervisor to map or copy a
 * granted frame. The hypervisor keeps GTF_reading/GTF_writing true while a
 * mapping exists, so the granter can see its page is in use and cannot
 * revoke it, and every mapping holds a reference on the frame, so the frame
 * is not freed or reused before the last mapping goes.
 */
#include <hv/grant.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define MAPTRACK_PAGES (ALIGN_UP(GNTTAB_MAPTRACK_MAX * sizeof(struct grant_mapping), PAGE_SIZE) / PAGE_SIZE)
#define ACTIVE_PAGES   (ALIGN_UP(GNTTAB_MAX_ENTRIES * sizeof(struct grant_active), PAGE_SIZE) / PAGE_SIZE)

static unsigned int nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

static grant_entry_v1_t *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static int grow(struct domain *d, unsigned int nr);

/* Every domain starts with one shared frame, as in Xen (query_size says nr_frames >= 1). */
int grant_table_init(struct domain *d)
{
    static u64 generations;
    struct grant_table *gt = hv_alloc_pages(1);

    if (!gt)
        return -ENOMEM;
    gt->generation = ++generations;
    gt->active = hv_alloc_pages(ACTIVE_PAGES);
    gt->maptrack = hv_alloc_pages(MAPTRACK_PAGES);
    d->grant_table = gt;
    if (!gt->active || !gt->maptrack)
        return -ENOMEM;
    return grow(d, 1);
}

/* Grows the shared table to `nr` frames: hypervisor pages shared with d. */
static int grow(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;

    if (nr > GNTTAB_MAX_FRAMES)
        return -EINVAL;
    while (gt->nr_frames < nr) {
        void *p = hv_alloc_pages(1);

        if (!p)
            return -ENOMEM;
        hv_frames.info[hv_virt_to_mfn(p)].owner = d->id;
        hv_frames.info[hv_virt_to_mfn(p)].flags = FRAME_F_XENHEAP;
        gt->shared[gt->nr_frames++] = p;
    }
    return 0;
}

static void set_in_use_flags(struct grant_table *gt, grant_ref_t ref)
{
    grant_entry_v1_t *e = shared_entry(gt, ref);
    const struct grant_active *a = &gt->active[ref];
    u16 flags = e->flags & ~(GTF_reading | GTF_writing);

    if (a->readers + a->writers)
        flags |= GTF_reading;
    if (a->writers)
        flags |= GTF_writing;
    __atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
}

/*
 * Checks a granter's entry for `mapper`; returns the frame or a GNTST error.
 * Xen's codes: a ref past the table = bad_gntref; a ref not granted to the
 * mapper (unused, revoked, another domain's) or a read-only one asked for
 * writing = general_error.
 */
static long check_grant(struct domain *rd, grant_ref_t ref, domid_t mapper, bool readonly)
{
    struct grant_table *gt = rd->grant_table;
    grant_entry_v1_t e;

    if (ref >= nr_entries(gt))
        return GNTST_bad_gntref;
    e = *shared_entry(gt, ref);
    if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != mapper)
        return GNTST_general_error;
    if ((e.flags & GTF_readonly) && !readonly)
        return GNTST_general_error;
    if (!frame_valid(&hv_frames, e.frame) || hv_frames.info[e.frame].owner != rd->id ||
        (hv_frames.info[e.frame].flags & FRAME_F_ORPHAN))
        return GNTST_bad_page;                       /* orphans: an earlier domain's */
    return (long)e.frame;
}

static int maptrack_get(struct grant_table *gt)
{
    for (int h = 0; h < GNTTAB_MAPTRACK_MAX; h++)
        if (!gt->maptrack[h].in_use)
            return h;
    return -1;
}

static s16 map_one(struct domain *d, struct gnttab_map_grant_ref *op)
{
    struct domain *rd = domain_lookup_by_caller(op->dom, d);
    bool ro = op->flags & GNTMAP_readonly, pte = op->flags & GNTMAP_contains_pte;
    struct grant_mapping *m;
    struct grant_active *a;
    u64 pte_maddr;
    long frame;
    int h;

    if (!rd)
        return GNTST_bad_domain;
    if (!(op->flags & GNTMAP_host_map))
        return GNTST_general_error;                  /* no device mappings without an IOMMU */
    frame = check_grant(rd, op->ref, d->id, ro);
    if (frame < 0)
        return (s16)frame;
    if ((h = maptrack_get(d->grant_table)) < 0)
        return GNTST_no_space;
    a = &rd->grant_table->active[op->ref];
    if ((ro ? a->readers : a->writers) == 0xffff)
        return GNTST_no_space;                       /* the count would wrap */
    if (arch_grant_map(d, op->host_addr, pte, frame, rd, ro, &pte_maddr))
        return GNTST_general_error;
    m = &d->grant_table->maptrack[h];
    *m = (struct grant_mapping){ true, ro, pte, rd->id, op->ref, (mfn_t)frame, op->host_addr,
                                 pte_maddr, rd->grant_table->generation };
    if (ro)
        a->readers++;
    else
        a->writers++;
    set_in_use_flags(rd->grant_table, op->ref);
    op->handle = (grant_handle_t)h;
    op->dev_bus_addr = (u64)frame << PAGE_SHIFT;
    return GNTST_okay;
}

/* Drops one mapping record: the PTE (unless the caller's tables are going) and the counts. */
static s16 unmap_record(struct domain *d, struct grant_mapping *m, bool clear_pte)
{
    struct domain *rd = m->granter < HV_MAX_DOMAINS ? hv_domains[m->granter] : NULL;

    if (clear_pte && arch_grant_unmap(d, m->pte_maddr, m->mfn))
        return GNTST_general_error;
    /* Only the table the mapping was made from: a new domain may have the granter's id. */
    if (rd && rd->grant_table && rd->grant_table->generation == m->granter_gen &&
        m->ref < nr_entries(rd->grant_table)) {
        struct grant_active *a = &rd->grant_table->active[m->ref];

        if (m->readonly && a->readers)
            a->readers--;
        else if (!m->readonly && a->writers)
            a->writers--;
        set_in_use_flags(rd->grant_table, m->ref);
    }
    m->in_use = false;
    return GNTST_okay;
}

static s16 unmap_one(struct domain *d, struct gnttab_unmap_grant_ref *op)
{
    struct grant_mapping *m;

    if (op->handle >= GNTTAB_MAPTRACK_MAX || !d->grant_table->maptrack[op->handle].in_use)
        return GNTST_bad_handle;
    m = &d->grant_table->maptrack[op->handle];
    if (op->host_addr && op->host_addr != m->host_addr)
        return GNTST_general_error;
    return unmap_record(d, m, true);
}

/* Resolves one side of a copy to a frame the caller may read (or write). */
static s16 copy_frame(struct domain *d, const struct gnttab_copy_ptr *p, bool is_gref,
                      bool write, mfn_t *mfn)
{
    struct domain *od = domain_lookup_by_caller(p->domid, d);

    if (!od)
        return GNTST_bad_domain;
    if (is_gref) {
        long frame = check_grant(od, p->u.ref, d->id, !write);

        if (frame < 0)
            return (s16)frame;
        *mfn = frame;
    } else {
        if (od != d && !d->privileged)
            return GNTST_permission_denied;
        if (!frame_valid(&hv_frames, p->u.gmfn) || hv_frames.info[p->u.gmfn].owner != od->id ||
            (hv_frames.info[p->u.gmfn].flags & (FRAME_F_XENHEAP | FRAME_F_ORPHAN)))
            return GNTST_bad_page;
        *mfn = p->u.gmfn;
    }
    if (write && hv_frames.info[*mfn].type_count && hv_frames.info[*mfn].type != PGT_writable)
        return GNTST_general_error;                  /* never write into page tables (Xen: no writable type) */
    return GNTST_okay;
}

static s16 copy_one(struct domain *d, struct gnttab_copy *op)
{
    mfn_t src, dst;
    s16 rc;

    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    rc = copy_frame(d, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
    if (rc == GNTST_okay)
        rc = copy_frame(d, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
    if (rc != GNTST_okay)
        return rc;
    memmove((u8 *)hv_mfn_to_virt(dst) + op->dest.offset,
            (u8 *)hv_mfn_to_virt(src) + op->source.offset, op->len);
    return GNTST_okay;
}

static long setup_table(struct domain *d, struct gnttab_setup_table *op)
{
    struct domain *td = domain_lookup_by_caller(op->dom, d);
    struct grant_table *gt;

    if (!td || (td != d && !d->privileged)) {
        op->status = td ? GNTST_permission_denied : GNTST_bad_domain;
        return 0;
    }
    gt = td->grant_table;
    if (grow(td, op->nr_frames)) {
        op->status = GNTST_general_error;
        return 0;
    }
    for (unsigned int i = 0; i < op->nr_frames; i++) {
        xen_pfn_t mfn = hv_virt_to_mfn(gt->shared[i]);

        if (copy_to_guest((unsigned long)op->frame_list.p + i * sizeof(mfn), &mfn, sizeof(mfn)))
            return -EFAULT;
    }
    op->status = GNTST_okay;
    return 0;
}

static void query_size(struct domain *d, struct gnttab_query_size *op)
{
    struct domain *td = domain_lookup_by_caller(op->dom, d);

    if (!td || (td != d && !d->privileged)) {
        op->status = td ? GNTST_permission_denied : GNTST_bad_domain;
        return;
    }
    op->nr_frames = td->grant_table->nr_frames;
    op->max_nr_frames = GNTTAB_MAX_FRAMES;
    op->status = GNTST_okay;
}

static int set_version(struct gnttab_set_version *op)
{
    if (op->version != 1) {
        op->version = 1;
        return -EINVAL;                              /* only version 1 is implemented */
    }
    return 0;
}

void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return;
    /*
     * A PTE that cannot be cleared now (d rewired that L1 meanwhile) keeps
     * its own references and goes with d's tables; the granter's counts
     * and flags must not stay behind.
     */
    for (int h = 0; gt->maptrack && h < GNTTAB_MAPTRACK_MAX; h++)
        if (gt->maptrack[h].in_use && unmap_record(d, &gt->maptrack[h], true) != GNTST_okay)
            unmap_record(d, &gt->maptrack[h], false);
    /* d's own tables (or a grantee's) may still map them: freed with the last reference. */
    for (unsigned int i = 0; i < gt->nr_frames; i++)
        arch_release_frame(hv_virt_to_mfn(gt->shared[i]));
    hv_free_pages(gt->active, ACTIVE_PAGES);
    hv_free_pages(gt->maptrack, MAPTRACK_PAGES);
    hv_free_pages(gt, 1);
    d->grant_table = NULL;
}

/* --- the hypercall edge: each sub-op is an array of `count` structs --- */

union gnttab_op_buf {
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_setup_table setup;
    struct gnttab_copy copy;
    struct gnttab_query_size query;
    struct gnttab_set_version ver;
    struct gnttab_get_version getver;
};

static long run_op(struct domain *d, unsigned int cmd, union gnttab_op_buf *b)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: b->map.status = map_one(d, &b->map); return 0;
    case GNTTABOP_unmap_grant_ref: b->unmap.status = unmap_one(d, &b->unmap); return 0;
    case GNTTABOP_setup_table: return setup_table(d, &b->setup);
    case GNTTABOP_copy: b->copy.status = copy_one(d, &b->copy); return 0;
    case GNTTABOP_query_size: query_size(d, &b->query); return 0;
    case GNTTABOP_set_version: return set_version(&b->ver);
    case GNTTABOP_get_version: b->getver.version = 1; return 0;
    default: return -ENOSYS;
    }
}

static size_t op_size(unsigned int cmd)
{
    static const size_t sizes[] = {
        [GNTTABOP_map_grant_ref] = sizeof(struct gnttab_map_grant_ref),
        [GNTTABOP_unmap_grant_ref] = sizeof(struct gnttab_unmap_grant_ref),
        [GNTTABOP_setup_table] = sizeof(struct gnttab_setup_table),
        [GNTTABOP_copy] = sizeof(struct gnttab_copy),
        [GNTTABOP_query_size] = sizeof(struct gnttab_query_size),
        [GNTTABOP_set_version] = sizeof(struct gnttab_set_version),
        [GNTTABOP_get_version] = sizeof(struct gnttab_get_version),
    };
    return cmd < ARRAY_SIZE(sizes) ? sizes[cmd] : 0;
}

#define GNTTAB_BATCH_MAX 512                         /* ops per call */

long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count)
{
    struct domain *d = current->domain;
    size_t size = op_size(cmd);
    union gnttab_op_buf b;

    if (!size)
        return -ENOSYS;
    if (count > GNTTAB_BATCH_MAX)
        return -EINVAL;
    for (unsigned long i = 0; i < count; i++) {
        unsigned long addr = uop + i * size;
        long rc;

        if (copy_from_guest(&b, addr, size))
            return -EFAULT;
        rc = run_op(d, (unsigned int)cmd, &b);
        if (copy_to_guest(addr, &b, size))
            return -EFAULT;
        if (rc)
            return rc;
    }
    return 0;
}
