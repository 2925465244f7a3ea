/*
 * An HVM domain's guest-physical memory map: its nested page table is its
 * p2m. The builder maps the RAM from gfn 0 (hvm_domain_build.c); a
 * toolstack or device model adds frames later with XENMEM_populate_physmap
 * (QEMU-xen populates its video RAM and option ROMs so). Every gfn lookup
 * reads the NPT: a device model's foreign mapping (pv/mmu_update.c),
 * string port I/O and the MMIO decoder's fetch (guest_walk.c). Additions
 * are made under d->page_alloc_lock, one 4 KiB frame at a time, so a gfn
 * is mapped once and a failure leaves nothing half done.
 */
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/spinlock.h>
#include <asm/hvm.h>

mfn_t arch_hvm_gfn_to_mfn(const struct domain *d, u64 gfn)
{
    if (!d->hvm || gfn >= (1ULL << (NPT_GPA_BITS - PAGE_SHIFT)))
        return INVALID_MFN;
    return npt_lookup(&d->hvm->npt, gfn << PAGE_SHIFT);
}

int arch_hvm_physmap_add(struct domain *d, u64 gfn, mfn_t mfn)
{
    ASSERT(spin_is_locked_by_me(&d->page_alloc_lock));
    if (!d->hvm || gfn >= (1ULL << (NPT_GPA_BITS - PAGE_SHIFT)))
        return -EINVAL;
    return npt_map(&d->hvm->npt, gfn << PAGE_SHIFT, mfn);   /* -EEXIST: already mapped */
}
