/* Grant tables v1 (common/grant_table.c); host mappings through arch hooks. */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <hv/types.h>
#include <hv/xen.h>
#include <xen/grant_table.h>

#define GNTTAB_MAX_FRAMES     32                     /* v1: 512 entries a frame */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))
#define GNTTAB_MAX_ENTRIES    (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)
#define GNTTAB_MAPTRACK_MAX   1024                   /* mappings one domain may hold */

struct domain;

struct grant_active {                  /* the granter's view of one ref in use */
    u16 readers, writers;              /* active host mappings (a map that would wrap is refused) */
};

struct grant_mapping {                 /* the mapper's record, indexed by handle */
    bool in_use;
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
    unsigned int nr_frames;
    grant_entry_v1_t *shared[GNTTAB_MAX_FRAMES];
    struct grant_active *active;       /* GNTTAB_MAX_ENTRIES */
    struct grant_mapping *maptrack;    /* GNTTAB_MAPTRACK_MAX */
};

int  grant_table_init(struct domain *d);
/* Unmaps what d holds of others, then frees d's own table. */
void grant_table_destroy(struct domain *d);
long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);

/*
 * Arch hooks: install / remove the host PTE of a grant mapping (takes / drops refs).
 * arch_grant_map says where the PTE went (*pte_maddr); arch_grant_unmap clears
 * that entry if it still maps mfn in one of d's page tables, whichever address
 * space is current (it also runs when d is torn down from another context).
 */
int arch_grant_map(struct domain *d, u64 host_addr, bool contains_pte, mfn_t mfn,
                   struct domain *owner, bool readonly, u64 *pte_maddr);
int arch_grant_unmap(struct domain *d, u64 pte_maddr, mfn_t mfn);

#endif
