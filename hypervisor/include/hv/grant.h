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
#include <xen/grant_table.h>

#define GNTTAB_MAX_FRAMES     32                     /* shared frames, either version */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))    /* v1: 512 */
#define GNTTAB_V2_PER_FRAME   (PAGE_SIZE / sizeof(grant_entry_v2_t))       /* v2: 256 */
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))       /* 2048 */
#define GNTTAB_MAX_STATUS_FRAMES \
    ((GNTTAB_MAX_FRAMES * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME)
#define GNTTAB_MAX_ENTRIES    (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)
#define GNTTAB_MAPTRACK_MAX   1024                   /* mappings one domain may hold */

struct domain;

struct grant_active {                  /* the granter's view of one ref in use */
    u16 readers, writers;              /* host mappings (a map that would wrap is refused) */
    u16 dev_readers, dev_writers;      /* device mappings (Xen's GNTPIN_devr / GNTPIN_devw) */
    domid_t domid;                     /* while any count is non-zero: the mapper ... */
    mfn_t frame;                       /* ... and the frame, fixed at the first mapping */
};

struct grant_mapping {                 /* the mapper's record, indexed by handle */
    bool in_use;
    bool host, device;                 /* which halves are still mapped */
    bool readonly, contains_pte;
    domid_t granter;
    grant_ref_t ref;
    mfn_t mfn;
    u64 host_addr;
    u64 pte_maddr;                     /* where the PTE went (arch_grant_map) */
    u64 granter_gen;                   /* the granter's table generation: ids are reused */
};

struct grant_table {
    u64 generation;                    /* unique per table ever created */
    unsigned int version;              /* 1 or 2 (GNTTABOP_set_version) */
    unsigned int nr_frames;
    unsigned int nr_status_frames;     /* v2 only: ceil(nr_frames * 256 / 2048) */
    grant_entry_v1_t *shared[GNTTAB_MAX_FRAMES];   /* raw frames; v2 reads them as grant_entry_v2_t */
    grant_status_t *status[GNTTAB_MAX_STATUS_FRAMES];
    struct grant_active *active;       /* an entry per ref of nr_frames (as v1), grown with them */
    unsigned int active_pages;
    struct grant_mapping *maptrack;    /* GNTTAB_MAPTRACK_MAX */
};

int  grant_table_init(struct domain *d);
/* Unmaps what d holds of others, then frees d's own table. */
void grant_table_destroy(struct domain *d);

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
