/*
 * Guest descriptor tables: set_gdt and update_descriptor. Every descriptor
 * is validated (code/data only, DPL raised to 3, no system descriptors) and
 * the hypervisor keeps its own validated copy, which is what the CPU uses:
 * a later write by the guest to its frame changes nothing until it goes
 * through update_descriptor.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/layout.h>
#include <asm/page_type.h>
#include <asm/desc.h>

#define DESC_P     (1ULL << 47)
#define DESC_S     (1ULL << 44)
#define DESC_DPL3  (3ULL << 45)
#define GDT_MAX_FRAMES 14                            /* FIRST_RESERVED_GDT_PAGE */

/* Returns false for descriptors a guest may not have; fixes up DPL otherwise. */
bool pv_check_descriptor(u64 *desc)
{
    if (!(*desc & DESC_P))
        return true;                                 /* cannot be loaded: harmless */
    if (!(*desc & DESC_S))
        return false;                                /* LDT, TSS, gates: not for guests */
    *desc |= DESC_DPL3;                              /* the guest kernel runs at CPL 3 */
    return true;
}

void pv_gdt_free(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;

    for (unsigned int i = 0; i < a->gdt_nr_frames; i++)
        page_put_and_type(a->gdt_frames[i]);

    if (a->gdt_shadow)
        hv_free_pages(a->gdt_shadow, a->gdt_nr_frames);
    a->gdt_shadow = NULL;
    a->gdt_ents = a->gdt_nr_frames = 0;
}

/* Takes the descriptor-page type on every frame (none may be writable), then copies. */
static int load_frames(struct domain *d, const mfn_t *frames, unsigned int nr,
                       unsigned int ents, u64 *shadow)
{
    for (unsigned int i = 0; i < nr; i++) {
        if (!frame_valid(&hv_frames, frames[i]) ||
            page_get_and_type(frames[i], PGT_seg_desc, d)) {
            while (i--)
                page_put_and_type(frames[i]);
            return -EINVAL;
        }
        memcpy(shadow + i * 512, hv_mfn_to_virt(frames[i]), PAGE_SIZE);
    }
    for (unsigned int e = 0; e < ents; e++) {
        if (!pv_check_descriptor(&shadow[e])) {
            for (unsigned int i = 0; i < nr; i++)
                page_put_and_type(frames[i]);
            return -EINVAL;
        }
    }
    memset(shadow + ents, 0, (nr * 512 - ents) * sizeof(u64));
    return 0;
}

/*
 * The GDT of v (current, or one not running: VCPUOP_initialise) from the
 * guest's frames, each typed as descriptor page and every entry checked.
 */
int pv_gdt_install(struct vcpu *v, const mfn_t *frames, unsigned int entries)
{
    unsigned int nr = ALIGN_UP(entries, 512) / 512;
    u64 *shadow;
    int rc;

    if (entries > HV_FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    shadow = nr ? hv_alloc_pages(nr) : NULL;
    if (nr && !shadow)
        return -ENOMEM;
    rc = nr ? load_frames(v->domain, frames, nr, entries, shadow) : 0;
    if (rc) {
        hv_free_pages(shadow, nr);
        return rc;
    }
    pv_gdt_free(v);
    v->arch.gdt_shadow = shadow;
    v->arch.gdt_ents = entries;
    v->arch.gdt_nr_frames = nr;
    memcpy(v->arch.gdt_frames, frames, nr * sizeof(mfn_t));
    if (v == current)
        cpu_load_guest_gdt(shadow, entries);
    return 0;
}

long do_set_gdt(guest_handle_t frame_list, unsigned int entries)
{
    unsigned int nr = ALIGN_UP(entries, 512) / 512;
    mfn_t frames[GDT_MAX_FRAMES];

    if (entries > HV_FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    if (copy_from_handle(frames, frame_list, nr * sizeof(mfn_t)))
        return -EFAULT;
    return pv_gdt_install(current, frames, entries);
}

/* Keeps every vCPU's validated copy in step with a changed descriptor. */
static void update_shadows(struct domain *d, mfn_t mfn, unsigned int idx, u64 desc)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct arch_vcpu *a = d->vcpus[i] ? &d->vcpus[i]->arch : NULL;

        for (unsigned int f = 0; a && f < a->gdt_nr_frames; f++) {
            unsigned int e = f * 512 + idx;

            if (a->gdt_frames[f] == mfn && e < a->gdt_ents)
                a->gdt_shadow[e] = desc;
        }
        for (unsigned int f = 0; a && f < a->ldt_nr_frames; f++) {
            unsigned int e = f * 512 + idx;

            if (a->ldt_frames[f] == mfn && e < a->ldt_ents)
                a->ldt_shadow[e] = desc;
        }
    }
    if (current && current->domain == d) {
        cpu_load_guest_gdt(current->arch.gdt_shadow, current->arch.gdt_ents);
        cpu_load_ldt(current->arch.ldt_shadow, current->arch.ldt_ents);
    }
}

long do_update_descriptor(u64 maddr, u64 desc)
{
    struct domain *d = current->domain;
    mfn_t mfn = maddr >> PAGE_SHIFT;
    u64 val = desc;

    struct frame_info *f;

    if ((maddr & 7) || !frame_valid(&hv_frames, mfn) || frame_owner(&hv_frames, mfn) != d->id)
        return -EINVAL;
    f = &hv_frames.info[mfn];
    if ((f->flags & FRAME_F_XENHEAP) || !pv_check_descriptor(&val))
        return -EINVAL;
    page_type_lock(d);                                /* the type stays what the write was checked against */
    /* A descriptor page, or a page that could be writable: never a page table. */
    if (!(f->type_count && f->type == PGT_seg_desc)) {
        if (page_get_type(mfn, PGT_writable, d)) {
            page_type_unlock(d);
            return -EINVAL;
        }
        page_put_type(mfn);
    }
    ((u64 *)hv_mfn_to_virt(mfn))[(maddr & ~PAGE_MASK) / 8] = val;
    page_type_unlock(d);
    update_shadows(d, mfn, (maddr & ~PAGE_MASK) / 8, val);
    return 0;
}
