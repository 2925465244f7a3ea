/*
 * build_hvm.c: the HVM domain builder (build.h), in libxenguest's order for
 * a firmware start (xc_dom_* with hvmloader): check the image first, then
 * createdomain with XEN_DOMCTL_CDF_hvm|hap, max_mem, max_vcpus,
 * populate_physmap by gfn (all of RAM but the VGA/ROM hole 0xa0000-0xbffff,
 * which a device model claims), the image's segments written at their
 * physical addresses through a foreign mapping by gfn, and vCPU 0's first
 * state as save records (gethvmcontext for the header and the MTRRs, then
 * sethvmcontext with HEADER, CPU, MTRR, END: libxenguest's vcpu_hvm). The
 * vCPU starts in flat 32-bit protected mode, paging off, at the image's
 * entry, EBX = the RAM size in bytes (the project's test guests read it).
 * With kernel= instead of firmware= (direct kernel boot, hvm_linux.h) the
 * bzImage, initrd, command line and zero page are written where a boot
 * loader puts them, and the vCPU starts in the boot stub (hvm_boot_stub.S:
 * the firmware's setup of the PC), which enters the kernel's 32-bit entry
 * with ESI = the zero page, as Linux's 32-bit boot protocol asks.
 * Anything that fails after createdomain destroys the domain.
 */
#include "build.h"
#include "hvm_image.h"
#include "hvm_linux.h"
#include "pvctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenforeignmemory.h>
#include <xen/hvm/save.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

/* vCPU 0's first registers: flat 32-bit protected mode, paging off. */
struct hvm_start {
    uint32_t eip, ebx, esi;
    uint16_t cs, ds;
};

struct hvm_ctx {
    const struct build_spec *s;
    struct hvm_image img;             /* firmware= */
    struct hvm_linux lx;              /* kernel= */
    struct hvm_start start;
    uint64_t nr_pages;
    struct build_result *r;
};

static int fail(int rc, const char *what)
{
    fprintf(stderr, "pvctl: create: %s%s%s\n", what, rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "");
    return rc < 0 ? rc : -EINVAL;
}

/* The image, and where vCPU 0 starts: the firmware's entry, or the kernel's under the boot protocol. */
static int image_check(struct hvm_ctx *c, const char **why)
{
    const struct build_spec *s = c->s;
    uint64_t ram = c->nr_pages << PAGE_SHIFT;

    if (!s->hvm_kernel_boot) {
        c->start = (struct hvm_start){ 0, (uint32_t)ram, 0, 0x08, 0x10 };
        if (hvm_image_parse(&s->kernel, ram, &c->img, why))
            return -EINVAL;
        c->start.eip = c->img.entry;
        return 0;
    }
    c->start = (struct hvm_start){ HVM_LINUX_STUB, 0, HVM_LINUX_PARAMS, HVM_LINUX_BOOT_CS, HVM_LINUX_BOOT_DS };
    return hvm_linux_prepare(&s->kernel, ram, s->initrd.len, s->cmdline ? s->cmdline : "", &c->lx, why);
}

static int check_spec(struct hvm_ctx *c)
{
    struct xen_sysctl_physinfo pi;
    const char *why = "";
    int rc;

    c->nr_pages = c->s->memory_mb << (20 - PAGE_SHIFT);
    if ((rc = image_check(c, &why)))
        return fail(0, why);
    if ((rc = ctl_physinfo(&pi)))
        return fail(rc, "physinfo");
    if (!(pi.capabilities & XEN_SYSCTL_PHYSCAP_hvm))
        return fail(-ENODEV, "type=\"hvm\": this hypervisor offers no HVM guests here (no SVM)");
    if (c->nr_pages > pi.free_pages) {
        fprintf(stderr, "pvctl: create: memory=%llu MiB but only %llu MiB is free\n",
                (unsigned long long)c->s->memory_mb, (unsigned long long)(pi.free_pages >> 8));
        return -ENOMEM;
    }
    return 0;
}

/* RAM at every gfn but the hole, as libxenguest's HVM builder lays it out below 4 GiB. */
static int populate(struct hvm_ctx *c)
{
    uint64_t hole0 = HVM_HOLE_START >> PAGE_SHIFT, hole1 = HVM_HOLE_END >> PAGE_SHIFT;
    uint64_t n_low = hole0, n_high = c->nr_pages > hole1 ? c->nr_pages - hole1 : 0;
    xen_pfn_t *scratch = calloc(n_high > n_low ? n_high : n_low, sizeof(*scratch));
    long got_low, got_high;

    if (!scratch)
        return fail(-ENOMEM, "populate");
    got_low = ctl_populate(c->r->dom, 0, n_low, scratch);
    got_high = got_low == (long)n_low ? ctl_populate(c->r->dom, hole1, n_high, scratch) : 0;
    free(scratch);
    if (got_low != (long)n_low || got_high != (long)n_high)
        return fail(got_low < 0 ? (int)got_low : got_high < 0 ? (int)got_high : -ENOMEM,
                    "populate_physmap gave fewer frames than memory=");
    return 0;
}

static int make_domain(struct hvm_ctx *c)
{
    int rc = ctl_createdomain(1, 1, c->s->handle, &c->r->dom);

    if (rc)
        return fail(rc, "createdomain (HVM, HAP)");
    /* HVM memory is RAM minus the hole, plus what a device model adds: max_mem is all of it. */
    if ((rc = ctl_max_mem(c->r->dom, c->nr_pages << 2)))
        return fail(rc, "max_mem");
    if ((rc = ctl_max_vcpus(c->r->dom, 1)))
        return fail(rc, "max_vcpus");
    pvctl_step("createdomain (HVM), max_mem, max_vcpus");
    if ((rc = populate(c)))
        return rc;
    pvctl_step("populate_physmap by gfn");
    return 0;
}

/* len bytes at guest-physical paddr, through a foreign mapping by gfn (the rest of the pages stay zero). */
static int load_bytes(struct hvm_ctx *c, xenforeignmemory_handle *fm, uint64_t paddr,
                      const void *src, size_t len)
{
    uint64_t first = paddr >> PAGE_SHIFT, last = (paddr + (len ? len : 1) - 1) >> PAGE_SHIFT;
    size_t n = last - first + 1;
    xen_pfn_t *gfns = calloc(n, sizeof(*gfns));
    int *err = calloc(n, sizeof(*err)), rc = 0;
    uint8_t *p = NULL;

    for (size_t i = 0; gfns && i < n; i++)
        gfns[i] = first + i;
    if (gfns && err)
        p = xenforeignmemory_map(fm, c->r->dom, PROT_READ | PROT_WRITE, n, gfns, err);
    for (size_t i = 0; p && i < n && !rc; i++)
        rc = err[i];
    if (!p || rc)
        rc = fail(p ? rc : -errno, "mapping the guest's memory by gfn (xenforeignmemory_map)");
    else
        memcpy(p + (paddr & (PAGE_SIZE - 1)), src, len);
    if (p)
        xenforeignmemory_unmap(fm, p, n);
    free(gfns);
    free(err);
    return rc;
}

/* The firmware's segments at their physical addresses. */
static int load_firmware(struct hvm_ctx *c, xenforeignmemory_handle *fm)
{
    int rc = 0;

    for (unsigned int i = 0; !rc && i < c->img.nr_segs; i++) {
        const struct hvm_segment *sg = &c->img.seg[i];

        rc = load_bytes(c, fm, sg->paddr, c->s->kernel.data + sg->offset, sg->filesz);
    }
    if (!rc)
        pvctl_step("firmware loaded");
    return rc;
}

/* What a boot loader writes: the protected-mode kernel, the initrd, the command line, the zero page. */
static int load_linux(struct hvm_ctx *c, xenforeignmemory_handle *fm)
{
    const struct build_spec *s = c->s;
    int rc = load_bytes(c, fm, HVM_LINUX_KERNEL, s->kernel.data + c->lx.kernel_off, c->lx.kernel_len);

    if (!rc && s->initrd.len)
        rc = load_bytes(c, fm, c->lx.initrd_paddr, s->initrd.data, s->initrd.len);
    if (!rc)
        rc = load_bytes(c, fm, HVM_LINUX_CMDLINE, s->cmdline ? s->cmdline : "", c->lx.cmdline_len);
    if (!rc)
        rc = load_bytes(c, fm, HVM_LINUX_PARAMS, &c->lx.params, sizeof(c->lx.params));
    if (!rc)
        rc = load_bytes(c, fm, HVM_LINUX_STUB, hvm_boot_stub, (size_t)(hvm_boot_stub_end - hvm_boot_stub));
    if (!rc)
        pvctl_step("kernel, ramdisk, command line, zero page and boot stub loaded (Linux 32-bit boot protocol)");
    return rc;
}

static int load_image(struct hvm_ctx *c)
{
    xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
    int rc = fm ? 0 : fail(-errno, "xenforeignmemory_open");

    if (!rc)
        rc = c->s->hvm_kernel_boot ? load_linux(c, fm) : load_firmware(c, fm);
    if (fm)
        xenforeignmemory_close(fm);
    return rc;
}

/* The first record of `code` (instance 0) in a save stream, or NULL. */
static const struct hvm_save_descriptor *find_record(const uint8_t *buf, uint32_t len, uint16_t code)
{
    for (uint32_t off = 0; len - off >= sizeof(struct hvm_save_descriptor);) {
        const struct hvm_save_descriptor *d = (const void *)(buf + off);

        if (len - off - sizeof(*d) < d->length)
            return NULL;
        if (d->typecode == code && d->instance == 0)
            return d;
        if (d->typecode == HVM_SAVE_CODE(END))
            return NULL;
        off += sizeof(*d) + d->length;
    }
    return NULL;
}

/* libxenguest's vcpu_hvm: flat 32-bit protected mode, paging off, at the entry. */
static void cpu_record(struct hvm_hw_cpu *cpu, const struct hvm_start *st)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->cs_sel = st->cs;
    cpu->ds_sel = cpu->es_sel = cpu->fs_sel = cpu->gs_sel = cpu->ss_sel = st->ds;
    cpu->cs_limit = cpu->ds_limit = cpu->es_limit = cpu->fs_limit = ~0u;
    cpu->gs_limit = cpu->ss_limit = ~0u;
    cpu->cs_arbytes = 0xc9b;                          /* G, D, P, code execute/read */
    cpu->ds_arbytes = cpu->es_arbytes = cpu->fs_arbytes = cpu->gs_arbytes = cpu->ss_arbytes = 0xc93;
    cpu->tr_arbytes = 0x8b;                           /* a busy 32-bit TSS */
    cpu->tr_limit = 0x67;
    cpu->cr0 = 0x11;                                  /* PE, ET */
    cpu->rflags = 0x2;
    cpu->rip = st->eip;
    cpu->rbx = st->ebx;
    cpu->rsi = st->esi;
    cpu->dr6 = 0xffff0ff0;
    cpu->dr7 = 0x400;
}

struct first_state {
    struct hvm_save_descriptor hd;
    struct hvm_save_header h;
    struct hvm_save_descriptor cd;
    struct hvm_hw_cpu cpu;
    struct hvm_save_descriptor md;
    struct hvm_hw_mtrr mtrr;
    struct hvm_save_descriptor ed;
};
/* Records follow each other with no gap: every one here is a multiple of 8 bytes. */
_Static_assert(sizeof(struct first_state) == 4 * sizeof(struct hvm_save_descriptor) +
               sizeof(struct hvm_save_header) + sizeof(struct hvm_hw_cpu) + sizeof(struct hvm_hw_mtrr),
               "save records packed");

static int start_vcpu0(struct hvm_ctx *c)
{
    uint32_t len = 0;
    uint8_t *full = NULL;
    const struct hvm_save_descriptor *h, *m;
    struct first_state st;
    int rc = ctl_hvmcontext(c->r->dom, 0, NULL, &len);

    if (!rc && !(full = calloc(1, len)))
        rc = -ENOMEM;
    if (!rc)
        rc = ctl_hvmcontext(c->r->dom, 0, full, &len);
    h = rc ? NULL : find_record(full, len, HVM_SAVE_CODE(HEADER));
    m = rc ? NULL : find_record(full, len, HVM_SAVE_CODE(MTRR));
    if (!h || !m || h->length != sizeof(st.h) || m->length != sizeof(st.mtrr)) {
        free(full);
        return fail(rc ? rc : -EINVAL, "gethvmcontext: no header or MTRR record");
    }
    st.hd = *h;
    memcpy(&st.h, h + 1, sizeof(st.h));
    st.cd = (struct hvm_save_descriptor){ HVM_SAVE_CODE(CPU), 0, sizeof(st.cpu) };
    cpu_record(&st.cpu, &c->start);
    st.md = *m;
    memcpy(&st.mtrr, m + 1, sizeof(st.mtrr));
    st.ed = (struct hvm_save_descriptor){ HVM_SAVE_CODE(END), 0, 0 };
    free(full);
    len = sizeof(st);
    if ((rc = ctl_hvmcontext(c->r->dom, 1, &st, &len)))
        return fail(rc, "sethvmcontext (vCPU 0's first state)");
    pvctl_step("vCPU 0's first state set (sethvmcontext)");
    return 0;
}

int hvm_build(const struct build_spec *s, struct build_result *r)
{
    struct hvm_ctx c = { .s = s, .r = r };
    int rc;

    memset(r, 0, sizeof(*r));
    rc = check_spec(&c);
    if (!rc)
        rc = make_domain(&c);
    if (!rc)
        rc = load_image(&c);
    if (!rc)
        rc = start_vcpu0(&c);
    if (rc && r->dom)
        ctl_simple(XEN_DOMCTL_destroydomain, r->dom);
    return rc;
}
