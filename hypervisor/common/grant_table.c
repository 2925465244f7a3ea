/*
 * Grant tables: map, unmap, copy, and the hypercall edge. A granter writes
 * entries (flags, domid, frame) into its shared frames; a mapper asks the
 * hypervisor to map or copy a granted frame. The hypervisor keeps
 * GTF_reading/GTF_writing true while a mapping exists (v1: in the entry;
 * v2: in the status frames), so the granter can see its page is in use and
 * cannot revoke it, and every mapping holds a reference on the frame, so the
 * frame is not freed or reused before the last mapping goes.
 * Versions and status frames: grant_version.c; cache_flush: grant_cache.c.
 *
 * Invariants (ASSERTed where they change):
 *  - an active entry (any pin count > 0) is pinned by one mapper domain and
 *    one frame, fixed until the last pin goes;
 *  - each in-use maptrack entry holds exactly the pins it counted (host
 *    and/or device), and drops each once;
 *  - GTF_reading/GTF_writing are set exactly while a pin of that kind exists.
 *
 * Locks (hv/grant.h, docs/smp.md): a map holds the granter's gt->lock for
 * read, the entry's active lock, then the mapper's maptrack lock; an unmap
 * takes the same three, in that order, after reading its record; the size
 * and version change under gt->lock for write. Guest arrays are copied in
 * and out by the hypercall edge, with no lock held.
 */
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

/* The active entries for nr shared frames (counted as v1, the larger). */
#define ACTIVE_PAGES(nr) \
    (ALIGN_UP((nr) * GNTTAB_ENTRIES_PER_FRAME * sizeof(struct grant_active), PAGE_SIZE) / PAGE_SIZE)

unsigned int grant_nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * (gt->version == 2 ? GNTTAB_V2_PER_FRAME : GNTTAB_ENTRIES_PER_FRAME);
}

bool grant_ref_active(const struct grant_active *a)
{
    return a->readers || a->writers || a->dev_readers || a->dev_writers;
}

/* One entry as either version stores it: header and frame. */
struct grant_view {
    u16 flags;
    domid_t domid;
    u64 frame;
};

static struct grant_view read_entry(const struct grant_table *gt, grant_ref_t ref)
{
    struct grant_view v;

    if (gt->version == 2) {
        const grant_entry_v2_t *e = (const grant_entry_v2_t *)gt->shared[ref / GNTTAB_V2_PER_FRAME] +
                                    ref % GNTTAB_V2_PER_FRAME;

        v = (struct grant_view){ e->hdr.flags, e->hdr.domid, e->full_page.frame };
    } else {
        const grant_entry_v1_t *e = &gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];

        v = (struct grant_view){ e->flags, e->domid, e->frame };
    }
    return v;
}

/* Where GTF_reading / GTF_writing of ref live: v1 the entry's flags, v2 its status entry. */
static u16 *in_use_word(struct grant_table *gt, grant_ref_t ref)
{
    if (gt->version == 2)
        return &gt->status[ref / GNTTAB_STATUS_PER_FRAME][ref % GNTTAB_STATUS_PER_FRAME];
    return &gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME].flags;
}

/* Every domain starts with one shared frame, as in Xen (query_size says nr_frames >= 1). */
_Static_assert(sizeof(struct grant_table) <= PAGE_SIZE, "one page");

static bool maptrack_grow(struct grant_table *gt);

int grant_table_init(struct domain *d)
{
    static u64 generations;
    struct grant_table *gt = hv_alloc_pages(1);

    if (!gt)
        return -ENOMEM;
    rwlock_init(&gt->lock, LOCK_RANK_GRANT, "grant_table_lock");
    for (unsigned int i = 0; i < GNTTAB_ACTIVE_LOCKS; i++)
        spin_lock_init(&gt->active_lock[i], LOCK_RANK_GRANT_ACTIVE, "grant_active_lock");
    spin_lock_init(&gt->maptrack_lock, LOCK_RANK_MAPTRACK, "maptrack_lock");
    gt->generation = arch_fetch_add(&generations, 1) + 1;
    gt->version = 1;
    gt->maptrack = hv_alloc_pages(1);                /* the directory; more records come as used */
    gt->maptrack_free = -1;
    d->grant_table = gt;
    /*
     * The first page of records comes now: most mappers (xenstored, a console
     * back end) need no more, and a domain's first map then costs no page:
     * the toolstack's leak checks compare free pages before and after.
     */
    if (!gt->maptrack || !maptrack_grow(gt))
        return -ENOMEM;
    return grant_grow(d, 1);
}

struct grant_table *grant_table_lock_read(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return NULL;
    read_lock(&gt->lock);
    if (gt->dead) {
        read_unlock(&gt->lock);
        return NULL;
    }
    return gt;
}

static spinlock_t *active_lock(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active_lock[ref % GNTTAB_ACTIVE_LOCKS];
}

void *grant_alloc_shared_page(struct domain *d)
{
    void *p = hv_alloc_pages(1);

    if (p)
        frame_share_with(&hv_frames, hv_virt_to_mfn(p), d->id);
    return p;
}

/* Room in the active array for nr frames' entries (moved: nothing keeps pointers into it). */
static int grow_active(struct grant_table *gt, unsigned int nr)
{
    struct grant_active *a;

    if (ACTIVE_PAGES(nr) <= gt->active_pages)
        return 0;
    if (!(a = hv_alloc_pages(ACTIVE_PAGES(nr))))
        return -ENOMEM;
    if (gt->active)
        memcpy(a, gt->active, gt->active_pages * PAGE_SIZE);
    hv_free_pages(gt->active, gt->active_pages);
    gt->active = a;
    gt->active_pages = ACTIVE_PAGES(nr);
    return 0;
}

/* Grows the shared table to `nr` frames: hypervisor pages shared with d.
 * Under gt->lock for write (or before anybody else can see the table). */
int grant_grow(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;

    if (nr > GNTTAB_MAX_FRAMES)
        return -EINVAL;
    if (grow_active(gt, nr) || (gt->version == 2 && grant_populate_status(d, nr)))
        return -ENOMEM;
    while (gt->nr_frames < nr) {
        void *p = grant_alloc_shared_page(d);

        if (!p)
            return -ENOMEM;
        gt->shared[gt->nr_frames++] = p;
    }
    return 0;
}

/*
 * The toolstack's reserved entries (GNTTAB_RESERVED_CONSOLE/XENSTORE) are
 * written before the domain runs, as libxenguest's xc_dom_gnttab_seed does,
 * so that the back end maps the ring by grant. The table is v1 and the
 * domain has not run yet.
 */
void grant_seed_reserved(struct domain *d, grant_ref_t ref, domid_t domid, mfn_t frame)
{
    grant_entry_v1_t *e = &d->grant_table->shared[0][ref];

    ASSERT(ref < GNTTAB_NR_RESERVED_ENTRIES && d->grant_table->version == 1);
    e->domid = domid;
    e->frame = (u32)frame;
    e->flags = GTF_permit_access;
}

static void set_in_use_flags(struct grant_table *gt, grant_ref_t ref)
{
    u16 *w = in_use_word(gt, ref);
    const struct grant_active *a = &gt->active[ref];
    u16 flags = __atomic_load_n(w, __ATOMIC_RELAXED) & ~(GTF_reading | GTF_writing);

    if (grant_ref_active(a))
        flags |= GTF_reading;
    if (a->writers || a->dev_writers)
        flags |= GTF_writing;
    __atomic_store_n(w, flags, __ATOMIC_SEQ_CST);
}

/*
 * Checks a granter's entry for `mapper`; returns the frame or a GNTST error.
 * Xen's codes: a ref past the table = bad_gntref; a ref not granted to the
 * mapper (unused, revoked, another domain's, v2 sub-page or transitive) or
 * a read-only one asked for writing = general_error.
 */
static long check_grant(struct domain *rd, grant_ref_t ref, domid_t mapper, bool readonly)
{
    struct grant_table *gt = rd->grant_table;
    u16 type_mask = GTF_type_mask | (gt->version == 2 ? GTF_sub_page : 0);
    struct grant_view e;

    if (ref >= grant_nr_entries(gt))
        return GNTST_bad_gntref;
    e = read_entry(gt, ref);
    if ((e.flags & type_mask) != GTF_permit_access || e.domid != mapper)
        return GNTST_general_error;
    if ((e.flags & GTF_readonly) && !readonly)
        return GNTST_general_error;
    if (!frame_valid(&hv_frames, e.frame) || hv_frames.info[e.frame].owner != rd->id ||
        (hv_frames.info[e.frame].flags & FRAME_F_ORPHAN))
        return GNTST_bad_page;                       /* orphans: an earlier domain's */
    return (long)e.frame;
}

/* Record h of the mapper's table (h < maptrack_nr; under its maptrack lock). */
static struct grant_mapping *maptrack_rec(struct grant_table *gt, grant_handle_t h)
{
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_PAGE][h % GNTTAB_MAPTRACK_PER_PAGE];
}

/*
 * Under the maptrack lock: one more page of records, all onto the free
 * list. A back end holds many mappings at once (blkback: a ring's
 * persistent grants plus the requests in flight, over a thousand), a
 * plain domU none: the table grows with use, up to GNTTAB_MAPTRACK_MAX.
 */
static bool maptrack_grow(struct grant_table *gt)
{
    unsigned int page = gt->maptrack_nr / GNTTAB_MAPTRACK_PER_PAGE;
    struct grant_mapping *recs;

    if (page >= GNTTAB_MAPTRACK_PAGES || !(recs = hv_alloc_pages(1)))
        return false;
    for (unsigned int i = GNTTAB_MAPTRACK_PER_PAGE; i-- > 0;) {
        recs[i].self = gt->maptrack_nr + i;
        recs[i].next_free = gt->maptrack_free;
        gt->maptrack_free = (int)recs[i].self;
    }
    gt->maptrack[page] = recs;
    gt->maptrack_nr += GNTTAB_MAPTRACK_PER_PAGE;
    return true;
}

/* Reserves a free record of the mapper's table; -1: none, or the table is dead. */
static int maptrack_get(struct grant_table *gt)
{
    int found = -1;

    spin_lock(&gt->maptrack_lock);
    if (!gt->dead && (gt->maptrack_free >= 0 || maptrack_grow(gt))) {
        struct grant_mapping *m = maptrack_rec(gt, (grant_handle_t)gt->maptrack_free);

        ASSERT(!m->in_use && !m->reserved);
        found = gt->maptrack_free;
        gt->maptrack_free = m->next_free;
        m->reserved = true;
    }
    spin_unlock(&gt->maptrack_lock);
    return found;
}

/* Under the maptrack lock: record m back on the free list. */
static void maptrack_free_rec(struct grant_table *gt, struct grant_mapping *m)
{
    m->in_use = false;
    m->reserved = false;
    m->next_free = gt->maptrack_free;
    gt->maptrack_free = (int)m->self;
}

static void maptrack_put(struct grant_table *gt, int h)
{
    spin_lock(&gt->maptrack_lock);
    maptrack_free_rec(gt, maptrack_rec(gt, (grant_handle_t)h));
    spin_unlock(&gt->maptrack_lock);
}

/* The pin count a mapping of this kind adds to (Xen's GNTPIN_hstr/hstw/devr/devw). */
static u16 *pin_count(struct grant_active *a, bool device, bool readonly)
{
    if (device)
        return readonly ? &a->dev_readers : &a->dev_writers;
    return readonly ? &a->readers : &a->writers;
}

/* Takes what the mapping holds: device references, then the host PTE. */
static s16 map_take(struct domain *d, struct domain *rd, const struct gnttab_map_grant_ref *op,
                    mfn_t frame, u64 *pte_maddr)
{
    bool ro = op->flags & GNTMAP_readonly, dev = op->flags & GNTMAP_device_map;

    if (dev && arch_grant_dev_get(frame, rd, ro))
        return GNTST_general_error;
    if ((op->flags & GNTMAP_host_map) &&
        arch_grant_map(d, op->host_addr, op->flags, frame, rd, ro, pte_maddr)) {
        if (dev)
            arch_grant_dev_put(frame, ro);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

/* Under the granter's gt->lock (read) and the entry's active lock. */
static s16 map_active(struct domain *d, struct domain *rd, struct gnttab_map_grant_ref *op,
                      long frame)
{
    bool ro = op->flags & GNTMAP_readonly, host = op->flags & GNTMAP_host_map,
         dev = op->flags & GNTMAP_device_map;
    struct grant_table *gt = d->grant_table;
    struct grant_active *a = &rd->grant_table->active[op->ref];
    u64 pte_maddr = 0;
    int h;
    s16 rc;

    if (grant_ref_active(a)) {
        if (a->domid != d->id)
            return GNTST_general_error;              /* pinned by another domain */
        frame = a->frame;                            /* as Xen: the frame of the first pin */
    }
    if ((host && *pin_count(a, false, ro) == 0xffff) || (dev && *pin_count(a, true, ro) == 0xffff))
        return GNTST_no_space;                       /* the count would wrap */
    if ((h = maptrack_get(gt)) < 0)
        return GNTST_no_space;
    if ((rc = map_take(d, rd, op, frame, &pte_maddr)) != GNTST_okay) {
        maptrack_put(gt, h);
        return rc;
    }
    spin_lock(&gt->maptrack_lock);
    *maptrack_rec(gt, (grant_handle_t)h) = (struct grant_mapping){
        .self = (u32)h, .in_use = true, .host = host, .device = dev, .readonly = ro,
        .contains_pte = op->flags & GNTMAP_contains_pte, .granter = rd->id, .ref = op->ref,
        .mfn = (mfn_t)frame, .host_addr = op->host_addr, .pte_maddr = pte_maddr,
        .granter_gen = rd->grant_table->generation };
    spin_unlock(&gt->maptrack_lock);
    if (!grant_ref_active(a))
        *a = (struct grant_active){ .domid = d->id, .frame = (mfn_t)frame };
    ASSERT(a->domid == d->id && a->frame == (mfn_t)frame);
    if (host)
        (*pin_count(a, false, ro))++;
    if (dev)
        (*pin_count(a, true, ro))++;
    set_in_use_flags(rd->grant_table, op->ref);
    op->handle = (grant_handle_t)h;
    op->dev_bus_addr = (u64)frame << PAGE_SHIFT;     /* machine address: no IOMMU, bus = machine */
    return GNTST_okay;
}

static s16 map_granted(struct domain *d, struct domain *rd, struct gnttab_map_grant_ref *op)
{
    struct grant_table *rgt = grant_table_lock_read(rd);
    long frame;
    s16 rc;

    if (!rgt)
        return GNTST_bad_domain;                     /* torn down meanwhile */
    frame = check_grant(rd, op->ref, d->id, op->flags & GNTMAP_readonly);
    if (frame < 0) {
        rc = (s16)frame;
    } else {
        spin_lock(active_lock(rgt, op->ref));
        rc = map_active(d, rd, op, frame);
        spin_unlock(active_lock(rgt, op->ref));
    }
    read_unlock(&rgt->lock);
    return rc;
}

/* The granter is held by a reference for the whole map. */
static s16 map_one(struct domain *d, struct gnttab_map_grant_ref *op)
{
    struct domain *rd;
    s16 rc;

    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref;                     /* Xen: nothing to pin */
    if (!(rd = domain_lookup_by_caller(op->dom, d)))
        return GNTST_bad_domain;
    rc = map_granted(d, rd, op);
    put_domain(rd);
    return rc;
}

/* One half of a mapping went: the granter's count and flags follow (rgt:
 * the table it was made from, locked with the entry; NULL: that table is gone). */
static void drop_pin(struct grant_table *rgt, struct grant_mapping *m, bool device)
{
    u16 *count;

    if (!rgt)
        return;
    count = pin_count(&rgt->active[m->ref], device, m->readonly);
    ASSERT(*count > 0);
    if (*count)
        (*count)--;
    set_in_use_flags(rgt, m->ref);
}

static void release_if_done(struct grant_table *gt, struct grant_mapping *m)
{
    if (!m->host && !m->device)
        maptrack_free_rec(gt, m);
}

static s16 unmap_host(struct domain *d, struct grant_mapping *m, struct grant_table *rgt)
{
    if (arch_grant_unmap(d, m->pte_maddr, m->mfn))
        return GNTST_general_error;
    m->host = false;
    drop_pin(rgt, m, false);
    return GNTST_okay;
}

static void unmap_device(struct grant_mapping *m, struct grant_table *rgt)
{
    arch_grant_dev_put(m->mfn, m->readonly);
    m->device = false;
    drop_pin(rgt, m, true);
}

typedef s16 (*mapping_fn)(struct domain *d, struct grant_mapping *m, struct grant_table *rgt,
                          void *arg);

/* The granter's table the record was made from, read-locked with the entry's lock; NULL: gone. */
static struct grant_table *lock_granter(struct domain *rd, const struct grant_mapping *snap)
{
    struct grant_table *rgt = rd ? grant_table_lock_read(rd) : NULL;

    /* Only the table the mapping was made from: a new domain may have the granter's id. */
    if (rgt && (rgt->generation != snap->granter_gen || snap->ref >= grant_nr_entries(rgt))) {
        read_unlock(&rgt->lock);
        rgt = NULL;
    }
    if (rgt)
        spin_lock(active_lock(rgt, snap->ref));
    return rgt;
}

/*
 * Runs fn on d's record h with the locks a map takes, in its order: the
 * granter's gt->lock (read) and active lock, then d's maptrack lock. The
 * record is read first to find the granter, and checked again once locked.
 */
static s16 with_mapping(struct domain *d, grant_handle_t h, mapping_fn fn, void *arg)
{
    struct grant_table *gt = d->grant_table, *rgt;
    struct grant_mapping snap, *m;
    struct domain *rd;
    s16 rc;

    spin_lock(&gt->maptrack_lock);
    if (h < gt->maptrack_nr)
        snap = *maptrack_rec(gt, h);
    else
        snap.in_use = false;                         /* never handed out */
    spin_unlock(&gt->maptrack_lock);
    if (!snap.in_use)
        return GNTST_bad_handle;
    rd = domain_lookup_any(snap.granter);
    rgt = lock_granter(rd, &snap);
    spin_lock(&gt->maptrack_lock);
    m = h < gt->maptrack_nr ? maptrack_rec(gt, h) : NULL;   /* NULL: released meanwhile */
    if (!m || !m->in_use || m->granter != snap.granter || m->ref != snap.ref ||
        m->granter_gen != snap.granter_gen)
        rc = GNTST_bad_handle;                       /* undone meanwhile */
    else
        rc = fn(d, m, rgt, arg);
    spin_unlock(&gt->maptrack_lock);
    if (rgt) {
        spin_unlock(active_lock(rgt, snap.ref));
        read_unlock(&rgt->lock);
    }
    if (rd)
        put_domain(rd);
    return rc;
}

/*
 * Drops a record: the PTE (unless it cannot be cleared, when d rewired
 * that L1 meanwhile: it keeps its own references and goes with d's tables)
 * and the device references; the granter's counts and flags must not stay behind.
 */
static s16 drop_record(struct domain *d, struct grant_mapping *m, struct grant_table *rgt, void *arg)
{
    (void)arg;
    if (m->host && unmap_host(d, m, rgt) != GNTST_okay) {
        m->host = false;
        drop_pin(rgt, m, false);
    }
    if (m->device)
        unmap_device(m, rgt);
    maptrack_free_rec(d->grant_table, m);
    return GNTST_okay;
}

static void unmap_all(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    /* dead: no record is added meanwhile, so maptrack_nr stays */
    for (grant_handle_t h = 0; h < gt->maptrack_nr; h++)
        if (maptrack_rec(gt, h)->in_use)
            with_mapping(d, h, drop_record, NULL);
}

/*
 * As Xen: host_addr undoes the host mapping (0: leave it), dev_bus_addr the
 * device mapping (0: leave it; another address: bad_dev_addr).
 */
static s16 unmap_record(struct domain *d, struct grant_mapping *m, struct grant_table *rgt, void *arg)
{
    struct gnttab_unmap_grant_ref *op = arg;
    s16 rc;

    if (op->dev_bus_addr && m->device && op->dev_bus_addr != (u64)m->mfn << PAGE_SHIFT)
        return GNTST_bad_dev_addr;
    if (op->host_addr && m->host) {
        if (op->host_addr != m->host_addr)
            return GNTST_general_error;
        if ((rc = unmap_host(d, m, rgt)) != GNTST_okay)
            return rc;
    }
    if (op->dev_bus_addr && m->device)
        unmap_device(m, rgt);
    release_if_done(d->grant_table, m);
    return GNTST_okay;
}

static s16 unmap_one(struct domain *d, struct gnttab_unmap_grant_ref *op)
{
    return with_mapping(d, op->handle, unmap_record, op);
}

/* GNTTABOP_unmap_and_replace: the host mapping only; new_addr's PTE takes its place. */
static s16 replace_record(struct domain *d, struct grant_mapping *m, struct grant_table *rgt,
                          void *arg)
{
    struct gnttab_unmap_and_replace *op = arg;

    if (!op->host_addr || !m->host)
        return GNTST_okay;                           /* Xen: nothing asked of this mapping */
    if (op->host_addr != m->host_addr || (op->new_addr && m->contains_pte))
        return GNTST_general_error;                  /* no replace by PTE address, as Xen */
    if (arch_grant_replace(d, m->pte_maddr, m->mfn, op->new_addr))
        return GNTST_general_error;
    m->host = false;
    drop_pin(rgt, m, false);
    release_if_done(d->grant_table, m);
    return GNTST_okay;
}

static s16 replace_one(struct domain *d, struct gnttab_unmap_and_replace *op)
{
    return with_mapping(d, op->handle, replace_record, op);
}

/*
 * The frame a grant names, checked under the granter's gt->lock (read),
 * and held (a reference; for writing, a writable type) under the entry's
 * active lock, where maps and unmaps of that ref change its counts too:
 * frame counts are plain words until they become cmpxchg loops (docs/smp.md).
 */
static s16 copy_gref_frame(struct domain *d, struct domain *od, grant_ref_t ref, bool write,
                           mfn_t *mfn)
{
    struct grant_table *rgt = grant_table_lock_read(od);
    long frame;
    s16 rc = GNTST_okay;

    if (!rgt)
        return GNTST_bad_domain;
    frame = check_grant(od, ref, d->id, !write);
    if (frame < 0) {
        rc = (s16)frame;
    } else if (write && !arch_frame_may_be_written(frame)) {
        rc = GNTST_general_error;                    /* never write into page tables */
    } else {
        spin_lock(active_lock(rgt, ref));
        if (arch_grant_dev_get(frame, od, !write))
            rc = GNTST_general_error;
        spin_unlock(active_lock(rgt, ref));
    }
    read_unlock(&rgt->lock);
    *mfn = frame;
    return rc;
}

/* Lets go of a copy's frame, under the same locks it was taken with. */
static void copy_put_frame(struct domain *od, const struct gnttab_copy_ptr *p, bool is_gref,
                           bool write, mfn_t mfn)
{
    struct grant_table *rgt = is_gref ? grant_table_lock_read(od) : NULL;

    if (rgt)
        spin_lock(active_lock(rgt, p->u.ref));
    arch_grant_dev_put(mfn, !write);
    if (rgt) {
        spin_unlock(active_lock(rgt, p->u.ref));
        read_unlock(&rgt->lock);
    }
}

/*
 * Resolves one side of a copy to a frame the caller may read (or write),
 * and holds it for the copy: a reference, and a writable type for the
 * destination (arch_grant_dev_get, as a device mapping holds it; put with
 * arch_grant_dev_put), so it is neither freed nor made a page table meanwhile.
 */
static s16 copy_frame_of(struct domain *d, struct domain *od, const struct gnttab_copy_ptr *p,
                         bool is_gref, bool write, mfn_t *mfn)
{
    if (is_gref)
        return copy_gref_frame(d, od, p->u.ref, write, mfn);
    if (od != d && !d->privileged)
        return GNTST_permission_denied;
    if (!frame_valid(&hv_frames, p->u.gmfn) || hv_frames.info[p->u.gmfn].owner != od->id ||
        (hv_frames.info[p->u.gmfn].flags & (FRAME_F_XENHEAP | FRAME_F_ORPHAN)))
        return GNTST_bad_page;
    *mfn = p->u.gmfn;
    if (write && !arch_frame_may_be_written(*mfn))
        return GNTST_general_error;                  /* never write into page tables (Xen: no writable type) */
    if (arch_grant_dev_get(*mfn, od, !write))
        return GNTST_general_error;                  /* it went (or changed type) meanwhile */
    return GNTST_okay;
}

/* One side's domain, with a reference held until the copy is done (*od). */
static s16 copy_frame(struct domain *d, const struct gnttab_copy_ptr *p, bool is_gref,
                      bool write, mfn_t *mfn, struct domain **od)
{
    s16 rc;

    if (!(*od = domain_lookup_by_caller(p->domid, d)))
        return GNTST_bad_domain;
    rc = copy_frame_of(d, *od, p, is_gref, write, mfn);
    if (rc != GNTST_okay) {
        put_domain(*od);
        *od = NULL;
    }
    return rc;
}

static s16 copy_one(struct domain *d, struct gnttab_copy *op)
{
    struct domain *sd = NULL, *dd = NULL;
    mfn_t src, dst;
    s16 rc;

    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    rc = copy_frame(d, &op->source, op->flags & GNTCOPY_source_gref, false, &src, &sd);
    if (rc == GNTST_okay)
        rc = copy_frame(d, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst, &dd);
    if (rc == GNTST_okay)
        memmove((u8 *)hv_mfn_to_virt(dst) + op->dest.offset,
                (u8 *)hv_mfn_to_virt(src) + op->source.offset, op->len);
    if (dd) {
        copy_put_frame(dd, &op->dest, op->flags & GNTCOPY_dest_gref, true, dst);
        put_domain(dd);
    }
    if (sd) {
        copy_put_frame(sd, &op->source, op->flags & GNTCOPY_source_gref, false, src);
        put_domain(sd);
    }
    return rc;
}

/*
 * The target of setup_table and get_status_frames, in Xen's order: a frame
 * list starting outside guest space = -EFAULT (Xen's guest_handle_okay: on
 * 64-bit PV it checks where the list starts only), then the domain
 * (bad_domain, or permission_denied for another's without privilege).
 * *td is NULL when the op stops here, with this return value; else it
 * holds a reference (put_domain).
 */
long grant_list_target(struct domain *d, domid_t dom, unsigned long list, s16 *status,
                       struct domain **td)
{
    *td = NULL;
    if (!guest_range_ok(list, 1))
        return -EFAULT;
    *td = domain_lookup_by_caller(dom, d);
    if (!*td || (*td != d && !d->privileged)) {
        *status = *td ? GNTST_permission_denied : GNTST_bad_domain;
        if (*td)
            put_domain(*td);
        *td = NULL;
    }
    return 0;
}

/* Then the size (general_error), and a list entry it cannot write = bad_virt_addr. */
static long setup_table(struct domain *d, struct gnttab_setup_table *op)
{
    struct domain *td;
    struct grant_table *gt;
    long rc = grant_list_target(d, op->dom, (unsigned long)op->frame_list.p, &op->status, &td);

    xen_pfn_t mfns[GNTTAB_MAX_FRAMES];

    if (!td)
        return rc;
    gt = td->grant_table;
    write_lock(&gt->lock);
    if (gt->dead || grant_grow(td, op->nr_frames)) {
        write_unlock(&gt->lock);
        op->status = GNTST_general_error;
        put_domain(td);
        return 0;
    }
    for (unsigned int i = 0; i < op->nr_frames; i++)
        mfns[i] = hv_virt_to_mfn(gt->shared[i]);
    write_unlock(&gt->lock);
    put_domain(td);
    op->status = GNTST_okay;
    for (unsigned int i = 0; i < op->nr_frames; i++) {
        xen_pfn_t mfn = mfns[i];

        if (copy_to_guest((unsigned long)op->frame_list.p + i * sizeof(mfn), &mfn, sizeof(mfn)))
            op->status = GNTST_bad_virt_addr;
    }
    return 0;
}

static void query_size(struct domain *d, struct gnttab_query_size *op)
{
    struct domain *td = domain_lookup_by_caller(op->dom, d);

    if (!td || (td != d && !d->privileged)) {
        op->status = td ? GNTST_permission_denied : GNTST_bad_domain;
        if (td)
            put_domain(td);
        return;
    }
    struct grant_table *gt = grant_table_lock_read(td);

    if (gt) {
        op->nr_frames = gt->nr_frames;
        read_unlock(&gt->lock);
    }
    op->max_nr_frames = GNTTAB_MAX_FRAMES;
    op->status = gt ? GNTST_okay : GNTST_bad_domain;
    put_domain(td);
}

/*
 * Shutdown: no map into or from d's table any more (dead, set under both
 * locks a map checks), then d's own mappings of others undone, each with
 * its granter's locks, then the table emptied. The struct stays: another
 * CPU holding a reference on d may still take its lock (and finds it dead).
 */
void grant_table_release(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt || gt->dead)
        return;
    write_lock(&gt->lock);
    spin_lock(&gt->maptrack_lock);
    gt->dead = true;
    spin_unlock(&gt->maptrack_lock);
    write_unlock(&gt->lock);
    unmap_all(d);
    write_lock(&gt->lock);
    /* d's own tables (or a grantee's) may still map them: freed with the last reference. */
    for (unsigned int i = 0; i < gt->nr_frames; i++)
        arch_release_frame(hv_virt_to_mfn(gt->shared[i]));
    gt->nr_frames = 0;
    grant_free_status(gt);
    hv_free_pages(gt->active, gt->active_pages);
    gt->active = NULL;
    gt->active_pages = 0;
    spin_lock(&gt->maptrack_lock);
    for (unsigned int i = 0; i < gt->maptrack_nr / GNTTAB_MAPTRACK_PER_PAGE; i++)
        hv_free_pages(gt->maptrack[i], 1);
    gt->maptrack_nr = 0;
    gt->maptrack_free = -1;
    spin_unlock(&gt->maptrack_lock);
    hv_free_pages(gt->maptrack, 1);
    gt->maptrack = NULL;
    write_unlock(&gt->lock);
}

/* When the domain is freed (no reference on it is left): the struct too. */
void grant_table_destroy(struct domain *d)
{
    if (!d->grant_table)
        return;
    grant_table_release(d);
    hv_free_pages(d->grant_table, 1);
    d->grant_table = NULL;
}

/* --- the hypercall edge: each sub-op is an array of `count` structs --- */

union gnttab_op_buf {
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_unmap_and_replace replace;
    struct gnttab_setup_table setup;
    struct gnttab_copy copy;
    struct gnttab_query_size query;
    struct gnttab_set_version ver;
    struct gnttab_get_status_frames status;
    struct gnttab_get_version getver;
    struct gnttab_cache_flush flush;
};

/* The ops that move data, counted per vCPU for debug key 'q' (hv/counters.h). */
static void count_op(unsigned int cmd)
{
    struct vcpu_counters *c = &current->counters;

    if (cmd == GNTTABOP_map_grant_ref)
        c->grant_maps++;
    else if (cmd == GNTTABOP_unmap_grant_ref || cmd == GNTTABOP_unmap_and_replace)
        c->grant_unmaps++;
    else if (cmd == GNTTABOP_copy)
        c->grant_copies++;
}

static long run_op(struct domain *d, unsigned int cmd, union gnttab_op_buf *b)
{
    count_op(cmd);
    switch (cmd) {
    case GNTTABOP_map_grant_ref: b->map.status = map_one(d, &b->map); return 0;
    case GNTTABOP_unmap_grant_ref: b->unmap.status = unmap_one(d, &b->unmap); return 0;
    case GNTTABOP_unmap_and_replace: b->replace.status = replace_one(d, &b->replace); return 0;
    case GNTTABOP_setup_table: return setup_table(d, &b->setup);
    case GNTTABOP_copy: b->copy.status = copy_one(d, &b->copy); return 0;
    case GNTTABOP_query_size: query_size(d, &b->query); return 0;
    case GNTTABOP_set_version: return grant_set_version(d, &b->ver);
    case GNTTABOP_get_status_frames: return grant_get_status_frames(d, &b->status);
    case GNTTABOP_get_version: return grant_get_version(d, &b->getver);
    case GNTTABOP_cache_flush: return grant_cache_flush(d, &b->flush);
    default: return -ENOSYS;
    }
}

static size_t op_size(unsigned int cmd)
{
    static const size_t sizes[] = {
        [GNTTABOP_map_grant_ref] = sizeof(struct gnttab_map_grant_ref),
        [GNTTABOP_unmap_grant_ref] = sizeof(struct gnttab_unmap_grant_ref),
        [GNTTABOP_unmap_and_replace] = sizeof(struct gnttab_unmap_and_replace),
        [GNTTABOP_setup_table] = sizeof(struct gnttab_setup_table),
        [GNTTABOP_copy] = sizeof(struct gnttab_copy),
        [GNTTABOP_query_size] = sizeof(struct gnttab_query_size),
        [GNTTABOP_set_version] = sizeof(struct gnttab_set_version),
        [GNTTABOP_get_status_frames] = sizeof(struct gnttab_get_status_frames),
        [GNTTABOP_get_version] = sizeof(struct gnttab_get_version),
        [GNTTABOP_cache_flush] = sizeof(struct gnttab_cache_flush),
    };
    return cmd < ARRAY_SIZE(sizes) ? sizes[cmd] : 0;
}

/*
 * How many structs a call reads (Xen): set_version and get_version exactly
 * one whatever the count; setup_table, query_size and get_status_frames
 * want a count of 1; the others are batches.
 */
static long op_count(unsigned int cmd, unsigned long count)
{
    if (cmd == GNTTABOP_set_version || cmd == GNTTABOP_get_version)
        return 1;
    if ((cmd == GNTTABOP_setup_table || cmd == GNTTABOP_query_size ||
         cmd == GNTTABOP_get_status_frames) && count != 1)
        return -EINVAL;
    return (long)count;
}

/* The batches: any count, preemptible between two ops (the others are one op). */
static bool op_is_batch(unsigned int cmd)
{
    return cmd == GNTTABOP_map_grant_ref || cmd == GNTTABOP_unmap_grant_ref ||
           cmd == GNTTABOP_unmap_and_replace || cmd == GNTTABOP_copy ||
           cmd == GNTTABOP_cache_flush;
}

#define GNTTAB_CMD_BITS  12                          /* Xen's GNTTABOP_CONTINUATION_ARG_SHIFT */

/*
 * A batch of any length, as Xen: before every op but the first, a
 * preemption check; when it says yield, the call continues with the array
 * pointer advanced past the ops done and the count reduced by them (Xen's
 * encoding: inside a multicall the entry is rewritten so). An op is one
 * grant, one copy of at most a page, or one cache flush: bounded.
 */
long do_grant_table_op(unsigned int cmd_arg, guest_handle_t uop, unsigned int count)
{
    struct domain *d = current->domain;
    unsigned int cmd = (unsigned int)cmd_arg & ((1u << GNTTAB_CMD_BITS) - 1);
    size_t size = op_size(cmd);
    union gnttab_op_buf b;
    long n;

    if ((int)count < 0)
        return -EINVAL;                              /* Xen: the count is an int */
    /* Xen takes cmd as 32 bits; the bits above the command are cache_flush's progress. */
    if (((unsigned int)cmd_arg >> GNTTAB_CMD_BITS) && cmd != GNTTABOP_cache_flush)
        return -EINVAL;
    if (!size)
        return -ENOSYS;
    if ((n = op_count(cmd, count)) < 0)
        return n;
    if (op_is_batch(cmd) && !guest_handle_okay(uop, n, size))
        return -EFAULT;                              /* the whole array, before any op (Xen) */
    for (long i = 0; i < n; i++) {
        unsigned long addr = uop.va + i * size;
        long rc;

        if (i && op_is_batch(cmd) && hypercall_preempt_check())
            return hypercall_continue(__HYPERVISOR_grant_table_op, cmd, addr, n - i, 0, 0);
        if (copy_from_guest(&b, addr, size))
            return -EFAULT;
        rc = run_op(d, cmd, &b);
        /* cache_flush ops are input only: nothing is written back (Xen). */
        if (cmd != GNTTABOP_cache_flush && copy_to_guest(addr, &b, size))
            return -EFAULT;
        if (rc)
            return rc;
    }
    return 0;
}
