/*
 * update_va_mapping: change the L1 entry that maps one virtual address in
 * the current page tables, validated like any other page-table update; and
 * the x86 memory_op sub-ops.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/tlb_mask.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/boot.h>
#include <asm/pv.h>
#include <asm/e820.h>
#include <asm/page_type.h>

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

/*
 * The flush after a successful update. Bits above the flush type are UVMF_LOCAL
 * (0), UVMF_ALL, or a pointer to a vCPU bitmap, which Xen reads after the entry
 * was written: a bad pointer is -EFAULT with the new entry in place.
 */
static long flush_after_update(struct domain *d, unsigned long va, unsigned long flags)
{
    unsigned long mask = flags & ~(unsigned long)UVMF_FLUSHTYPE_MASK;
    cpumask_t m = cpumask_of(smp_processor_id());
    u64 vcpus;

    if (!(flags & UVMF_FLUSHTYPE_MASK))
        return 0;
    if (mask == UVMF_ALL) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        m = cpumask_read_atomic(&d->dirty_cpumask);
        cpumask_set(&m, smp_processor_id());
    } else if (mask != UVMF_LOCAL) {
        if (pv_read_vcpumask(d, mask, &vcpus))
            return -EFAULT;
        m = tlb_mask_of_vcpus(d, vcpus);
    }
    pv_flush_tlb_cpus(&m, (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG, va);
    return 0;
}

/* The L1 entry mapping va in the caller's current tables, mapping a frame of pg_owner. */
static long update_va_mapping_in(struct vcpu *v, unsigned long va, unsigned long pte,
                                 unsigned long flags, domid_t pg_owner)
{
    struct domain *d = v->domain;
    unsigned int slot;
    mfn_t l1;
    int rc;

    if (!guest_range_ok(va & PAGE_MASK, PAGE_SIZE))
        return -EINVAL;
    page_type_lock(d);                                /* the walk and the L1's type hold until written */
    l1 = pv_find_l1(pv_current_cr3_mfn(v), va, &slot);
    if (l1 == INVALID_MFN || hv_frames.info[l1].owner != d->id ||
        hv_frames.info[l1].type != PGT_l1 || !hv_frames.info[l1].type_count)
        rc = -EINVAL;
    else
        rc = pt_mod_entry_foreign(l1, slot, pte, 1, d, pg_owner, false);
    page_type_unlock(d);
    if (rc)
        return rc;
    return flush_after_update(d, va, flags);
}

long do_update_va_mapping(unsigned long va, u64 pte, unsigned long flags)
{
    return update_va_mapping_in(current, va, pte, flags, current->domain->id);
}

/*
 * As Xen: the caller's own mapping of va is changed, to a frame of another
 * domain (pg_owner). Own numeric id or an unknown one = -ESRCH; mapping a frame
 * of a domain the caller has no rights on = -EPERM (Xen's xsm_update_va_mapping).
 */
long do_update_va_mapping_otherdomain(unsigned long va, u64 pte, unsigned long flags,
                                      domid_t domid)
{
    struct domain *pgd;
    domid_t pg_owner;
    long rc = pv_pg_owner(domid, &pgd, &pg_owner);

    if (rc)
        return rc;
    if ((pte & _PAGE_PRESENT) && pgd != current->domain && !current->domain->privileged)
        rc = -EPERM;
    else if (!(rc = pv_translate_foreign_l1(pgd, &pte)))
        rc = update_va_mapping_in(current, va, pte, flags, pg_owner);
    if (pgd)
        put_domain(pgd);
    return rc;
}

/*
 * XENMEM_machphys_mfn_list, as Xen answers a 64-bit PV guest: one mfn per 2 MiB
 * of the M2P (the first frame of each chunk), at most max_extents of them; the
 * count goes back in max_extents. Our M2P is physically contiguous.
 */
static long machphys_mfn_list(guest_handle_t arg)
{
    struct xen_machphys_mfn_list ml;
    unsigned long pages = ALIGN_UP(hv_m2p_entries * sizeof(u64), PAGE_SIZE) >> PAGE_SHIFT;
    mfn_t first = hv_virt_to_mfn(hv_m2p);
    unsigned int i;

    if (copy_from_handle(&ml, arg, sizeof(ml)))
        return -EFAULT;
    for (i = 0; i < ml.max_extents && (unsigned long)i * 512 < pages; i++) {
        xen_pfn_t mfn = first + (unsigned long)i * 512;

        if (copy_to_handle_offset(guest_handle_from_field(ml.extent_start), i, &mfn, sizeof(mfn)))
            return -EFAULT;
    }
    ml.max_extents = i;
    return copy_to_handle(arg, &ml, sizeof(ml));
}

/*
 * XENMEM_add_to_physmap (e.g. XENMAPSPACE_grant_table, with or without
 * XENMAPIDX_grant_table_status) is for translated guests only: a PV guest
 * gets Xen's -EACCES (grant and status frames come by setup_table and
 * get_status_frames), after the checks Xen makes first.
 */
static long add_to_physmap(guest_handle_t arg)
{
    struct xen_add_to_physmap xatp;
    struct domain *d;

    if (copy_from_handle(&xatp, arg, sizeof(xatp)))
        return -EFAULT;
    if (xatp.space == XENMAPSPACE_gmfn_foreign)
        return -ENOSYS;                              /* only through add_to_physmap_batch */
    if (!(d = domain_lookup_by_caller(xatp.domid, current->domain)))
        return -ESRCH;
    put_domain(d);
    return -EACCES;
}

/* The x86 memory_op sub-ops: where guests find the read-only M2P. */
long arch_memory_op(unsigned long cmd, guest_handle_t arg)
{
    struct xen_machphys_mapping m;

    switch (cmd) {
    case XENMEM_machphys_mapping:
        m.v_start = MACH2PHYS_VIRT_START;
        m.v_end = MACH2PHYS_VIRT_START + hv_m2p_entries * sizeof(unsigned long);
        m.max_mfn = hv_m2p_entries - 1;
        return copy_to_handle(arg, &m, sizeof(m));
    case XENMEM_machphys_mfn_list:
        return machphys_mfn_list(arg);
    case XENMEM_add_to_physmap:
        return add_to_physmap(arg);
    case XENMEM_machine_memory_map:
        return pv_machine_memory_map(arg);
    default:
        return -ENOSYS;
    }
}
