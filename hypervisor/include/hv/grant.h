/*
 * Grant tables v1 and v2 (common/grant_table.c: map, unmap, copy and the
 * hypercall edge; common/grant_version.c: versions and status frames;
 * common/grant_cache.c: cache_flush); host mappings through arch hooks.
 *
 * Invariants: while a ref has mappings (its active counts are non-zero) its
 * mapper and frame stay those of the first mapping (Xen's act->domid,
 * act->mfn), the granter's in-use flags (v1: the entry's flags; v2: the
 * status entry) say GTF_reading/GTF_writing, and every mapping holds a
 * reference on the frame (plus a writable type when read-write): a host
 * mapping through its PTE, a device mapping through its maptrack record.
 */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <hv/types.h>
#include <hv/arch.h>
#include <hv/xen.h>
#include <hv/spinlock.h>
#include <xen/grant_table.h>

#define GNTTAB_MAX_FRAMES     32                     /* shared frames, either version */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))    /* v1: 512 */
#define GNTTAB_V2_PER_FRAME   (PAGE_SIZE / sizeof(grant_entry_v2_t))       /* v2: 256 */
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))       /* 2048 */
#define GNTTAB_MAX_STATUS_FRAMES \
    ((GNTTAB_MAX_FRAMES * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME)
#define GNTTAB_MAX_ENTRIES    (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)
/* A domain's mappings: a directory page of record pages, each allocated at first use. */
#define GNTTAB_MAPTRACK_PAGES (PAGE_SIZE / sizeof(void *))                 /* 512 */
#define GNTTAB_MAPTRACK_PER_PAGE (PAGE_SIZE / sizeof(struct grant_mapping))
#define GNTTAB_MAPTRACK_MAX   (GNTTAB_MAPTRACK_PAGES * GNTTAB_MAPTRACK_PER_PAGE)
#define GNTTAB_ACTIVE_LOCKS   64                     /* active-entry locks: ref % 64 */

struct domain;

struct grant_active {                  /* the granter's view of one ref in use */
    u16 readers, writers;              /* host mappings (a map that would wrap is refused) */
    u16 dev_readers, dev_writers;      /* device mappings (Xen's GNTPIN_devr / GNTPIN_devw) */
    domid_t domid;                     /* while any count is non-zero: the mapper ... */
    mfn_t frame;                       /* ... and the frame, fixed at the first mapping */
};

struct grant_mapping {                 /* the mapper's record, indexed by handle */
    u32 self;                          /* its handle */
    int next_free;                     /* free: the next free record, -1 at the end */
    bool in_use;
    bool reserved;                     /* taken by a map still under way */
    bool host, device;                 /* which halves are still mapped */
    bool readonly, contains_pte;
    domid_t granter;
    grant_ref_t ref;
    mfn_t mfn;
    u64 host_addr;
    u64 pte_maddr;                     /* where the PTE went (arch_grant_map) */
    u64 granter_gen;                   /* the granter's table generation: ids are reused */
};

/*
 * Locks (docs/smp.md): lock (rw, rank 6): the size, version and status
 * frames change under it for write; map, unmap, copy and the queries hold
 * it for read. active_lock[ref % 64] (rank 7): an active entry's counts,
 * mapper and frame and its in-use flags. maptrack_lock (rank 8): this
 * domain's own maptrack records, inside the granter's locks.
 * The struct lives until the domain is freed (so a holder of a domain
 * reference may take its lock); at shutdown it is emptied and dead set.
 */
struct grant_table {
    rwlock_t lock;
    spinlock_t active_lock[GNTTAB_ACTIVE_LOCKS];
    spinlock_t maptrack_lock;
    bool dead;                         /* emptied at shutdown: no map, copy or query any more */
    u64 generation;                    /* unique per table ever created */
    unsigned int version;              /* 1 or 2 (GNTTABOP_set_version) */
    unsigned int nr_frames;
    unsigned int nr_status_frames;     /* v2 only: ceil(nr_frames * 256 / 2048) */
    grant_entry_v1_t *shared[GNTTAB_MAX_FRAMES];   /* raw frames; v2 reads them as grant_entry_v2_t */
    grant_status_t *status[GNTTAB_MAX_STATUS_FRAMES];
    struct grant_active *active;       /* an entry per ref of nr_frames (as v1), grown with them */
    unsigned int active_pages;
    struct grant_mapping **maptrack;   /* directory: GNTTAB_MAPTRACK_PAGES pages of records */
    unsigned int maptrack_nr;          /* records allocated so far (whole pages) */
    int maptrack_free;                 /* the first free record, -1: none (grow) */
};

int  grant_table_init(struct domain *d);
/* Shutdown: unmaps what d holds of others, then empties d's own table (dead). */
void grant_table_release(struct domain *d);
/* After release, when no reference on d is left: frees the struct itself. */
void grant_table_destroy(struct domain *d);
/* d's table, read-locked, or NULL (none, or dead): read_unlock(&gt->lock) after. */
struct grant_table *grant_table_lock_read(struct domain *d);

/* --- shared by the common grant files --- */
unsigned int grant_nr_entries(const struct grant_table *gt);
bool grant_ref_active(const struct grant_active *a);
/* Grows d's shared table to nr frames (and, in v2, the status frames with it). */
int  grant_grow(struct domain *d, unsigned int nr);
/* At build time, as Xen's domain builder: a reserved entry granting frame to domid. */
void grant_seed_reserved(struct domain *d, grant_ref_t ref, domid_t domid, mfn_t frame);
/* A hypervisor page shared with d (grant or status frame), and giving one back. */
void *grant_alloc_shared_page(struct domain *d);
long grant_set_version(struct domain *d, struct gnttab_set_version *op);
long grant_get_version(struct domain *d, struct gnttab_get_version *op);
long grant_get_status_frames(struct domain *d, struct gnttab_get_status_frames *op);
long grant_list_target(struct domain *d, domid_t dom, unsigned long list, s16 *status,
                       struct domain **td);
int  grant_populate_status(struct domain *d, unsigned int nr_frames);
void grant_free_status(struct grant_table *gt);
long grant_cache_flush(struct domain *d, const struct gnttab_cache_flush *op);

/* The arch hooks below grants (host mappings, cache flushes) are in hv/arch.h. */

#endif
