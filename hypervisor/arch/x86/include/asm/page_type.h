/*
 * Page types and reference counts for direct paging (arch/x86/pv/page_type.c).
 * Pure logic on the frame table and frame contents: it compiles on the host
 * for the unit tests.
 */
#ifndef ASM_PAGE_TYPE_H
#define ASM_PAGE_TYPE_H

#include <hv/types.h>
#include <hv/arch.h>
#include <hv/frame.h>
#include <hv/xen.h>

struct domain;

/* Page types: a frame is one of these at a time (struct frame_info.type). */
enum frame_type {
    PGT_none = 0,
    PGT_l1, PGT_l2, PGT_l3, PGT_l4,                 /* page-table levels */
    PGT_seg_desc,                                    /* GDT/LDT page */
    PGT_writable,                                    /* mapped writable somewhere */
};

#define PGT_COUNT_MAX  0x7fffffffu
#define PTE_LEVEL_ENTRIES 512

/*
 * page_type_lock(d), one per domain: every entry point below that takes or
 * drops a table or descriptor type, pins or edits a table takes the lock
 * of the frame's owner, so each is atomic against every CPU. General
 * references (page_get, _foreign, page_put) and writable types are
 * cmpxchg'd and take no lock. A caller that checks a frame's type or
 * flags and acts on the answer holds its owner's lock around both (the
 * entry points nest); a lockless reference taken meanwhile only makes a
 * release an orphan's. Never across a guest access, never two domains'.
 * Rank LOCK_RANK_PAGE_TYPE (docs/smp.md).
 */
void page_type_lock(struct domain *d);
void page_type_unlock(struct domain *d);
bool page_type_locked_by_me(const struct domain *d);

/* General references: the frame must belong to d (or be d's shared hypervisor page). */
int  page_get(mfn_t mfn, const struct domain *d);
/* A reference on somebody else's frame, for grant mappings. */
int  page_get_foreign(mfn_t mfn, domid_t owner);
void page_put(mfn_t mfn);

/* Typed references; taking a page-table type validates the whole table first. */
int  page_get_type(mfn_t mfn, enum frame_type type, struct domain *d);
void page_put_type(mfn_t mfn);
int  page_get_and_type(mfn_t mfn, enum frame_type type, struct domain *d);
void page_put_and_type(mfn_t mfn);

/* One entry of a page table at `level` (1-4): validate new, write, release old. */
int  pt_mod_entry(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                  struct domain *d, bool preserve_ad);
/* The same, the new L1 entry mapping a frame of pg_owner (a foreign domain, DOMID_IO ...). */
int  pt_mod_entry_foreign(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                          struct domain *d, domid_t pg_owner, bool preserve_ad);
/* True for frames that are not RAM (Xen's DOMID_IO frames) or not in the frame table. */
bool frame_is_io(mfn_t mfn);
/* Drops the references an entry at `level` holds. */
void pt_entry_put(u64 e, unsigned int level);
/* The value a guest entry is stored as (Xen's adjust_guest_lNe). */
u64  pt_adjust_entry(u64 e, unsigned int level);
/* True for L4 slots the hypervisor owns (256-271). */
bool pt_l4_slot_is_hv(unsigned int idx);

/* Set when stale TLB entries could grant an access that was taken away. */
/* Per CPU (a CR3 load on every switch flushes the rest): page_type.c. */
#define pt_tlb_flush_needed (arch_this_pcpu()->tlb_flush_pending)

int  page_pin(mfn_t mfn, enum frame_type type, struct domain *d);
int  page_unpin(mfn_t mfn, struct domain *d);

/*
 * In a hypercall: the same, preemptible (see the partial state in page_type.c).
 * A get returns -ERESTART when preempted (the table is left partial, a
 * continuation re-runs it); a put or a failed get may leave a release
 * partial in current->arch.pt_release_pending, which the caller finishes
 * with page_release_resume (0: done, -ERESTART: not yet) before going on.
 */
int  page_get_and_type_preemptible(mfn_t mfn, enum frame_type type, struct domain *d);
void page_put_and_type_preemptible(mfn_t mfn);
int  page_pin_preemptible(mfn_t mfn, enum frame_type type, struct domain *d);
int  page_unpin_preemptible(mfn_t mfn, struct domain *d);
int  pt_mod_entry_preemptible(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                              struct domain *d, domid_t pg_owner, bool preserve_ad);
int  page_release_resume(mfn_t mfn, struct domain *d);
/*
 * Domain destruction in steps (domain_relinquish.c): the same releases,
 * preemptible, outside any hypercall. -ERESTART: the table is left partial
 * (its own references kept), page_partial_release carries it on later.
 */
int  page_put_and_type_relinquish(mfn_t mfn);
int  page_unpin_relinquish(mfn_t mfn);             /* 0 if not pinned */
int  page_partial_release(mfn_t mfn);              /* 0 if not partial */

static inline bool pgt_is_table(enum frame_type t)
{
    return t >= PGT_l1 && t <= PGT_l4;
}

/* Arch hook: fill the hypervisor's L4 slots of a newly validated guest L4. */
void mm_install_hv_slots(u64 *l4);

#endif
