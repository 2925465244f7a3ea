/*
 * update_va_mapping: change the L1 entry that maps one virtual address in
 * the current page tables, validated like any other page-table update; and
 * the x86 memory_op sub-ops.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/page_type.h>
#include <asm/x86.h>

static u64 *table_of(u64 entry)
{
    return hv_mfn_to_virt((entry & PTE_ADDR_MASK) >> PAGE_SHIFT);
}

mfn_t pv_current_cr3_mfn(const struct vcpu *v)
{
    return v->arch.kernel_mode ? v->arch.cr3_kernel : v->arch.cr3_user;
}

/*
 * Finds the validated L1 table that maps `va` under `l4_mfn`, and the slot in
 * it. Only tables the guest cannot write (typed, so validated) are walked.
 */
mfn_t pv_find_l1(mfn_t l4_mfn, unsigned long va, unsigned int *slot)
{
    u64 *t = hv_mfn_to_virt(l4_mfn);

    for (int level = 4; level > 1; level--) {
        u64 e = t[(va >> (12 + 9 * (level - 1))) & 511];

        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return INVALID_MFN;
        t = table_of(e);
    }
    *slot = (va >> 12) & 511;
    return hv_virt_to_mfn(t);
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

static long update_va_mapping_in(struct domain *d, mfn_t l4, unsigned long va,
                                 unsigned long pte, unsigned long flags)
{
    unsigned int slot;
    mfn_t l1;
    int rc;

    if (!guest_range_ok(va & PAGE_MASK, PAGE_SIZE))
        return -EINVAL;
    l1 = pv_find_l1(l4, va, &slot);
    if (l1 == INVALID_MFN || hv_frames.info[l1].owner != d->id ||
        hv_frames.info[l1].type != PGT_l1 || !hv_frames.info[l1].type_count)
        return -EINVAL;
    rc = pt_mod_entry(l1, slot, pte, 1, d, false);
    if (!rc)
        flush_after_update(va, flags);
    return rc;
}

long do_update_va_mapping(unsigned long va, unsigned long pte, unsigned long flags)
{
    struct vcpu *v = current;

    return update_va_mapping_in(v->domain, pv_current_cr3_mfn(v), va, pte, flags);
}

/* Privileged: change a mapping in another domain's current kernel page tables. */
long do_update_va_mapping_otherdomain(unsigned long va, unsigned long pte,
                                      unsigned long flags, unsigned long domid)
{
    struct domain *d;

    if (!current->domain->privileged)
        return -EPERM;
    d = domain_lookup_by_caller((domid_t)domid, current->domain);
    if (!d || !d->vcpus[0])
        return -ESRCH;
    return update_va_mapping_in(d, d->vcpus[0]->arch.cr3_kernel, va, pte, flags & ~UVMF_FLUSHTYPE_MASK);
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
