/*
 * The PV domain builder: lays a guest kernel out as Xen's start-of-day
 * contract says (xen/xen.h): one virtual region at VIRT_BASE mapped 1:1 onto
 * pfns from 0 holding the kernel, the p2m list, start_info, the xenstore and
 * console pages, the bootstrap page tables (mapped read-only) and a stack,
 * padded to a 4 MiB boundary with at least 512 KiB to spare.
 */
#include <hv/errno.h>
#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/elf.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/lib.h>
#include <asm/layout.h>
#include <asm/page_type.h>
#include <asm/pv.h>
#include <asm/pv_layout.h>
#include <asm/page.h>
#include <asm/boot.h>
#include <asm/hvm.h>

#define PTE_GUEST (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

struct load_ctx {
    u8 *base;                                        /* direct-map view of pfn 0 */
    u64 size;                                        /* the domain's memory, bytes */
    u64 paddr_offset;
    u64 zeroed_to;                                   /* everything below is zeroed or loaded */
};

/*
 * Loads one segment. A domain's memory must start zeroed, but zeroing the
 * bytes a segment then overwrites is wasted (it is most of the build time
 * under TCG): only the gaps below each segment are cleared here.
 */
static int load_segment(void *ctx, u64 paddr, const void *data, u64 filesz, u64 memsz)
{
    struct load_ctx *c = ctx;
    u64 off = paddr - c->paddr_offset;
    u8 *dst = c->base + off;

    /* elf_guest_parse bounded the image and the layout made room for it:
     * this only holds the line should either ever be wrong. */
    if (paddr < c->paddr_offset || off > c->size || memsz > c->size - off || filesz > memsz)
        return -EINVAL;
    if (off > c->zeroed_to)
        memset(c->base + c->zeroed_to, 0, off - c->zeroed_to);
    memcpy(dst, data, filesz);
    memset(dst + filesz, 0, memsz - filesz);
    c->zeroed_to = MAX(c->zeroed_to, off + memsz);
    return 0;
}

static void build_page_tables(struct domain *d, const struct pv_layout *l, mfn_t base)
{
    u64 *l4 = hv_mfn_to_virt(base + l->pt), *l3 = l4 + 512, *l2 = l3 + 512, *l1 = l2 + 512;
    u64 va0 = ALIGN_DOWN(l->v_start, 1UL << 21);

    mm_install_hv_slots(l4);
    l4[(l->v_start >> 39) & 511] = ((base + l->pt + 1) << PAGE_SHIFT) | PTE_GUEST;
    l3[(l->v_start >> 30) & 511] = ((base + l->pt + 2) << PAGE_SHIFT) | PTE_GUEST;
    for (pfn_t i = 0; i < l->nr_pt - 3; i++)
        l2[((va0 >> 21) & 511) + i] = ((base + l->pt + 3 + i) << PAGE_SHIFT) | PTE_GUEST;
    for (pfn_t pfn = 0; pfn < (l->v_end - l->v_start) >> PAGE_SHIFT; pfn++) {
        u64 pte = ((base + pfn) << PAGE_SHIFT) | PTE_GUEST;

        if (pfn >= l->pt && pfn < l->pt + l->nr_pt)
            pte &= ~_PAGE_RW;                        /* page tables: read-only to the guest */
        l1[((l->v_start - va0) >> PAGE_SHIFT) + pfn] = pte;
    }
    (void)d;
}

/* As Xen's builder: the bootstrap L4 is pinned and is vCPU 0's base pointer. */
static int type_page_tables(struct domain *d, mfn_t l4)
{
    int rc = page_pin(l4, PGT_l4, d);

    if (rc)
        return rc;
    return page_get_and_type(l4, PGT_l4, d);
}

static void fill_start_info(struct domain *d, const struct pv_layout *l, mfn_t base,
                            const struct domain_spec *spec)
{
    unsigned long nr_pages = spec->nr_pages;
    const char *cmdline = spec->cmdline;
    start_info_t *si = hv_mfn_to_virt(base + l->start_info);

    memcpy(si->magic, "xen-3.0-x86_64", 15);
    si->nr_pages = nr_pages;
    si->shared_info = d->shared_info_mfn << PAGE_SHIFT;
    si->flags = d->privileged ? (SIF_PRIVILEGED | SIF_INITDOMAIN) : 0;
    if (!d->privileged) {
        si->store_mfn = base + l->xenstore;
        si->store_evtchn = spec->store_port;
        si->console.domU.mfn = base + l->console;
        si->console.domU.evtchn = spec->console_port;
    }
    /*
     * The initial domain: store 0/0 makes its xenbus local (it will host
     * xenstored); console.dom0 info_off/info_size 0 = no VGA information
     * (Linux then assumes a VGA text console: dom0 needs console=hvc0).
     */
    si->pt_base = l->v_start + (l->pt << PAGE_SHIFT);
    si->nr_pt_frames = l->nr_pt;
    si->mfn_list = l->v_start + (l->p2m << PAGE_SHIFT);
    if (spec->initrd_len) {
        si->mod_start = l->v_start + (l->initrd << PAGE_SHIFT);
        si->mod_len = spec->initrd_len;
    }
    memcpy(si->cmd_line, cmdline, strnlen(cmdline, sizeof(si->cmd_line) - 1));
}

static void setup_vcpu0(struct vcpu *v, const struct elf_guest_info *e,
                        const struct pv_layout *l, mfn_t base)
{
    struct cpu_user_regs *r = v->arch.regs;

    r->rip = e->entry;
    r->rsp = l->v_start + ((l->stack + 1) << PAGE_SHIFT);
    r->rsi = l->v_start + (l->start_info << PAGE_SHIFT);
    v->arch.cr3_kernel = base + l->pt;
    v->arch.kernel_ss = FLAT_KERNEL_SS;
    v->arch.kernel_sp = r->rsp;
    v->vcpu_info->evtchn_upcall_mask = 1;
}

static int no_room(const struct domain *d, unsigned long nr_pages)
{
    hv_err("d%u: no room for %lu MiB (%lu MiB free)\n", d->id, nr_pages >> 8,
           hv_frames.nr_free >> 8);
    return -ENOMEM;
}

static int populate(struct domain *d, unsigned long nr_pages, mfn_t *base)
{
    unsigned long p2m_pages = ALIGN_UP(nr_pages * sizeof(mfn_t), PAGE_SIZE) / PAGE_SIZE;

    *base = frame_alloc(&hv_frames, nr_pages, 1, d->id);
    d->p2m = *base == INVALID_MFN ? NULL : hv_alloc_pages(p2m_pages);
    if (!d->p2m) {
        if (*base != INVALID_MFN)
            frame_free(&hv_frames, *base, nr_pages);
        return no_room(d, nr_pages);
    }
    d->nr_pages = d->tot_pages = d->max_pages = nr_pages;
    for (pfn_t pfn = 0; pfn < nr_pages; pfn++) {
        d->p2m[pfn] = *base + pfn;
        hv_m2p[*base + pfn] = pfn;
    }
    return 0;
}

int pv_build_domain(struct domain *d, const struct domain_spec *spec)
{
    struct elf_guest_info e;
    struct pv_layout l;
    struct load_ctx ctx;
    const char *why = "";
    mfn_t base;
    struct vcpu *v;

    if (elf_guest_parse(spec->kernel, spec->kernel_len, &e, &why)) {
        hv_err("d%u: cannot load kernel: %s\n", d->id, why);
        return -EINVAL;
    }
    /* Before the layout: its arithmetic assumes a size that can exist. */
    if (spec->nr_pages > hv_frames.nr_free)
        return no_room(d, spec->nr_pages);
    if (pv_layout_compute(e.virt_base, e.vend, spec->nr_pages, spec->initrd_len, &l)) {
        hv_err("d%u: kernel and initrd do not fit in %lu MiB\n", d->id, spec->nr_pages >> 8);
        return -ENOMEM;
    }
    if (populate(d, spec->nr_pages, &base) || !(v = vcpu_create(d, 0)))
        return -ENOMEM;
    ctx = (struct load_ctx){ hv_mfn_to_virt(base), spec->nr_pages << PAGE_SHIFT, e.paddr_offset, 0 };
    if (elf_for_each_load(spec->kernel, spec->kernel_len, load_segment, &ctx)) {
        hv_err("d%u: cannot load kernel: a segment lies outside its memory\n", d->id);
        return -EINVAL;
    }
    memset(ctx.base + ctx.zeroed_to, 0, (spec->nr_pages << PAGE_SHIFT) - ctx.zeroed_to);
    memcpy(ctx.base + (l.initrd << PAGE_SHIFT), spec->initrd, spec->initrd_len);
    memcpy(hv_mfn_to_virt(base + l.p2m), d->p2m, spec->nr_pages * sizeof(mfn_t));
    build_page_tables(d, &l, base);
    if (type_page_tables(d, base + l.pt)) {
        hv_err("d%u: bootstrap page tables do not validate\n", d->id);
        return -EINVAL;
    }
    fill_start_info(d, &l, base, spec);
    if (spec->console_port && console_ring_map(d, base + l.console))
        return -EINVAL;
    if (spec->store_port)                            /* dom0's xenstored maps it by grant */
        grant_seed_reserved(d, GNTTAB_RESERVED_XENSTORE, 0, base + l.xenstore);
    if (e.hypercall_page != ELF_NOTE_UNSET && e.hypercall_page >= l.v_start &&
        e.hypercall_page < e.vend)
        pv_fill_hypercall_page(ctx.base + ((e.hypercall_page - l.v_start) & PAGE_MASK));
    setup_vcpu0(v, &e, &l, base);
    hv_info("d%u: %s kernel, %lu MiB at mfn %lx, entry %lx, region %lx-%lx%s\n", d->id,
            e.guest_os[0] ? e.guest_os : "PV", spec->nr_pages >> 8, base, e.entry, l.v_start,
            l.v_end, spec->initrd_len ? ", with initrd" : "");
    return 0;
}

/* The domain's frames are back already (arch_domain_relinquish, in steps). */
void arch_domain_destroy(struct domain *d)
{
    hvm_domain_destroy(d);                           /* its nested page table (NULL-safe) */
    hv_free_pages(d->p2m, ALIGN_UP(d->nr_pages * sizeof(mfn_t), PAGE_SIZE) / PAGE_SIZE);
    d->p2m = NULL;
}
