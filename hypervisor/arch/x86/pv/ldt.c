/*
 * MMUEXT_SET_LDT: the guest names its LDT by virtual address. Its pages take
 * the descriptor-page type (so no writable mapping of them can exist and
 * every change goes through update_descriptor), every descriptor is
 * validated, and the CPU uses the hypervisor's validated copy, installed as
 * the LDT descriptor in our GDT on every switch to the vCPU. As in Xen, whose
 * LDT is mapped lazily, naming pages that cannot be used (writable, not
 * mapped, bad descriptors) is not an error of SET_LDT itself: the LDT is
 * then empty and any selector into it faults.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/page_type.h>
#include <asm/page.h>
#include <asm/desc.h>
#include <asm/pv.h>

#define LDT_MAX_ENTS 8192

void pv_ldt_free(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;

    for (unsigned int i = 0; i < a->ldt_nr_frames; i++)
        page_put_and_type(a->ldt_frames[i]);
    if (a->ldt_shadow)
        hv_free_pages(a->ldt_shadow, a->ldt_shadow_pages);
    a->ldt_shadow = NULL;
    a->ldt_ents = a->ldt_nr_frames = a->ldt_shadow_pages = 0;
}

/* The frame behind one page of the guest's LDT, typed as a descriptor page. */
static mfn_t ldt_frame(struct vcpu *v, unsigned long va)
{
    unsigned int slot;
    mfn_t l1 = pv_find_l1(pv_current_cr3_mfn(v), va, &slot), mfn;
    u64 pte;

    if (l1 == INVALID_MFN)
        return INVALID_MFN;
    pte = ((u64 *)hv_mfn_to_virt(l1))[slot];
    mfn = (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
    if (!(pte & _PAGE_PRESENT) || !frame_valid(&hv_frames, mfn) ||
        page_get_and_type(mfn, PGT_seg_desc, v->domain))
        return INVALID_MFN;
    return mfn;
}

static int ldt_load(struct vcpu *v, unsigned long base, unsigned int ents)
{
    struct arch_vcpu *a = &v->arch;
    unsigned int nr = ALIGN_UP(ents * 8, PAGE_SIZE) / PAGE_SIZE;

    a->ldt_shadow = hv_alloc_pages(nr);
    if (!a->ldt_shadow)
        return -ENOMEM;
    a->ldt_shadow_pages = nr;
    for (; a->ldt_nr_frames < nr; a->ldt_nr_frames++) {
        mfn_t mfn = ldt_frame(v, base + a->ldt_nr_frames * PAGE_SIZE);

        if (mfn == INVALID_MFN)
            return -EINVAL;
        a->ldt_frames[a->ldt_nr_frames] = mfn;
        memcpy(a->ldt_shadow + a->ldt_nr_frames * 512, hv_mfn_to_virt(mfn), PAGE_SIZE);
    }
    for (unsigned int e = 0; e < ents; e++)
        if (!pv_check_descriptor(&a->ldt_shadow[e]))
            return -EINVAL;
    memset(a->ldt_shadow + ents, 0, (nr * 512 - ents) * 8);
    a->ldt_ents = ents;
    return 0;
}

int pv_set_ldt(struct vcpu *v, unsigned long base, unsigned long nr_ents)
{
    int rc = 0;

    if ((base & ~PAGE_MASK) || nr_ents > LDT_MAX_ENTS || !guest_range_ok(base, nr_ents * 8))
        return -EINVAL;
    pv_ldt_free(v);
    if (nr_ents) {
        rc = ldt_load(v, base, (unsigned int)nr_ents);
        if (rc)
            pv_ldt_free(v);                          /* unusable: an empty LDT */
        rc = rc == -ENOMEM ? rc : 0;
    }
    if (v == current)
        cpu_load_ldt(v->arch.ldt_shadow, v->arch.ldt_ents);
    return rc;
}
