/*
 * build.c: the PV domain builder's sequence (build.h). The order is Xen's
 * (libxenguest's xc_dom_*), the code is ours: check the kernel and the
 * layout first, then createdomain, max_mem, max_vcpus, populate_physmap,
 * two event channels for the console and xenstore, the bootstrap region
 * mapped with xenforeignmemory and written (kernel, initrd, p2m,
 * start_info, page tables, hypercall page), unmapped, the grant table seeded and
 * upcalls masked in shared_info, the L4 pinned with a foreign mmuext_op, and vCPU
 * 0's context set. Anything that fails after
 * createdomain destroys the domain, which gives back every frame and port.
 */
#include "build.h"
#include "pvctl.h"
#include <asm/pv_layout.h>
#include "elf_guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenforeignmemory.h>
#include <xen/grant_table.h>
#include <xen/xen.h>

#define PTE_P   0x001ULL
#define PTE_RW  0x002ULL
#define PTE_US  0x004ULL
#define PTE_A   0x020ULL
#define PTE_D   0x040ULL
#define PTE_GUEST (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

struct build_ctx {
    const struct build_spec *s;
    struct elf_guest elf;
    struct pv_layout l;
    uint64_t nr_pages;
    xen_pfn_t *mfn;                   /* the p2m: pfn -> mfn */
    uint8_t *mem;                     /* the bootstrap region, mapped */
    uint64_t shared_info_mfn;
    struct build_result *r;
};

/* Prints why the create failed (with rc's text if rc < 0) and returns an errno. */
static int fail(int rc, const char *what)
{
    fprintf(stderr, "pvctl: create: %s%s%s\n", what, rc < 0 ? ": " : "",
            rc < 0 ? strerror(-rc) : "");
    return rc < 0 ? rc : -EINVAL;
}

static uint8_t *page(struct build_ctx *c, uint64_t pfn)
{
    return c->mem + (pfn << PV_PAGE_SHIFT);
}

/* Before any domain exists: the kernel, the layout and the free memory. */
static int check_spec(struct build_ctx *c)
{
    struct xen_sysctl_physinfo pi;
    const char *why = "";
    char msg[160];
    int rc;

    if (elf_guest_parse(&c->s->kernel, &c->elf, &why))
        return fail(0, why);
    c->nr_pages = c->s->memory_mb << 8;
    rc = ctl_physinfo(&pi);
    if (rc)
        return fail(rc, "physinfo");
    if (c->nr_pages > pi.free_pages) {
        snprintf(msg, sizeof(msg), "memory=%llu MiB but only %llu MiB is free",
                 (unsigned long long)c->s->memory_mb, (unsigned long long)(pi.free_pages >> 8));
        fail(0, msg);
        return -ENOMEM;
    }
    rc = pv_layout_compute(c->elf.virt_base, c->elf.vend, c->nr_pages, c->s->initrd.len, &c->l);
    if (rc) {
        snprintf(msg, sizeof(msg), "the kernel and initrd do not fit in memory=%llu (MiB)",
                 (unsigned long long)c->s->memory_mb);
        return fail(0, msg);
    }
    return 0;
}

/* createdomain ... populate_physmap: a paused domain with its memory. */
static int make_domain(struct build_ctx *c)
{
    pv_dominfo_t info;
    long got;
    int rc;

    pvctl_step("kernel checked");
    rc = ctl_createdomain(0, c->s->vcpus, c->s->handle, &c->r->dom);
    if (rc)
        return fail(rc, "createdomain");
    if ((rc = ctl_max_mem(c->r->dom, c->nr_pages << 2)))
        return fail(rc, "max_mem");
    if ((rc = ctl_max_vcpus(c->r->dom, c->s->vcpus)))
        return fail(rc, "max_vcpus");
    c->mfn = calloc(c->nr_pages, sizeof(*c->mfn));
    if (!c->mfn)
        return fail(-ENOMEM, "the p2m");
    pvctl_step("createdomain, max_mem, max_vcpus");
    got = ctl_populate(c->r->dom, 0, c->nr_pages, c->mfn);
    if (got != (long)c->nr_pages)
        return fail(got < 0 ? (int)got : -ENOMEM, "populate_physmap gave fewer frames than memory=");
    pvctl_step("populate_physmap");
    if ((rc = ctl_getdomaininfo(c->r->dom, &info)) || info.domain != c->r->dom)
        return fail(rc ? rc : -ESRCH, "getdomaininfo of the new domain");
    c->shared_info_mfn = info.shared_info_frame;
    if ((rc = ctl_alloc_unbound(c->r->dom, 0, &c->r->console_port)) ||
        (rc = ctl_alloc_unbound(c->r->dom, 0, &c->r->store_port)))
        return fail(rc, "evtchn alloc_unbound for the console and xenstore");
    c->r->console_mfn = c->mfn[c->l.console];
    c->r->store_mfn = c->mfn[c->l.xenstore];
    return 0;
}

/* L4, L3, L2 and one L1 per 2 MiB map the region; the tables themselves read-only. */
static void write_page_tables(struct build_ctx *c)
{
    const struct pv_layout *l = &c->l;
    uint64_t *l4 = (uint64_t *)page(c, l->pt), *l3 = (uint64_t *)page(c, l->pt + 1);
    uint64_t *l2 = (uint64_t *)page(c, l->pt + 2), *l1 = (uint64_t *)page(c, l->pt + 3);
    uint64_t va0 = l->v_start & ~((1ULL << 21) - 1);

    l4[(l->v_start >> 39) & 511] = (c->mfn[l->pt + 1] << PV_PAGE_SHIFT) | PTE_GUEST;
    l3[(l->v_start >> 30) & 511] = (c->mfn[l->pt + 2] << PV_PAGE_SHIFT) | PTE_GUEST;
    for (uint64_t i = 0; i < l->nr_pt - 3; i++)
        l2[((va0 >> 21) & 511) + i] = (c->mfn[l->pt + 3 + i] << PV_PAGE_SHIFT) | PTE_GUEST;
    for (uint64_t pfn = 0; pfn < pv_layout_pages(l); pfn++) {
        uint64_t pte = (c->mfn[pfn] << PV_PAGE_SHIFT) | PTE_GUEST;

        if (pfn >= l->pt && pfn < l->pt + l->nr_pt)
            pte &= ~PTE_RW;                          /* page tables: read-only to the guest */
        l1[((l->v_start - va0) >> PV_PAGE_SHIFT) + pfn] = pte;
    }
}

/* The 64-bit PV stubs: push rcx; push r11; mov $nr,%eax; syscall; pop r11; pop rcx; ret. */
static void write_hypercall_page(uint8_t *p)
{
    memset(p, 0xcc, PV_PAGE_SIZE);
    for (unsigned int i = 0; i < PV_PAGE_SIZE / 32; i++) {
        const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05,
                                 0x41, 0x5b, 0x59, 0xc3 };
        const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05 };

        if (i == __HYPERVISOR_iret)
            memcpy(p + i * 32, iret, sizeof(iret));
        else
            memcpy(p + i * 32, stub, sizeof(stub));
    }
}

static void write_start_info(struct build_ctx *c)
{
    const struct pv_layout *l = &c->l;
    start_info_t *si = (start_info_t *)page(c, l->start_info);
    const char *cmdline = c->s->cmdline ? c->s->cmdline : "";

    memcpy(si->magic, "xen-3.0-x86_64", 15);
    si->nr_pages = c->nr_pages;
    si->shared_info = c->shared_info_mfn << PV_PAGE_SHIFT;
    si->flags = 0;
    si->store_mfn = c->r->store_mfn;
    /*
     * Without a xenstored, port 0: Linux then treats xenstore as local and
     * waits for one (XS_LOCAL), as with the hypervisor's boot-time domUs;
     * with a port it would probe its devices at boot and wait for a reply
     * that never comes.
     */
    si->store_evtchn = c->s->xenstored ? c->r->store_port : 0;
    si->console.domU.mfn = c->r->console_mfn;
    si->console.domU.evtchn = c->r->console_port;
    si->pt_base = l->v_start + (l->pt << PV_PAGE_SHIFT);
    si->nr_pt_frames = l->nr_pt;
    si->mfn_list = l->v_start + (l->p2m << PV_PAGE_SHIFT);
    if (c->s->initrd.len) {
        si->mod_start = l->v_start + (l->initrd << PV_PAGE_SHIFT);
        si->mod_len = c->s->initrd.len;
    }
    strncpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line) - 1);
}

/* Everything the guest finds at start of day, written through a foreign mapping. */
static int write_region(struct build_ctx *c, xenforeignmemory_handle *fm)
{
    uint64_t n = pv_layout_pages(&c->l);
    const char *why = "";
    int *err = calloc(n, sizeof(int)), rc = 0;

    if (!err)
        return fail(-ENOMEM, "mapping");
    c->mem = xenforeignmemory_map(fm, c->r->dom, PROT_READ | PROT_WRITE, n, c->mfn, err);
    for (uint64_t i = 0; c->mem && i < n && !rc; i++)
        rc = err[i];
    free(err);
    if (!c->mem || rc)
        return fail(c->mem ? rc : -errno, "mapping the new domain's frames (xenforeignmemory_map)");
    pvctl_step("its frames mapped");
    if (elf_guest_load(&c->s->kernel, &c->elf, c->mem, n << PV_PAGE_SHIFT, &why))
        return fail(0, why);
    memcpy(page(c, c->l.initrd), c->s->initrd.data, c->s->initrd.len);
    memcpy(page(c, c->l.p2m), c->mfn, c->nr_pages * sizeof(*c->mfn));
    write_page_tables(c);
    write_start_info(c);
    if (c->elf.hypercall_page != ELF_NOTE_UNSET && c->elf.hypercall_page >= c->l.v_start &&
        c->elf.hypercall_page < c->elf.vend)
        write_hypercall_page(page(c, (c->elf.hypercall_page - c->l.v_start) >> PV_PAGE_SHIFT));
    pvctl_step("kernel, initrd, p2m, tables written");
    return 0;
}

/*
 * The reserved grant entries, as libxenguest's xc_dom_gnttab_seed when
 * XENMEM_acquire_resource answers -EOPNOTSUPP (as it does here):
 * GNTTABOP_setup_table on the new domain gives its frame 0, mapped like
 * its memory; entry 0 grants dom0 the console page, entry 1 the xenstore
 * page, so back ends map them through gntdev. A failure is not fatal:
 * the back ends fall back on a foreign mapping of the MFNs in xenstore.
 */
static void seed_grants(struct build_ctx *c, xenforeignmemory_handle *fm)
{
    xen_pfn_t mfn;
    grant_entry_v1_t *g;
    int err = 0, rc = ctl_gnttab_frame0(c->r->dom, &mfn);

    if (rc) {
        fprintf(stderr, "pvctl: create: warning: grant table not seeded (setup_table: %s)\n", strerror(-rc));
        return;
    }
    g = xenforeignmemory_map(fm, c->r->dom, PROT_READ | PROT_WRITE, 1, &mfn, &err);
    if (!g || err) {
        fprintf(stderr, "pvctl: create: warning: grant table not seeded (mapping its frame: %s)\n",
                strerror(g ? -err : errno));
        if (g)
            xenforeignmemory_unmap(fm, g, 1);
        return;
    }
    g[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){ .domid = 0, .frame = (uint32_t)c->r->console_mfn };
    g[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){ .domid = 0, .frame = (uint32_t)c->r->store_mfn };
    __atomic_thread_fence(__ATOMIC_RELEASE);                 /* the frame before the flag */
    g[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
    g[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    xenforeignmemory_unmap(fm, g, 1);
    c->r->grants_seeded = 1;
}

/*
 * Every vCPU starts with event upcalls masked, as libxenguest's builder leaves them
 * (shared_info_x86_64 sets evtchn_upcall_mask in each legacy vcpu_info): the real Xen
 * does not mask them itself, and Linux takes events only once it can (its IRQ stacks).
 * Without this, Linux on the real Xen 4.17 took an upcall in xen_vcpu_setup, before its
 * IRQ stack was mapped, and died ("Attempted to kill the idle task!"). Our hypervisor
 * masks at setvcpucontext as well, so a failure here is only a warning.
 */
static void mask_upcalls(struct build_ctx *c, xenforeignmemory_handle *fm)
{
    xen_pfn_t mfn = c->shared_info_mfn;
    int err = 0;
    shared_info_t *si = xenforeignmemory_map(fm, c->r->dom, PROT_READ | PROT_WRITE, 1, &mfn, &err);

    if (!si || err) {
        fprintf(stderr, "pvctl: create: warning: upcalls not masked (mapping shared_info: %s)\n",
                strerror(si ? -err : errno));
        if (si)
            xenforeignmemory_unmap(fm, si, 1);
        return;
    }
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_upcall_mask = 1;
    xenforeignmemory_unmap(fm, si, 1);
}

static int start_vcpu0(struct build_ctx *c)
{
    vcpu_guest_context_t ctx;
    const struct pv_layout *l = &c->l;
    int rc;

    if ((rc = ctl_pin_l4(c->r->dom, c->mfn[l->pt])))
        return fail(rc, "pinning the bootstrap L4 (mmuext_op PIN_L4_TABLE)");
    memset(&ctx, 0, sizeof(ctx));
    ctx.flags = VGCF_in_kernel | VGCF_online;
    ctx.user_regs.cs = FLAT_KERNEL_CS;
    ctx.user_regs.ss = FLAT_KERNEL_SS;
    ctx.user_regs.rip = c->elf.entry;
    ctx.user_regs.rsp = l->v_start + ((l->stack + 1) << PV_PAGE_SHIFT);
    ctx.user_regs.rsi = l->v_start + (l->start_info << PV_PAGE_SHIFT);
    ctx.user_regs.rflags = 0x200;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = ctx.user_regs.rsp;
    ctx.ctrlreg[3] = c->mfn[l->pt] << PV_PAGE_SHIFT;
    if ((rc = ctl_setvcpucontext(c->r->dom, 0, &ctx)))
        return fail(rc, "setvcpucontext");
    return 0;
}

int pv_build(const struct build_spec *s, struct build_result *r)
{
    struct build_ctx c = { .s = s, .r = r };
    xenforeignmemory_handle *fm = NULL;
    int rc;

    r->dom = 0;
    r->grants_seeded = 0;
    rc = check_spec(&c);
    if (!rc)
        rc = make_domain(&c);
    if (!rc && !(fm = xenforeignmemory_open(NULL, 0)))
        rc = fail(-errno, "xenforeignmemory_open");
    if (!rc)
        rc = write_region(&c, fm);
    if (!rc) {
        seed_grants(&c, fm);
        mask_upcalls(&c, fm);
    }
    if (c.mem)                                       /* never writable to us once they are tables */
        xenforeignmemory_unmap(fm, c.mem, pv_layout_pages(&c.l));
    if (fm)
        xenforeignmemory_close(fm);
    pvctl_step("grants seeded, frames unmapped");
    if (!rc)
        rc = start_vcpu0(&c);
    pvctl_step("L4 pinned, vCPU 0 context set");
    if (rc && r->dom)
        ctl_simple(XEN_DOMCTL_destroydomain, r->dom);
    free(c.mfn);
    return rc;
}
