/*
 * The HVM domain builder: the domain's memory from the frame allocator
 * (owned by it, counted in tot_pages, given back by the same relinquish
 * steps as a PV domain's), a nested page table mapping guest-physical
 * [0, nr_pages << 12) onto those frames, the guest's image loaded at its
 * physical addresses, and vCPU 0 with its VMCB at the image's entry.
 *
 * The image is a small ELF32 (EM_386) of the project's own test guests,
 * started in 32-bit protected mode with paging off (vmcb.c), EBX = the
 * size of its memory in bytes. Firmware and real-mode starts are later
 * stages (docs/hvm.md).
 */
#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/hvm.h>
#include <asm/hvm_elf32.h>

_Static_assert(sizeof(struct hvm_vcpu) <= PAGE_SIZE, "hvm_vcpu: one page");
_Static_assert(sizeof(struct hvm_domain) <= PAGE_SIZE, "hvm_domain: one page");

static void hvm_wake(void *data)
{
    struct vcpu *v = data;

    v->arch.hvm->wake_pending = true;
    sched_wake(v);
}

int hvm_vcpu_init(struct vcpu *v)
{
    struct hvm_vcpu *h = hv_alloc_pages(1);

    if (!h || !(h->vmcb = hv_alloc_pages(1))) {
        hv_free_pages(h, 1);
        return -ENOMEM;
    }
    h->vmcb_pa = (u64)hv_virt_to_mfn(h->vmcb) << PAGE_SHIFT;
    h->last_cpu = -1;
    vmcb_init(h->vmcb, v->domain->hvm);
    /* HLT's wake-up (the test device's timer port); stopped with the domain's vCPUs. */
    timer_init(&v->singleshot_timer, hvm_wake, v);
    v->arch.hvm = h;
    vlapic_init(v);
    if (v->id == 0)
        vpit_init(v);                                 /* its timer wakes vCPU 0 */
    return 0;
}

/* One line of what the vCPU's exits were, by kind (the kinds that happened). */
static void hvm_log_exits(const struct vcpu *v, const struct hvm_vcpu *h)
{
    char buf[256];
    size_t n = 0;
    u64 total = 0;

    for (unsigned int k = 0; k < HVM_EXIT_KINDS; k++) {
        total += h->exits[k];
        if (h->exits[k] && n < sizeof(buf))
            n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %lu", hvm_exit_kind_name(k), h->exits[k]);
    }
    hv_info("d%u v%u: %lu exits:%s; %lu MMIO, %lu interrupts injected, %lu to ioreq servers\n",
            v->domain->id, v->id, total, n ? buf : " none", h->mmio_exits, h->irqs_injected,
            h->ioreq_exits);
}

void arch_vcpu_dump_counters(const struct vcpu *v)
{
    if (v->arch.hvm)
        hvm_log_exits(v, v->arch.hvm);
}

void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_vcpu *h = v->arch.hvm;

    if (!h)
        return;
    hvm_log_exits(v, h);
    if (v->id == 0)
        vpit_destroy(v->domain);                      /* its timer points at vCPU 0 */
    vlapic_destroy(v);
    hv_free_pages(h->vmcb, 1);
    hv_free_pages(h, 1);
    v->arch.hvm = NULL;
}

void hvm_domain_destroy(struct domain *d)
{
    if (!d->hvm)
        return;
    npt_destroy(&d->hvm->npt);
    hv_free_pages(d->hvm, 1);
    d->hvm = NULL;
}

/*
 * What every HVM domain has before its memory: the HVM state, an empty
 * nested page table, the platform devices. The boot builder and
 * createdomain (XEN_DOMCTL_CDF_hvm) both start here; -ENODEV without SVM.
 * On failure the caller destroys the domain (hvm_domain_destroy frees it).
 */
int arch_hvm_domain_create(struct domain *d)
{
    if (!svm_available())
        return -ENODEV;
    d->hvm = hv_alloc_pages(1);
    if (!d->hvm)
        return -ENOMEM;
    memset(d->hvm, 0, sizeof(*d->hvm));
    if (npt_init(&d->hvm->npt)) {
        hv_free_pages(d->hvm, 1);
        d->hvm = NULL;
        return -ENOMEM;
    }
    d->hvm->pm_timer_base_ns = hv_now();
    hvm_rtc_init(&d->hvm->rtc);
    vpic_init(d->hvm);
    vioapic_init(d->hvm);
    return 0;
}

/* The boot builder's frames (one run) and the nested page table mapping them. */
static int hvm_populate(struct domain *d, unsigned long nr_pages, mfn_t *base)
{
    unsigned long p2m_pages = ALIGN_UP(nr_pages * sizeof(mfn_t), PAGE_SIZE) / PAGE_SIZE;

    if (arch_hvm_domain_create(d))
        return -ENOMEM;
    *base = frame_alloc(&hv_frames, nr_pages, 1, d->id);
    d->p2m = *base == INVALID_MFN ? NULL : hv_alloc_pages(p2m_pages);
    if (!d->p2m) {
        if (*base != INVALID_MFN)
            frame_free(&hv_frames, *base, nr_pages);
        hv_err("d%u: no room for %lu MiB\n", d->id, nr_pages >> 8);
        return -ENOMEM;
    }
    d->nr_pages = d->tot_pages = d->max_pages = nr_pages;
    for (pfn_t pfn = 0; pfn < nr_pages; pfn++) {
        d->p2m[pfn] = *base + pfn;
        arch_m2p_set(*base + pfn, pfn);
        if (npt_map(&d->hvm->npt, (u64)pfn << PAGE_SHIFT, *base + pfn))
            return -ENOMEM;
    }
    return 0;
}

int hvm_build_domain(struct domain *d, const struct domain_spec *spec)
{
    const char *why;
    struct vcpu *v;
    mfn_t base;
    u32 entry;

    if (!svm_available()) {
        hv_err("d%u: HVM domain refused: no SVM with nested paging on this machine\n", d->id);
        return -ENODEV;
    }
    if (spec->nr_pages > hv_frames.nr_free || spec->nr_pages < 1) {
        hv_err("d%u: no room for %lu MiB\n", d->id, spec->nr_pages >> 8);
        return -ENOMEM;
    }
    if (hvm_populate(d, spec->nr_pages, &base))
        return -ENOMEM;
    memset(hv_mfn_to_virt(base), 0, spec->nr_pages << PAGE_SHIFT);
    why = elf32_load(spec->kernel, spec->kernel_len, hv_mfn_to_virt(base),
                     spec->nr_pages << PAGE_SHIFT, &entry);
    if (why) {
        hv_err("d%u: cannot load HVM guest: %s\n", d->id, why);
        return -EINVAL;
    }
    if (!(v = vcpu_create(d, 0)))
        return -ENOMEM;
    vmcb_set_entry(v->arch.hvm->vmcb, entry);
    v->arch.hvm->gprs.rbx = spec->nr_pages << PAGE_SHIFT;
    hv_info("d%u: HVM guest (SVM, NPT), %lu MiB at mfn %lx, entry %x, %lu NPT tables\n", d->id,
            spec->nr_pages >> 8, base, entry,
            d->hvm->npt.nr_tables);
    return 0;
}
