/*
 * An HVM domain's context as Xen's save records (arch/x86/hvm/hvm_save.c,
 * XEN_DOMCTL_sethvmcontext/gethvmcontext): the stream libxenguest's
 * vcpu_hvm writes (HEADER, CPU, MTRR, END) loads into the VMCB; a bad
 * stream changes nothing; what is saved loads back; and createdomain's
 * HVM checks.
 */
#define __XEN_TOOLS__ 1
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/errno.h>
#include <asm/hvm.h>
#include <xen/domctl.h>
#include <xen/hvm/save.h>

#include <stdlib.h>

#include "harness.h"

static int fake_hvm;

struct stream {
    struct hvm_save_descriptor hd;
    struct hvm_save_header h;
    struct hvm_save_descriptor cd;
    struct hvm_hw_cpu c;
    struct hvm_save_descriptor md;
    struct hvm_hw_mtrr m;
    struct hvm_save_descriptor ed;
} __attribute__((packed));

/* libxenguest's vcpu_hvm for a 32-bit flat start at entry (hvmloader's, pvctl's). */
static void stream_init(struct stream *s, u32 entry)
{
    memset(s, 0, sizeof(*s));
    s->hd = (struct hvm_save_descriptor){ HVM_SAVE_CODE(HEADER), 0, HVM_SAVE_LENGTH(HEADER) };
    s->h.magic = HVM_FILE_MAGIC;
    s->h.version = HVM_FILE_VERSION;
    s->cd = (struct hvm_save_descriptor){ HVM_SAVE_CODE(CPU), 0, HVM_SAVE_LENGTH(CPU) };
    s->c.cs_limit = s->c.ds_limit = s->c.es_limit = s->c.fs_limit = ~0u;
    s->c.gs_limit = s->c.ss_limit = ~0u;
    s->c.cs_arbytes = 0xc9b;
    s->c.ds_arbytes = s->c.es_arbytes = s->c.fs_arbytes = s->c.gs_arbytes = s->c.ss_arbytes = 0xc93;
    s->c.tr_arbytes = 0x8b;
    s->c.cr0 = 0x11;                                 /* PE, ET */
    s->c.rip = entry;
    s->c.rbx = 8 << 20;
    s->c.rflags = 0x2;
    s->c.dr6 = 0xffff0ff0;
    s->c.dr7 = 0x400;
    s->md = (struct hvm_save_descriptor){ HVM_SAVE_CODE(MTRR), 0, HVM_SAVE_LENGTH(MTRR) };
    s->ed = (struct hvm_save_descriptor){ 0, 0, 0 };
}

static struct vcpu *hvm_vcpu_fake(struct domain *d)
{
    struct vcpu *v = d->vcpus[0];

    d->hvm = (struct hvm_domain *)&fake_hvm;
    v->arch.hvm = calloc(1, sizeof(*v->arch.hvm));
    v->arch.hvm->vmcb = calloc(1, sizeof(struct vmcb));
    v->arch.fpu_area = calloc(1, 4096);
    v->state = VCPU_DOWN;
    return v;
}

static void hvm_vcpu_unfake(struct domain *d)
{
    struct vcpu *v = d->vcpus[0];

    free(v->arch.hvm->vmcb);
    free(v->arch.hvm);
    free(v->arch.fpu_area);
    v->arch.hvm = NULL;
    v->arch.fpu_area = NULL;
    d->hvm = NULL;
}

static int load(struct domain *d, const void *buf, size_t len)
{
    u64 loaded = 0;
    int rc = arch_hvm_load_context(d, buf, len, &loaded);

    CU_ASSERT(rc ? loaded == 0 : loaded == 1);
    return rc;
}

/* The builder's stream: the VMCB holds its state, EFER with SVME, rflags' bit 1. */
static void test_load_builder_stream(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu *v = hvm_vcpu_fake(d);
    struct stream s;

    stream_init(&s, 0x100000);
    s.c.flags = XEN_X86_FPU_INITIALISED;
    s.c.fpu_regs[24] = 0x80; s.c.fpu_regs[25] = 0x1f;   /* MXCSR 0x1f80 */
    s.c.fpu_regs[0] = 0x7f; s.c.fpu_regs[1] = 0x03;     /* FCW 0x37f */
    EXPECT_EQ(load(d, &s, sizeof(s)), 0);
    EXPECT_EQ(v->arch.hvm->vmcb->rip, 0x100000);
    EXPECT_EQ(v->arch.hvm->gprs.rbx, 8 << 20);
    EXPECT_EQ(v->arch.hvm->vmcb->cs.attr, 0xc9b);
    EXPECT_EQ(v->arch.hvm->vmcb->cs.limit, 0xffffffffu);
    EXPECT_EQ(v->arch.hvm->vmcb->tr.attr, 0x8b);
    EXPECT_EQ(v->arch.hvm->vmcb->cr0, 0x11);
    EXPECT_EQ(v->arch.hvm->vmcb->efer, EFER_SVME);
    EXPECT_EQ(v->arch.hvm->vmcb->rflags, 2);
    EXPECT_EQ(((u8 *)v->arch.fpu_area)[25], 0x1f);
    hvm_vcpu_unfake(d);
}

/* Each bad stream is refused whole: the VMCB is as it was. */
static void test_load_refusals(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu *v = hvm_vcpu_fake(d);
    struct stream s;

    stream_init(&s, 0x1234);
    s.h.magic ^= 1;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);               /* bad magic */
    stream_init(&s, 0x1234);
    EXPECT_EQ(load(d, &s, sizeof(s) - sizeof(s.ed)), -EINVAL); /* no END */
    EXPECT_EQ(load(d, &s, sizeof(s) - 9), -EINVAL);            /* cut in a record */
    EXPECT_EQ(load(d, &s, 3), -EINVAL);                        /* not even a descriptor */
    s.cd.length = 0x7fffffff;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* a length past the end */
    stream_init(&s, 0x1234);
    s.cd.instance = 1;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* no vCPU 1 */
    stream_init(&s, 0x1234);
    s.md.typecode = HVM_SAVE_CODE(LAPIC);
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* a record not served */
    stream_init(&s, 0x1234);
    s.c.cr0 = 0x80000010;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* PG without PE */
    stream_init(&s, 0x1234);
    s.c.cr0 = 0x20000011;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* NW without CD */
    stream_init(&s, 0x1234);
    s.c.msr_efer = EFER_SVME;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* no nested SVM */
    stream_init(&s, 0x1234);
    s.c.msr_efer = 1 << 10;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* LMA without LME and PG */
    stream_init(&s, 0x1234);
    s.c.cr0 = 0x80000011;
    s.c.msr_efer = 1 << 8;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* long mode, LMA clear, no PAE */
    stream_init(&s, 0x1234);
    s.c.cr4 = 1 << 18;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* OSXSAVE: no XSAVE offered */
    stream_init(&s, 0x1234);
    s.c.dr7 = 1ULL << 40;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);
    stream_init(&s, 0x1234);
    s.c.flags = XEN_X86_FPU_INITIALISED;
    s.c.fpu_regs[26] = 1;                                      /* MXCSR bit 16: reserved */
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);
    stream_init(&s, 0x1234);
    s.c.pending_event = 1u << 31 | 14;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EINVAL);                /* no event injected on load */
    EXPECT_EQ(v->arch.hvm->vmcb->rip, 0);                      /* nothing of them loaded */
    stream_init(&s, 0x1234);
    v->state = VCPU_RUNNABLE;
    EXPECT_EQ(load(d, &s, sizeof(s)), -EEXIST);                /* a first state only */
    hvm_vcpu_unfake(d);
}

/* What gethvmcontext writes is what libxenguest reads back and loads (its MTRR too). */
static void test_save_then_load(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu *v = hvm_vcpu_fake(d);
    size_t need = arch_hvm_context_size(d);
    u8 *buf = calloc(1, need);
    struct stream s;
    struct hvm_save_descriptor *cd;
    struct hvm_hw_cpu *c;

    EXPECT_EQ(need, sizeof(struct stream));
    stream_init(&s, 0xabcd0);
    s.c.msr_lstar = 0xffffffff81000000ULL;
    EXPECT_EQ(load(d, &s, sizeof(s)), 0);
    EXPECT_EQ(arch_hvm_save_context(d, buf, need - 1), -ENOSPC);
    EXPECT_EQ(arch_hvm_save_context(d, buf, need), (long)need);
    cd = (void *)(buf + sizeof(s.hd) + sizeof(s.h));
    EXPECT_EQ(cd->typecode, HVM_SAVE_CODE(CPU));
    c = (void *)(cd + 1);
    EXPECT_EQ(c->rip, 0xabcd0);
    EXPECT_EQ(c->msr_efer, 0);                                 /* SVME is ours, not the guest's */
    EXPECT_EQ(c->msr_lstar, 0xffffffff81000000ULL);
    EXPECT_EQ(c->flags, XEN_X86_FPU_INITIALISED);
    v->state = VCPU_DOWN;
    memset(v->arch.hvm->vmcb, 0, sizeof(struct vmcb));
    EXPECT_EQ(load(d, buf, need), 0);                          /* the saved stream loads back */
    EXPECT_EQ(v->arch.hvm->vmcb->rip, 0xabcd0);
    EXPECT_EQ(v->arch.hvm->vmcb->lstar, 0xffffffff81000000ULL);
    free(buf);
    hvm_vcpu_unfake(d);
}

static struct xen_domctl dc;

static long create_hvm(u32 flags, u32 emu, u32 vcpus)
{
    memset(&dc, 0, sizeof(dc));
    dc.u.createdomain.flags = flags;
    dc.u.createdomain.max_vcpus = vcpus;
    dc.u.createdomain.arch.emulation_flags = emu;
    return harness_domctl(&dc, XEN_DOMCTL_createdomain, 0);
}

/* createdomain's HVM rules: HAP, one vCPU, libxl's emulation flags, SVM on the machine. */
static void test_createdomain_hvm(void)
{
    const u32 hvm = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    const u32 emu = 0x3ff;                                     /* XEN_X86_EMU_ALL without vPCI */
    struct domain *d0 = harness_domain(0, 1, true);
    unsigned int before = 0;

    harness_set_current(d0);
    harness_hvm_supported = false;
    EXPECT_EQ(create_hvm(hvm, emu, 1), -EINVAL);               /* no SVM here */
    harness_hvm_supported = true;
    EXPECT_EQ(create_hvm(XEN_DOMCTL_CDF_hvm, emu, 1), -EINVAL);   /* no shadow paging */
    EXPECT_EQ(create_hvm(XEN_DOMCTL_CDF_hap, 0, 1), -EINVAL);  /* HAP is HVM's */
    EXPECT_EQ(create_hvm(hvm | XEN_DOMCTL_CDF_nested_virt, emu, 1), -EINVAL);
    EXPECT_EQ(create_hvm(hvm, emu, 2), -EINVAL);               /* one vCPU */
    EXPECT_EQ(create_hvm(hvm, XEN_X86_EMU_LAPIC, 1), -EINVAL); /* PVH's: not offered */
    for (unsigned int i = 1; i < HV_MAX_DOMAINS; i++)
        before += hv_domains[i] != NULL;
    harness_hvm_create_rc = -ENOMEM;
    EXPECT_EQ(create_hvm(hvm, emu, 1), -ENOMEM);
    harness_hvm_create_rc = 0;
    harness_reap();
    for (unsigned int i = 1; i < HV_MAX_DOMAINS; i++)
        before -= hv_domains[i] != NULL;
    EXPECT_EQ(before, 0);                                      /* the failed one is gone */
    EXPECT_EQ(create_hvm(hvm, emu, 1), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hv_domains[dc.domain]);
    CU_ASSERT_PTR_NOT_NULL(hv_domains[dc.domain]->hvm);
    hv_domains[dc.domain]->hvm = NULL;
    harness_hvm_supported = false;
}

void suite_hvm_save(void)
{
    static const struct unit_test tests[] = {
        { "load_builder_stream", test_load_builder_stream },
        { "load_refusals", test_load_refusals },
        { "save_then_load", test_save_then_load },
        { "createdomain_hvm", test_createdomain_hvm },
    };

    ADD_SUITE("hvm_save", tests);
}
