/*
 * Instructions a PV guest may not run at CPL 3 and that Xen emulates:
 * CPUID behind the forced-emulation prefix (ud2; .ascii "xen"; cpuid), from
 * guest kernel and user mode alike; and on #GP, in guest kernel mode only:
 * rdmsr/wrmsr, mov to/from CR0/CR2/CR3/CR4 and DR0-DR7, clts, wbinvd,
 * xsetbv; in either mode, under the virtual IOPL: cli/sti and port I/O
 * (emulate_io.c). Anything else stays a #GP for the guest.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/cpu_policy.h>
#include <asm/fpu.h>
#include <asm/guest_load.h>
#include <asm/pv.h>
#include "emulate.h"

#define MSR_PAT        0x277
#define MSR_TSC_AUX    0xc0000103
#define XEN_PAT        0x0000050100070406UL         /* the PAT Xen gives PV guests */
#define CR4_GUEST_BITS (0x4UL /* TSD */ | 0x8UL /* DE */)

static const u8 forced_prefix[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

/* The first byte of [va, va+len) the guest cannot read (Xen's cr2 for the #PF). */
static unsigned long first_unreadable(unsigned long va, size_t len)
{
    u8 b;

    for (size_t i = 0; i < len; i++)
        if (copy_from_guest(&b, va + i, 1))
            return va + i;
    return va + len;
}

/* A #PF met while emulating; the user bit comes from the guest's mode, as in Xen. */
void pv_emul_page_fault(struct vcpu *v, unsigned long cr2, u32 ec)
{
    v->vcpu_info->arch.cr2 = cr2;
    pv_inject_trap(v, 14, true, ec | (v->arch.kernel_mode ? 0 : PFEC_USER_MODE));
}

static void fetch_fault(struct vcpu *v, unsigned long va, size_t len)
{
    pv_emul_page_fault(v, first_unreadable(va, len), 0);
}

/* The #DB of an emulated instruction: DR6 gets the hits (B0-B3, BS), as Xen's. */
void pv_emul_debug_trap(struct vcpu *v, unsigned int dr6_hits)
{
    v->arch.debugreg[6] |= 0xffff0ff0UL | dr6_hits;
    pv_inject_trap(v, 1, false, 0);
}

/* As Xen's pv_emul_instruction_done: single-stepping over an emulated instruction. */
void pv_emul_done(struct vcpu *v, struct cpu_user_regs *regs, unsigned long next_rip,
                  unsigned int dr6_hits)
{
    regs->rip = next_rip;
    if (regs->rflags & X86_EFLAGS_TF)
        dr6_hits |= 1u << 14;                        /* BS */
    if (dr6_hits)
        pv_emul_debug_trap(v, dr6_hits);
}

/*
 * #UD at ud2; "xen"; cpuid, from guest kernel or user mode (Xen 4.17 emulates
 * both). Bytes the guest cannot read give it a #PF there, as in Xen.
 */
bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    u8 insn[sizeof(forced_prefix)];
    u32 r[4];

    if (copy_from_guest(insn, regs->rip, 5)) {
        fetch_fault(v, regs->rip, 5);
        return true;
    }
    if (memcmp(insn, forced_prefix, 5))
        return false;
    if (copy_from_guest(insn + 5, regs->rip + 5, 2)) {
        fetch_fault(v, regs->rip + 5, 2);
        return true;
    }
    if (memcmp(insn + 5, forced_prefix + 5, 2))
        return false;
    pv_guest_cpuid(v->domain, (u32)regs->rax, (u32)regs->rcx, r);   /* cpu_policy.c */
    hv_debug("d%u cpuid %x/%x -> %x %x %x %x\n", v->domain->id, (u32)regs->rax,
             (u32)regs->rcx, r[0], r[1], r[2], r[3]);
    regs->rax = r[0];
    regs->rbx = r[1];
    regs->rcx = r[2];
    regs->rdx = r[3];
    pv_emul_done(v, regs, regs->rip + sizeof(forced_prefix), 0);
    return true;
}

static bool emulate_wrmsr(u32 msr, u64 val)
{
    switch (msr) {
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_SHADOW_GS_BASE:
        if (!guest_va_canonical(val))
            return false;
        return wrmsr_safe(msr, val);                 /* GS_BASE is the kernel's while in kernel mode */
    case MSR_PAT:
        return val == XEN_PAT;
    case MSR_TSC_AUX:
        return true;                                 /* getcpu: ignored, as Xen's default policy */
    default:
        return false;                                /* #GP: Linux uses the safe accessors */
    }
}

static bool emulate_rdmsr(u32 msr, u64 *val)
{
    switch (msr) {
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_SHADOW_GS_BASE: case MSR_EFER:
        *val = rdmsr(msr);
        return true;
    case MSR_PAT:
        *val = XEN_PAT;
        return true;
    default:
        return false;
    }
}

static unsigned long *gpr_of(struct cpu_user_regs *r, unsigned int n)
{
    unsigned long *const map[16] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };
    return map[n & 15];
}

static bool read_cr(struct vcpu *v, unsigned int cr, unsigned long *val)
{
    switch (cr) {
    case 0: *val = (read_cr0() & ~X86_CR0_TS) | (v->arch.virt_ts ? X86_CR0_TS : 0); return true;
    case 2: *val = v->vcpu_info->arch.cr2; return true;
    case 3: *val = v->arch.cr3_kernel << PAGE_SHIFT; return true;
    case 4: *val = v->arch.cr4; return true;
    default: return false;
    }
}

static bool write_cr(struct vcpu *v, unsigned int cr, unsigned long val)
{
    switch (cr) {
    case 0:                                          /* only TS is the guest's */
        v->arch.virt_ts = val & X86_CR0_TS;
        write_cr0(v->arch.virt_ts ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
        return true;
    case 4:
        v->arch.cr4 = (v->arch.cr4 & ~CR4_GUEST_BITS) | (val & CR4_GUEST_BITS);
        return true;
    default:
        return false;
    }
}

/* mov to/from control registers: 0F 20 /r and 0F 22 /r, register operand only. */
static int emulate_mov_cr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    const u8 *p = in->op;
    unsigned long *gpr;
    unsigned int cr;

    if ((p[2] >> 6) != 3)
        return EMUL_GP;
    cr = ((p[2] >> 3) & 7) | ((in->rex & 4) << 1);
    gpr = gpr_of(regs, (p[2] & 7) | ((in->rex & 1) << 3));
    if (p[1] == 0x20)
        return read_cr(current, cr, gpr) ? 3 : EMUL_GP;
    return write_cr(current, cr, *gpr) ? 3 : EMUL_GP;
}

/*
 * mov to/from debug registers: 0F 21 /r and 0F 23 /r. The CPU takes the
 * operand as a register whatever the mod bits say; the checks are
 * set_debugreg's (debugreg.c). As Xen: a register that does not exist
 * (DR4/5 with CR4.DE, DR8-15) is #UD, a refused value #GP(0). Long mode
 * moves all 64 bits.
 */
static int emulate_mov_dr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    const u8 *p = in->op;
    unsigned int dr = ((p[2] >> 3) & 7) | ((in->rex & 4) << 1);
    unsigned long *gpr = gpr_of(regs, (p[2] & 7) | ((in->rex & 1) << 3));
    long rc;

    if (p[1] == 0x21)
        rc = pv_get_debugreg(current, dr, gpr);
    else
        rc = pv_set_debugreg(current, dr, *gpr);
    if (rc == -ENODEV)
        return EMUL_UD;
    return rc ? EMUL_GP : 3;
}

/* The 0F xx instructions a guest kernel may have emulated. */
static int emulate_0f(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    const u8 *p = in->op;
    u64 val;

    switch (p[1]) {
    case 0x30:                                       /* wrmsr */
        return emulate_wrmsr((u32)regs->rcx, (regs->rdx << 32) | (u32)regs->rax) ? 2 : EMUL_GP;
    case 0x32:                                       /* rdmsr */
        if (!emulate_rdmsr((u32)regs->rcx, &val))
            return EMUL_GP;
        regs->rax = (u32)val;
        regs->rdx = val >> 32;
        return 2;
    case 0x06:                                       /* clts */
        write_cr(current, 0, 0);
        return 2;
    case 0x09:                                       /* wbinvd: nothing for a domU */
        return 2;
    case 0x01:                                       /* xsetbv: a subset of ours, with x87 */
        if (p[2] != 0xd1 || (u32)regs->rcx != 0 || !(regs->rax & 1) ||
            ((((u64)regs->rdx << 32) | (u32)regs->rax) & ~fpu_xcr0()))
            return EMUL_GP;
        return 3;
    case 0x20: case 0x22:
        return emulate_mov_cr(regs, in);
    case 0x21: case 0x23:
        return emulate_mov_dr(regs, in);
    default:
        return EMUL_GP;
    }
}

/* Legacy prefixes, then REX: what the emulated instructions can carry. */
static void decode_prefixes(struct emul_insn *in, const u8 *p, size_t avail)
{
    size_t n = 0;

    in->seg = -1;
    for (; n + 1 < avail; n++) {
        switch (p[n]) {
        case 0x66: in->opsize16 = true; continue;
        case 0x67: in->addr32 = true; continue;
        case 0xf3: case 0xf2: in->rep = true; continue;
        case 0xf0: continue;
        case 0x26: case 0x2e: case 0x36: case 0x3e: continue;   /* base 0 in long mode */
        case 0x64: in->seg = 4; continue;
        case 0x65: in->seg = 5; continue;
        }
        break;
    }
    if (n + 1 < avail && (p[n] & 0xf0) == 0x40)
        in->rex = p[n++];
    in->nr_prefixes = n;
    in->op = p + n;
}

/* Returns the instruction's length, or EMUL_GP / EMUL_UD / EMUL_INJECTED / EMUL_AGAIN. */
static int emulate_one(struct cpu_user_regs *regs, struct emul_insn *in)
{
    const u8 *p = in->op;
    int n;

    if (p[0] == 0xfa || p[0] == 0xfb || (p[0] & 0xf4) == 0xe4 || (p[0] & 0xfc) == 0x6c)
        n = pv_emulate_io(regs, in);
    else if (!current->arch.kernel_mode || p[0] != 0x0f)
        return EMUL_GP;                              /* user mode: like a CPL 3 CPU */
    else
        n = emulate_0f(regs, in);
    return n > 0 ? n + (int)in->nr_prefixes : n;
}

/* The bytes at rip: up to 15, fewer where the next page cannot be read. */
static size_t fetch_insn(unsigned long rip, u8 *buf, size_t max)
{
    size_t n = max;

    while (n && copy_from_guest(buf, rip, n))
        n = n > 1 ? n - 1 : 0;
    return n;
}

/* #GP(0) from the guest: true if handled (emulated, or another fault injected). */
bool pv_emulate_priv_op(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    u8 buf[16] = { 0 };
    struct emul_insn in = { 0 };
    size_t avail = fetch_insn(regs->rip, buf, 15);
    int len;

    if (!avail)
        return false;
    decode_prefixes(&in, buf, avail);
    len = emulate_one(regs, &in);
    switch (len) {
    case EMUL_GP:
        return false;
    case EMUL_UD:
        pv_inject_trap(v, 6, false, 0);
        return true;
    case EMUL_AGAIN:
        if (in.bpmatch)
            pv_emul_debug_trap(v, in.bpmatch);      /* a rep stopped at an I/O breakpoint */
        return true;
    case EMUL_INJECTED:
        return true;
    default:
        pv_emul_done(v, regs, regs->rip + len, in.bpmatch);
        return true;
    }
}
