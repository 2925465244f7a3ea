/*
 * MMIO of an HVM guest: a nested page fault at a guest-physical address
 * that a device claims (the table below, as data) is emulated. The
 * instruction's bytes come from SVM's decode assist (the VMCB's guest
 * instruction bytes) when the CPU gives them, else from the guest's memory
 * at CS:RIP through its page tables (guest_walk.c); the decoder (insn_decode.c) never trusts them. The access is
 * always the fault's address: the bytes only say which register, what
 * size and what operation.
 *
 * A fault no device claims but an ioreq server does is emulated the same
 * way, the server answering the reads and taking the writes (ioreq_send.c).
 * A fault nothing claims is the caller's (the domain crashes, as before);
 * an instruction that cannot be fetched, decoded or emulated crashes the
 * domain alone, as Xen's does on X86EMUL_UNHANDLEABLE.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <asm/hvm.h>
#include <asm/hvm_insn.h>

#define NPF_FETCH   (1ULL << 4)
#define EFER_LMA    (1ULL << 10)
#define SEG_ATTR_L  (1u << 9)
#define SEG_ATTR_DB (1u << 10)

struct mmio_range {
    u64 base, size;
    const char *name;
    int (*read)(struct vcpu *v, u64 off, unsigned int size, u64 *val);
    int (*write)(struct vcpu *v, u64 off, unsigned int size, u64 val);
};

/* The devices the hypervisor emulates at guest-physical addresses. */
static const struct mmio_range mmio_ranges[] = {
    { VLAPIC_BASE, VLAPIC_SIZE, "local APIC", vlapic_mmio_read, vlapic_mmio_write },
    { VIOAPIC_BASE, VIOAPIC_SIZE, "IO-APIC", vioapic_mmio_read, vioapic_mmio_write },
};

static const struct mmio_range *mmio_find(u64 gpa)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(mmio_ranges); i++)
        if (gpa - mmio_ranges[i].base < mmio_ranges[i].size)
            return &mmio_ranges[i];
    return NULL;
}

struct mmio_access {
    struct vcpu *v;
    const struct mmio_range *r;      /* NULL: an ioreq server's range */
    u64 off, gpa;
    bool wrote;                      /* to a server: sent once the instruction is done */
    unsigned int write_size, read_size;
    u64 write_val;
};

static int access_read(void *ctx, unsigned int size, u64 *val)
{
    struct mmio_access *a = ctx;

    if (!a->r) {
        a->read_size = size;                          /* -EAGAIN: ask the server for it */
        return hvm_ioreq_mmio_read(a->v, a->gpa, size, val);
    }
    if (a->off + size > a->r->size)
        return -EINVAL;                               /* past the device's end */
    return a->r->read(a->v, a->off, size, val);
}

static int access_write(void *ctx, unsigned int size, u64 val)
{
    struct mmio_access *a = ctx;

    if (!a->r) {
        a->wrote = true;
        a->write_size = size;
        a->write_val = val;
        return 0;
    }
    if (a->off + size > a->r->size)
        return -EINVAL;
    return a->r->write(a->v, a->off, size, val);
}

static enum insn_mode guest_mode(const struct vmcb *vmcb)
{
    if ((vmcb->efer & EFER_LMA) && (vmcb->cs.attr & SEG_ATTR_L))
        return INSN_MODE_64;
    return (vmcb->cs.attr & SEG_ATTR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

/* The instruction's bytes: the decode assist's, else the guest's memory at CS:RIP, page by page. */
static unsigned int fetch_insn(const struct vcpu *v, const struct vmcb *vmcb, enum insn_mode mode,
                               u8 *buf)
{
    u64 lin = vmcb->cs.base + vmcb->rip, gpa;
    unsigned int n = 0, got;

    if (vmcb->insn_len) {
        n = MIN(vmcb->insn_len, (unsigned int)INSN_MAX_LEN);
        memcpy(buf, vmcb->insn_bytes, n);
        return n;
    }
    if (mode != INSN_MODE_64)
        lin = (u32)lin;
    while (n < INSN_MAX_LEN) {
        u64 at = mode == INSN_MODE_64 ? lin + n : (u32)(lin + n);

        if (hvm_linear_to_phys(v, at, &gpa) ||
            !(got = hvm_copy_from_phys(v->domain, gpa, buf + n, INSN_MAX_LEN - n)))
            break;
        n += got;                                     /* to the page's end: the next one is walked */
    }
    return n;
}

/* The emulator's register file from the VMCB and the saved GPRs, and back. */
static void regs_get(const struct vcpu *v, struct insn_regs *r)
{
    const struct svm_gprs *g = &v->arch.hvm->gprs;
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    const u64 gpr[16] = { vmcb->rax, g->rcx, g->rdx, g->rbx, vmcb->rsp, g->rbp, g->rsi, g->rdi,
                          g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15 };

    memcpy(r->gpr, gpr, sizeof(gpr));
    r->rflags = vmcb->rflags;
}

static void regs_put(struct vcpu *v, const struct insn_regs *r)
{
    struct svm_gprs *g = &v->arch.hvm->gprs;
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    u64 *const dst[16] = { &vmcb->rax, &g->rcx, &g->rdx, &g->rbx, &vmcb->rsp, &g->rbp, &g->rsi,
                           &g->rdi, &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14,
                           &g->r15 };

    for (unsigned int i = 0; i < 16; i++)
        *dst[i] = r->gpr[i];
    vmcb->rflags = r->rflags;
}

static void mmio_fail(struct vcpu *v, const char *what, const u8 *b, unsigned int n, u64 gpa)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;

    hv_warn("d%u v%u: MMIO at %lx rip %lx: %s (%u bytes: %02x %02x %02x %02x %02x %02x)\n",
            v->domain->id, v->id, gpa, vmcb->rip, what, n, n > 0 ? b[0] : 0, n > 1 ? b[1] : 0,
            n > 2 ? b[2] : 0, n > 3 ? b[3] : 0, n > 4 ? b[4] : 0, n > 5 ? b[5] : 0);
    domain_crash(v->domain, "MMIO instruction not emulated");
}

/* An access no hypervisor device claims: an ioreq server's (any size up to 8 in its range)? */
static bool server_claims(struct vcpu *v, u64 gpa)
{
    struct ioreq_access a = { IOREQ_RANGE_MMIO, gpa, 1, true, 0 };

    return ioreq_claims(v->domain, &a);
}

/* The emulated instruction read (-EAGAIN) or wrote a server's range: the request goes out. */
static void mmio_to_server(struct vcpu *v, const struct mmio_access *acc, unsigned int read_size)
{
    int rc = read_size ? hvm_ioreq_mmio_send(v, acc->gpa, read_size, true, 0)
                       : hvm_ioreq_mmio_send(v, acc->gpa, acc->write_size, false, acc->write_val);

    if (rc && read_size)                              /* the server went away meanwhile */
        domain_crash(v->domain, "MMIO read of an ioreq server that went away");
}

int hvm_mmio_access(struct vcpu *v, u64 gpa, u64 npf_error)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    struct mmio_access acc = { v, mmio_find(gpa), 0, gpa, false, 0, 0, 0 };
    struct insn_mem_ops ops = { access_read, access_write, &acc };
    enum insn_mode mode = guest_mode(vmcb);
    u8 bytes[INSN_MAX_LEN] = { 0 };
    struct insn_regs regs;
    struct insn in;
    unsigned int n;
    int rc;

    if (!acc.r && !server_claims(v, gpa))
        return -ENOENT;
    acc.off = acc.r ? gpa - acc.r->base : 0;
    v->arch.hvm->mmio_exits++;
    if (npf_error & NPF_FETCH) {
        mmio_fail(v, "instruction fetch from a device", bytes, 0, gpa);
        return 0;
    }
    n = fetch_insn(v, vmcb, mode, bytes);
    if (insn_decode(bytes, n, mode, &in)) {
        mmio_fail(v, n ? "instruction not decoded" : "instruction bytes not readable", bytes, n, gpa);
        return 0;
    }
    regs_get(v, &regs);
    rc = insn_emulate(&in, &regs, &ops);
    if (rc == -EAGAIN && !acc.r) {
        mmio_to_server(v, &acc, acc.read_size);       /* emulated again once answered */
        return 0;
    }
    if (rc) {
        mmio_fail(v, "instruction not emulated", bytes, n, gpa);
        return 0;
    }
    regs_put(v, &regs);
    vmcb->rip = mode == INSN_MODE_64 ? vmcb->rip + in.len : (u32)(vmcb->rip + in.len);
    vmcb->interrupt_shadow = 0;
    if (acc.wrote)
        mmio_to_server(v, &acc, 0);                   /* done; the vCPU waits for the answer */
    return 0;
}
