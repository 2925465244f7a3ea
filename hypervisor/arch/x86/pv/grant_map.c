/*
 * Host mappings of granted frames: the PTE goes into one of the mapper's
 * validated L1 tables, either the one that maps host_addr in its current
 * page tables, or (GNTMAP_contains_pte) the entry at machine address
 * host_addr. The PTE holds a reference on the granter's frame, plus a
 * writable-type reference when mapped read-write, like any other PTE.
 * Pure logic on the frame table and the guest's tables (flushes are out of
 * line): it compiles on the host, where the unit tests run it as is.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <hv/tlb_mask.h>
#include <asm/flush.h>
#include <asm/page_type.h>
#include <asm/page.h>
#include <asm/pv.h>

#define GRANT_PTE (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

/* The slot at machine address maddr, if it lies in one of d's validated L1 tables. */
static u64 *l1_slot_at(struct domain *d, u64 maddr)
{
    mfn_t l1 = maddr >> PAGE_SHIFT;

    if ((maddr & 7) || !frame_valid(&hv_frames, l1) || hv_frames.info[l1].owner != d->id ||
        hv_frames.info[l1].type != PGT_l1 || !hv_frames.info[l1].type_count)
        return NULL;
    return (u64 *)hv_mfn_to_virt(l1) + (maddr & ~PAGE_MASK) / 8;
}

/* The mapper's L1 slot for a new grant mapping (current page tables), or NULL. */
static u64 *grant_slot(struct domain *d, u64 host_addr, bool contains_pte)
{
    unsigned int idx;
    mfn_t l1;

    if (contains_pte) {
        return l1_slot_at(d, host_addr);
    } else {
        if (!guest_va_canonical(host_addr) || (host_addr & ~PAGE_MASK))
            return NULL;
        l1 = pv_find_l1(pv_current_cr3_mfn(current), host_addr, &idx);
    }
    if (l1 == INVALID_MFN || !frame_valid(&hv_frames, l1) || hv_frames.info[l1].owner != d->id ||
        hv_frames.info[l1].type != PGT_l1 || !hv_frames.info[l1].type_count)
        return NULL;
    return (u64 *)hv_mfn_to_virt(l1) + idx;
}

/*
 * After an entry of d's changed from `old`: this CPU at once, and, if old
 * mapped something, every other CPU d's vCPUs may have cached it on (its
 * dirty mask, as Xen's gnttab flush of the mapper's dirty_cpumask). Before
 * old's references go: a frame freed by that put must be in no TLB.
 */
static void flush(struct domain *d, u64 host_addr, bool contains_pte, u64 old)
{
    if (contains_pte)
        tlb_flush_local();
    else
        tlb_flush_va(host_addr);
    if (old & _PAGE_PRESENT)
        tlb_flush_domain_stale(d);
}

static u64 slot_maddr(const u64 *slot)
{
    return ((u64)hv_virt_to_mfn(slot) << PAGE_SHIFT) | ((unsigned long)slot & ~PAGE_MASK);
}

/*
 * The PTE bits 9-11 the CPU ignores carry the op's GNTMAP_guest_avail bits,
 * as Xen: Linux's gntdev asks for bit 9, its _PAGE_SPECIAL, so that the mm
 * never takes the foreign frame for one of dom0's own pages.
 */
static u64 grant_avail_bits(u32 gnt_flags)
{
    return ((u64)(gnt_flags >> _GNTMAP_guest_avail0) << 9) & 0xe00;
}

static int grant_map(struct domain *d, u64 host_addr, u32 gnt_flags, mfn_t mfn,
                     struct domain *owner, bool readonly, u64 *pte_maddr)
{
    bool contains_pte = gnt_flags & GNTMAP_contains_pte;
    u64 *slot = grant_slot(d, host_addr, contains_pte), old;

    if (!slot || page_get_foreign(mfn, owner->id))
        return -EINVAL;
    if (!readonly && (hv_frames.info[mfn].flags & FRAME_F_XENHEAP)) {
        page_put(mfn);
        return -EINVAL;
    }
    if (!readonly && page_get_type(mfn, PGT_writable, owner)) {
        page_put(mfn);
        return -EBUSY;                               /* never a writable page table */
    }
    old = *slot;
    *slot = (mfn << PAGE_SHIFT) | GRANT_PTE | (readonly ? 0 : _PAGE_RW) | grant_avail_bits(gnt_flags);
    flush(d, host_addr, contains_pte, old);
    pt_entry_put(old, 1);
    *pte_maddr = slot_maddr(slot);
    return 0;
}

/* Under page_type_lock: the slot's L1 stays a validated L1 until its entry is written. */
int arch_grant_map(struct domain *d, u64 host_addr, u32 gnt_flags, mfn_t mfn,
                   struct domain *owner, bool readonly, u64 *pte_maddr)
{
    page_type_lock(d);
    int rc = grant_map(d, host_addr, gnt_flags, mfn, owner, readonly, pte_maddr);
    page_type_unlock(d);
    return rc;
}

/* The grant's entry, if it still maps mfn in one of d's validated L1 tables. */
static u64 *grant_entry_at(struct domain *d, u64 pte_maddr, mfn_t mfn)
{
    u64 *slot = l1_slot_at(d, pte_maddr);

    if (!slot || !(*slot & _PAGE_PRESENT) || ((*slot & PTE_ADDR_MASK) >> PAGE_SHIFT) != mfn)
        return NULL;
    return slot;
}

int arch_grant_unmap(struct domain *d, u64 pte_maddr, mfn_t mfn)
{
    return arch_grant_replace(d, pte_maddr, mfn, 0);
}

/*
 * new_addr 0: the grant's entry is cleared. Otherwise, as Xen's
 * steal_linear_address: the entry mapping new_addr in d's current tables
 * moves, with the references it holds, into the grant's entry, and new_addr
 * is left unmapped. Checked before anything changes: on an error both
 * entries stay as they were.
 */
static int grant_replace(struct domain *d, u64 pte_maddr, mfn_t mfn, u64 new_addr)
{
    u64 *slot = grant_entry_at(d, pte_maddr, mfn), *from = NULL, old, moved = 0;

    if (!slot)
        return -EINVAL;
    if (new_addr && (!(from = grant_slot(d, new_addr, false)) || from == slot))
        return -EINVAL;
    old = *slot;
    if (from) {
        moved = *from;
        *from = 0;
    }
    *slot = moved;
    tlb_flush_local();                               /* whichever address space held them */
    tlb_flush_domain_stale(d);                       /* and d's other CPUs, before the put */
    pt_entry_put(old, 1);
    return 0;
}

int arch_grant_replace(struct domain *d, u64 pte_maddr, mfn_t mfn, u64 new_addr)
{
    page_type_lock(d);
    int rc = grant_replace(d, pte_maddr, mfn, new_addr);
    page_type_unlock(d);
    return rc;
}

/*
 * A device mapping's own references (no PTE holds them): the ones a PTE
 * would take. No lock: both are cmpxchg'd (a grant copy's hot path), and
 * the XENHEAP flag is set before the frame has an owner to name it by.
 */
int arch_grant_dev_get(mfn_t mfn, struct domain *owner, bool readonly)
{
    if (page_get_foreign(mfn, owner->id))
        return -EINVAL;
    if (!readonly && ((hv_frames.info[mfn].flags & FRAME_F_XENHEAP) ||
                      page_get_type(mfn, PGT_writable, owner))) {
        page_put(mfn);
        return -EBUSY;                               /* never a writable page table */
    }
    return 0;
}

void arch_grant_dev_put(mfn_t mfn, bool readonly)
{
    if (!readonly)
        page_put_type(mfn);
    page_put(mfn);
}
