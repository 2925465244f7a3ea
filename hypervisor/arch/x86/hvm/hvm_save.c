/*
 * An HVM domain's context as Xen's save records (public/hvm/save.h):
 * XEN_DOMCTL_gethvmcontext writes them, XEN_DOMCTL_sethvmcontext reads
 * them. A toolstack sets vCPU 0's first state this way (libxenguest's
 * vcpu_hvm: HEADER, CPU, MTRR, END), as pvctl's HVM builder does.
 *
 * Records served: HEADER, CPU (the VMCB's state, the GPRs, DR0-3, the FPU
 * image), MTRR (written as a machine without MTRRs would report them; read
 * and checked, not kept: no MTRRs are emulated), END. Any other typecode
 * is refused, as Xen refuses one it has no handler for.
 *
 * Loading checks the whole stream before it changes anything, and a CPU
 * record only loads into a vCPU that has not run yet (-EEXIST, as a PV
 * context). What it accepts is what VMRUN accepts: control registers,
 * EFER and the debug registers are checked here (a bad one is -EINVAL, not
 * a VMEXIT_INVALID later), and the FPU image's MXCSR too; the CPU still
 * checks the segments, and refuses them by crashing this domain alone.
 *
 * Pure logic on the VMCB and the hvm_vcpu: it compiles on the host for
 * the unit tests (tests/unit/test_hvm_save.c).
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <asm/cpuid.h>
#include <asm/fpu.h>
#include <asm/msr.h>
#include <asm/hvm.h>
#include <xen/hvm/save.h>

#define CR0_PE       (1ULL << 0)
#define CR0_NW       (1ULL << 29)
#define CR0_CD       (1ULL << 30)
#define CR0_PG       (1ULL << 31)
#define CR4_PAE      (1ULL << 5)
/* VME..OSXMMEXCPT, FSGSBASE, SMEP, SMAP: what the CPUID view offers (no XSAVE, no PKE). */
#define CR4_ALLOWED  (0x7ffULL | 1ULL << 16 | 1ULL << 20 | 1ULL << 21)
#define EFER_LME     (1ULL << 8)
#define EFER_LMA     (1ULL << 10)
#define EFER_ALLOWED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | 1ULL << 14)   /* + FFXSR */
#define RFLAGS_KEPT  0x3f7fd5ULL     /* the defined flags; bit 1 reads as one */
#define MXCSR_OFFSET 24
#define MXCSR_MASK   0xffffU         /* with DAZ: every CPU with SVM has it */
#define MTRR_CAP     0x508ULL        /* WC, fixed ranges, 8 variable: what Xen reports */
#define MTRR_DEF     0xc06ULL        /* enabled, fixed enabled, write-back */
#define XSTATE_BV_OFFSET 512
#define XSTATE_X87_SSE   3ULL

/*
 * The 512-byte FXSAVE image in the vCPU's FPU area. In an XSAVE area the
 * header must then say x87 and SSE are there, or XRSTOR loads their init
 * state. A refused image cannot harm the hypervisor: the area is loaded by
 * fpu_restore_safe (the MXCSR was checked anyway).
 */
static void fpu_image_load(struct vcpu *v, const u8 image[512])
{
    u8 *area = v->arch.fpu_area;

    memcpy(area, image, 512);
    if (fpu_xsave_size()) {
        u64 bv;

        memcpy(&bv, area + XSTATE_BV_OFFSET, sizeof(bv));
        bv |= XSTATE_X87_SSE;
        memcpy(area + XSTATE_BV_OFFSET, &bv, sizeof(bv));
    }
}

struct record {
    const struct hvm_save_descriptor *d;
    const void *body;
};

/* The next record at *off, bounds checked; NULL when it does not fit. */
static bool next_record(const u8 *buf, size_t len, size_t *off, struct record *r)
{
    if (len - *off < sizeof(*r->d))
        return false;
    r->d = (const void *)(buf + *off);
    if (len - *off - sizeof(*r->d) < r->d->length)
        return false;
    r->body = r->d + 1;
    *off += sizeof(*r->d) + r->d->length;
    return true;
}

static int header_check(const struct record *r)
{
    const struct hvm_save_header *h = r->body;

    if (r->d->typecode != HVM_SAVE_CODE(HEADER) || r->d->length != HVM_SAVE_LENGTH(HEADER))
        return -EINVAL;
    return h->magic == HVM_FILE_MAGIC && h->version == HVM_FILE_VERSION ? 0 : -EINVAL;
}

static bool cpu_regs_valid(const struct hvm_hw_cpu *c)
{
    bool long_mode = (c->msr_efer & EFER_LME) && (c->cr0 & CR0_PG);

    if ((c->cr0 >> 32) || ((c->cr0 & CR0_PG) && !(c->cr0 & CR0_PE)) ||
        ((c->cr0 & CR0_NW) && !(c->cr0 & CR0_CD)))
        return false;
    if ((c->cr4 & ~CR4_ALLOWED) || (c->msr_efer & ~EFER_ALLOWED))
        return false;
    if (long_mode != !!(c->msr_efer & EFER_LMA) || (long_mode && !(c->cr4 & CR4_PAE)))
        return false;
    if ((c->dr6 >> 32) || (c->dr7 >> 32))
        return false;
    if (c->flags & XEN_X86_FPU_INITIALISED) {
        u32 mxcsr;

        memcpy(&mxcsr, c->fpu_regs + MXCSR_OFFSET, sizeof(mxcsr));
        if (mxcsr & ~MXCSR_MASK)
            return false;
    }
    return !(c->pending_event & (1U << 31));         /* no event is injected on load */
}

static int cpu_check(const struct domain *d, const struct record *r)
{
    const struct vcpu *v = r->d->instance < d->nr_vcpus ? d->vcpus[r->d->instance] : NULL;

    if (r->d->length != HVM_SAVE_LENGTH(CPU) || !v || !v->arch.hvm)
        return -EINVAL;
    if (v->state != VCPU_DOWN)
        return -EEXIST;                              /* a first state, before it runs */
    return cpu_regs_valid(r->body) ? 0 : -EINVAL;
}

/* MTRRs are not emulated: a record is accepted when it is well formed, and not kept. */
static int mtrr_check(const struct domain *d, const struct record *r)
{
    if (r->d->length != HVM_SAVE_LENGTH(MTRR) || r->d->instance >= d->nr_vcpus ||
        !d->vcpus[r->d->instance])
        return -EINVAL;
    return 0;
}

/* Every record of the stream, in order; 0 when it is well formed and ends with END. */
static int stream_check(const struct domain *d, const u8 *buf, size_t len)
{
    struct record r;
    size_t off = 0;
    int rc;

    if (!next_record(buf, len, &off, &r) || (rc = header_check(&r)))
        return -EINVAL;
    while (next_record(buf, len, &off, &r)) {
        switch (r.d->typecode) {
        case HVM_SAVE_CODE(END):
            return r.d->length ? -EINVAL : 0;
        case HVM_SAVE_CODE(CPU):
            rc = cpu_check(d, &r);
            break;
        case HVM_SAVE_CODE(MTRR):
            rc = mtrr_check(d, &r);
            break;
        default:
            rc = -EINVAL;                            /* a device we do not save or restore */
        }
        if (rc)
            return rc;
    }
    return -EINVAL;                                  /* no END */
}

static void seg_load(struct vmcb_seg *s, u32 sel, u32 limit, u64 base, u32 attr)
{
    *s = (struct vmcb_seg){ .sel = (u16)sel, .attr = (u16)(attr & 0xfff), .limit = limit, .base = base };
}

static void seg_save(const struct vmcb_seg *s, u32 *sel, u32 *limit, u64 *base, u32 *attr)
{
    *sel = s->sel;
    *limit = s->limit;
    *base = s->base;
    *attr = s->attr;
}

static void segs_load(struct vmcb *m, const struct hvm_hw_cpu *c)
{
    seg_load(&m->cs, c->cs_sel, c->cs_limit, c->cs_base, c->cs_arbytes);
    seg_load(&m->ds, c->ds_sel, c->ds_limit, c->ds_base, c->ds_arbytes);
    seg_load(&m->es, c->es_sel, c->es_limit, c->es_base, c->es_arbytes);
    seg_load(&m->fs, c->fs_sel, c->fs_limit, c->fs_base, c->fs_arbytes);
    seg_load(&m->gs, c->gs_sel, c->gs_limit, c->gs_base, c->gs_arbytes);
    seg_load(&m->ss, c->ss_sel, c->ss_limit, c->ss_base, c->ss_arbytes);
    seg_load(&m->tr, c->tr_sel, c->tr_limit, c->tr_base, c->tr_arbytes);
    seg_load(&m->ldtr, c->ldtr_sel, c->ldtr_limit, c->ldtr_base, c->ldtr_arbytes);
    seg_load(&m->idtr, 0, c->idtr_limit, c->idtr_base, 0);
    seg_load(&m->gdtr, 0, c->gdtr_limit, c->gdtr_base, 0);
    m->cpl = (m->ss.attr >> 5) & 3;                  /* SS.DPL, as the CPU's own */
}

static void segs_save(const struct vmcb *m, struct hvm_hw_cpu *c)
{
    u32 sel, attr;

    seg_save(&m->cs, &c->cs_sel, &c->cs_limit, &c->cs_base, &c->cs_arbytes);
    seg_save(&m->ds, &c->ds_sel, &c->ds_limit, &c->ds_base, &c->ds_arbytes);
    seg_save(&m->es, &c->es_sel, &c->es_limit, &c->es_base, &c->es_arbytes);
    seg_save(&m->fs, &c->fs_sel, &c->fs_limit, &c->fs_base, &c->fs_arbytes);
    seg_save(&m->gs, &c->gs_sel, &c->gs_limit, &c->gs_base, &c->gs_arbytes);
    seg_save(&m->ss, &c->ss_sel, &c->ss_limit, &c->ss_base, &c->ss_arbytes);
    seg_save(&m->tr, &c->tr_sel, &c->tr_limit, &c->tr_base, &c->tr_arbytes);
    seg_save(&m->ldtr, &c->ldtr_sel, &c->ldtr_limit, &c->ldtr_base, &c->ldtr_arbytes);
    seg_save(&m->idtr, &sel, &c->idtr_limit, &c->idtr_base, &attr);
    seg_save(&m->gdtr, &sel, &c->gdtr_limit, &c->gdtr_base, &attr);
}

static void gprs_load(struct hvm_vcpu *h, const struct hvm_hw_cpu *c)
{
    h->gprs = (struct svm_gprs){
        .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx, .rsi = c->rsi, .rdi = c->rdi,
        .rbp = c->rbp, .r8 = c->r8, .r9 = c->r9, .r10 = c->r10, .r11 = c->r11,
        .r12 = c->r12, .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
    };
    h->vmcb->rax = c->rax;
    h->vmcb->rsp = c->rsp;
    h->vmcb->rip = c->rip;
    h->vmcb->rflags = (c->rflags & RFLAGS_KEPT) | 2;
}

static void gprs_save(const struct hvm_vcpu *h, struct hvm_hw_cpu *c)
{
    const struct svm_gprs *g = &h->gprs;

    c->rax = h->vmcb->rax; c->rbx = g->rbx; c->rcx = g->rcx; c->rdx = g->rdx;
    c->rsi = g->rsi; c->rdi = g->rdi; c->rbp = g->rbp; c->rsp = h->vmcb->rsp;
    c->r8 = g->r8; c->r9 = g->r9; c->r10 = g->r10; c->r11 = g->r11;
    c->r12 = g->r12; c->r13 = g->r13; c->r14 = g->r14; c->r15 = g->r15;
    c->rip = h->vmcb->rip;
    c->rflags = h->vmcb->rflags;
}

static void cpu_load(struct vcpu *v, const struct hvm_hw_cpu *c)
{
    struct hvm_vcpu *h = v->arch.hvm;
    struct vmcb *m = h->vmcb;

    gprs_load(h, c);
    segs_load(m, c);
    m->cr0 = c->cr0;
    m->cr2 = c->cr2;
    m->cr3 = c->cr3;
    m->cr4 = c->cr4;
    m->efer = c->msr_efer | EFER_SVME;               /* VMRUN needs it; the guest never sees it */
    m->dr6 = c->dr6;
    m->dr7 = c->dr7;
    h->dr[0] = c->dr0; h->dr[1] = c->dr1; h->dr[2] = c->dr2; h->dr[3] = c->dr3;
    m->sysenter_cs = c->sysenter_cs;
    m->sysenter_esp = c->sysenter_esp;
    m->sysenter_eip = c->sysenter_eip;
    m->kernel_gs_base = c->shadow_gs;
    m->star = c->msr_star;
    m->lstar = c->msr_lstar;
    m->cstar = c->msr_cstar;
    m->sfmask = c->msr_syscall_mask;
    if (c->flags & XEN_X86_FPU_INITIALISED)
        fpu_image_load(v, c->fpu_regs);
}

static void cpu_save(const struct vcpu *v, struct hvm_hw_cpu *c)
{
    const struct hvm_vcpu *h = v->arch.hvm;
    const struct vmcb *m = h->vmcb;

    memset(c, 0, sizeof(*c));
    gprs_save(h, c);
    segs_save(m, c);
    c->cr0 = m->cr0; c->cr2 = m->cr2; c->cr3 = m->cr3; c->cr4 = m->cr4;
    c->msr_efer = m->efer & ~(u64)EFER_SVME;
    c->dr0 = h->dr[0]; c->dr1 = h->dr[1]; c->dr2 = h->dr[2]; c->dr3 = h->dr[3];
    c->dr6 = m->dr6;
    c->dr7 = m->dr7;
    c->sysenter_cs = m->sysenter_cs;
    c->sysenter_esp = m->sysenter_esp;
    c->sysenter_eip = m->sysenter_eip;
    c->shadow_gs = m->kernel_gs_base;
    c->msr_star = m->star;
    c->msr_lstar = m->lstar;
    c->msr_cstar = m->cstar;
    c->msr_syscall_mask = m->sfmask;
    memcpy(c->fpu_regs, v->arch.fpu_area, sizeof(c->fpu_regs));   /* saved at its last switch */
    c->flags = XEN_X86_FPU_INITIALISED;
}

int arch_hvm_load_context(struct domain *d, const u8 *buf, size_t len, u64 *loaded)
{
    struct record r;
    size_t off = 0;
    int rc = d->hvm ? stream_check(d, buf, len) : -EINVAL;

    *loaded = 0;
    if (rc)
        return rc;
    next_record(buf, len, &off, &r);                 /* the header, checked */
    while (next_record(buf, len, &off, &r) && r.d->typecode != HVM_SAVE_CODE(END)) {
        if (r.d->typecode != HVM_SAVE_CODE(CPU))
            continue;
        cpu_load(d->vcpus[r.d->instance], r.body);
        *loaded |= 1ULL << r.d->instance;
    }
    return 0;
}

/* The bytes the records of d take: HEADER, CPU and MTRR per vCPU, END. */
size_t arch_hvm_context_size(const struct domain *d)
{
    size_t per_vcpu = 2 * sizeof(struct hvm_save_descriptor) + HVM_SAVE_LENGTH(CPU) +
                      HVM_SAVE_LENGTH(MTRR);
    size_t n = 0;

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        n += d->vcpus[i] != NULL;
    return 2 * sizeof(struct hvm_save_descriptor) + HVM_SAVE_LENGTH(HEADER) + n * per_vcpu;
}

static void *put_record(u8 *buf, size_t *off, u16 code, u16 instance, u32 length)
{
    struct hvm_save_descriptor *d = (void *)(buf + *off);

    *d = (struct hvm_save_descriptor){ .typecode = code, .instance = instance, .length = length };
    *off += sizeof(*d) + length;
    memset(d + 1, 0, length);
    return d + 1;
}

static void mtrr_save(struct hvm_hw_mtrr *m, const struct vcpu *v)
{
    m->msr_pat_cr = v->arch.hvm->vmcb->g_pat;
    m->msr_mtrr_cap = MTRR_CAP;
    m->msr_mtrr_def_type = MTRR_DEF;
}

/* The domain's records into buf (cap bytes); the bytes written or -ENOSPC. Its vCPUs are paused. */
long arch_hvm_save_context(struct domain *d, u8 *buf, size_t cap)
{
    struct hvm_save_header *h;
    u32 sig[3];
    size_t off = 0;

    if (!d->hvm)
        return -EINVAL;
    if (cap < arch_hvm_context_size(d))
        return -ENOSPC;
    h = put_record(buf, &off, HVM_SAVE_CODE(HEADER), 0, HVM_SAVE_LENGTH(HEADER));
    *h = (struct hvm_save_header){ .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION,
                                   .gtsc_khz = (u32)(time_tsc_hz() / 1000) };
    cpuid_count(1, 0, &h->cpuid, &sig[0], &sig[1], &sig[2]);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpus[i];

        if (!v || !v->arch.hvm)
            continue;
        cpu_save(v, put_record(buf, &off, HVM_SAVE_CODE(CPU), (u16)i, HVM_SAVE_LENGTH(CPU)));
        mtrr_save(put_record(buf, &off, HVM_SAVE_CODE(MTRR), (u16)i, HVM_SAVE_LENGTH(MTRR)), v);
    }
    put_record(buf, &off, HVM_SAVE_CODE(END), 0, 0);
    return (long)off;
}
