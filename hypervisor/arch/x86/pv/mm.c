/*
 * Guest page-table updates, the part the foundation needs: update_va_mapping
 * on the guest's own frames. A guest may map a frame only if it owns it, and
 * may never map one of its page-table pages writable (FRAME_F_PAGETABLE).
 * The full type system, mmu_update and mmuext_op come with the PV MMU work.
 */
#include <hv/errno.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/x86.h>

#define PTE_DISALLOWED (0x7ffUL << 52)                   /* available/reserved high bits */

static u64 *table_of(u64 entry)
{
    return hv_mfn_to_virt((entry & PTE_ADDR_MASK) >> PAGE_SHIFT);
}

/* Finds the L1 slot that maps `va` in the guest's kernel page tables. */
static u64 *find_l1_slot(struct domain *d, mfn_t l4_mfn, unsigned long va)
{
    u64 *t = hv_mfn_to_virt(l4_mfn);

    for (int level = 4; level > 1; level--) {
        u64 e = t[(va >> (12 + 9 * (level - 1))) & 511];

        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return NULL;
        if (frame_owner(&hv_frames, (e & PTE_ADDR_MASK) >> PAGE_SHIFT) != d->id)
            return NULL;
        t = table_of(e);
    }
    return &t[(va >> 12) & 511];
}

static int validate_l1e(struct domain *d, u64 pte)
{
    mfn_t mfn = (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;

    if (!(pte & _PAGE_PRESENT))
        return 0;
    if (pte & PTE_DISALLOWED & ~_PAGE_NX)
        return -EINVAL;
    if (!frame_valid(&hv_frames, mfn) || frame_owner(&hv_frames, mfn) != d->id)
        return -EPERM;
    if ((pte & _PAGE_RW) && (hv_frames.info[mfn].flags & FRAME_F_PAGETABLE))
        return -EPERM;
    return 0;
}

/*
 * As Xen does for 64-bit PV: the guest kernel runs at CPL 3, so its own
 * (non-user) mappings get _PAGE_USER, and never _PAGE_GLOBAL, which would
 * leak them into the guest's user address space.
 */
static u64 pv_adjust_l1e(u64 pte)
{
    if ((pte & _PAGE_PRESENT) && !(pte & _PAGE_USER))
        pte = (pte | _PAGE_USER) & ~_PAGE_GLOBAL;
    return pte;
}

static void flush_after_update(unsigned long va, unsigned long flags)
{
    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_INVLPG:
        invlpg(va);
        break;
    case UVMF_TLB_FLUSH:
        write_cr3(read_cr3());
        break;
    default:
        break;
    }
}

long do_update_va_mapping(unsigned long va, unsigned long pte, unsigned long flags)
{
    struct vcpu *v = current;
    u64 *slot;
    int rc;

    if (!guest_range_ok(va & PAGE_MASK, PAGE_SIZE))
        return -EINVAL;
    rc = validate_l1e(v->domain, pte);
    if (rc)
        return rc;
    slot = find_l1_slot(v->domain, v->arch.cr3_kernel, va);
    if (!slot)
        return -EINVAL;
    *slot = pv_adjust_l1e(pte);
    flush_after_update(va, flags);
    return 0;
}

/* The x86 memory_op sub-ops: where guests find the read-only M2P. */
long arch_memory_op(unsigned long cmd, unsigned long arg)
{
    struct xen_machphys_mapping m;

    switch (cmd) {
    case XENMEM_machphys_mapping:
        m.v_start = MACH2PHYS_VIRT_START;
        m.v_end = MACH2PHYS_VIRT_START + hv_m2p_entries * sizeof(unsigned long);
        m.max_mfn = hv_m2p_entries - 1;
        return copy_to_guest(arg, &m, sizeof(m));
    default:
        return -ENOSYS;
    }
}
