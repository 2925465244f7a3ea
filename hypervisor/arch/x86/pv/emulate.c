/*
 * Instructions a PV kernel may not run at CPL 3 and that Xen emulates:
 * CPUID behind the forced-emulation prefix (ud2; .ascii "xen"; cpuid), and
 * on #GP: rdmsr/wrmsr, mov to/from CR0/CR2/CR3/CR4, clts, wbinvd, cli/sti
 * (the event mask, with a virtual IOPL), and port
 * I/O (a domU owns no ports: reads give all ones, writes are dropped, with
 * a virtual IOPL of at least 1). Anything else stays a #GP for the guest.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/x86.h>

#define MSR_PAT        0x277
#define MSR_TSC_AUX    0xc0000103
#define XEN_PAT        0x0000050100070406UL         /* the PAT Xen gives PV guests */
#define CR4_GUEST_BITS (0x4UL /* TSD */ | 0x8UL /* DE */)

static const u8 forced_prefix[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

/*
 * The CPUID a PV guest sees: the host's, minus what a ring-3 kernel under a
 * hypervisor cannot use (as Xen's PV policy): superpages and global pages,
 * the local APIC, MTRR/MCA, virtualisation and monitor, PCID, SMEP/SMAP,
 * FSGSBASE, PKU, LA57, and the performance-monitoring leaf.
 */
#define BIT(n) (1u << (n))
#define L1_EDX_HIDE (BIT(1) | BIT(2) | BIT(3) | BIT(7) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | \
                     BIT(14) | BIT(17) | BIT(18) | BIT(21) | BIT(22) | BIT(29) | BIT(31))
#define L1_ECX_HIDE (BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(17) | \
                     BIT(21) | BIT(24))
#define L7_EBX_HIDE (BIT(0) | BIT(7) | BIT(10) | BIT(14) | BIT(20))
#define L7_ECX_HIDE (BIT(2) | BIT(3) | BIT(4) | BIT(16))
#define XL1_EDX_HIDE (BIT(26))                       /* 1 GiB pages */
#define XL1_ECX_HIDE (BIT(2))                        /* SVM */

static void hypervisor_leaves(u32 leaf, u32 r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf == 0x40000000) {
        r[0] = 0x40000002;                           /* max hypervisor leaf */
        memcpy(&r[1], "XenVMMXenVMM", 12);           /* ebx, ecx, edx */
    } else if (leaf == 0x40000001) {
        r[0] = (4 << 16) | 17;                       /* Xen 4.17 ABI */
    } else if (leaf == 0x40000002) {
        r[0] = 1;                                    /* one hypercall page */
        r[1] = 0x40000000;                           /* its MSR */
    }
}

static void guest_cpuid(u32 leaf, u32 sub, u32 r[4])
{
    if (leaf >= 0x40000000 && leaf < 0x40010000) {
        hypervisor_leaves(leaf, r);
        return;
    }
    cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    switch (leaf) {
    case 1:
        r[2] = (r[2] & ~L1_ECX_HIDE) | BIT(31);      /* hypervisor present */
        r[3] &= ~L1_EDX_HIDE;
        break;
    case 7:
        if (sub == 0) {
            r[1] &= ~L7_EBX_HIDE;
            r[2] &= ~L7_ECX_HIDE;
        }
        break;
    case 0xa:
        r[0] = r[1] = r[2] = r[3] = 0;               /* no PMU */
        break;
    case 0x80000001:
        r[2] &= ~XL1_ECX_HIDE;
        r[3] &= ~XL1_EDX_HIDE;
        break;
    default:
        break;
    }
}

bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs)
{
    u8 insn[sizeof(forced_prefix)];
    u32 r[4];

    if (copy_from_guest(insn, regs->rip, sizeof(insn)) ||
        memcmp(insn, forced_prefix, sizeof(insn)))
        return false;
    guest_cpuid((u32)regs->rax, (u32)regs->rcx, r);
    hv_debug("d%u cpuid %x/%x -> %x %x %x %x\n", current->domain->id, (u32)regs->rax,
             (u32)regs->rcx, r[0], r[1], r[2], r[3]);
    regs->rax = r[0];
    regs->rbx = r[1];
    regs->rcx = r[2];
    regs->rdx = r[3];
    regs->rip += sizeof(forced_prefix);
    return true;
}

static bool emulate_wrmsr(u32 msr, u64 val)
{
    switch (msr) {
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_SHADOW_GS_BASE:
        if (!guest_va_canonical(val))
            return false;
        wrmsr(msr, val);                             /* GS_BASE is the kernel's while in kernel mode */
        return true;
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

static unsigned long *modrm_gpr(struct cpu_user_regs *r, u8 modrm, u8 rex)
{
    unsigned long *const map[16] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };
    return map[(modrm & 7) | ((rex & 1) << 3)];
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
static int emulate_mov_cr(struct cpu_user_regs *regs, const u8 *p, u8 rex)
{
    unsigned long *gpr;
    unsigned int cr;

    if ((p[2] >> 6) != 3)
        return 0;
    cr = ((p[2] >> 3) & 7) | ((rex & 4) << 1);
    gpr = modrm_gpr(regs, p[2], rex);
    if (p[1] == 0x20)
        return read_cr(current, cr, gpr) ? 3 : 0;
    return write_cr(current, cr, *gpr) ? 3 : 0;
}

/* Port I/O a domU may attempt with IOPL >= 1: every port reads as all ones. */
static int emulate_io(struct cpu_user_regs *regs, const u8 *p, bool opsize16)
{
    unsigned int size = (p[0] & 1) ? (opsize16 ? 2 : 4) : 1;
    int len = (p[0] == 0xe4 || p[0] == 0xe5 || p[0] == 0xe6 || p[0] == 0xe7) ? 2 : 1;
    bool in = p[0] == 0xe4 || p[0] == 0xe5 || p[0] == 0xec || p[0] == 0xed;

    if (current->arch.iopl < 1)
        return 0;
    if (in) {
        unsigned long ones = size == 4 ? 0xffffffffUL : (1UL << (size * 8)) - 1;

        regs->rax = size == 4 ? ones : (regs->rax & ~ones) | ones;
    }
    return len;
}

/* Returns the length of the emulated instruction, or 0 to inject #GP. */
static int emulate_one(struct cpu_user_regs *regs, const u8 *p)
{
    u64 val;
    u8 rex = 0;
    bool opsize16 = false;
    int pre = 0;

    if (p[pre] == 0x66)
        opsize16 = true, pre++;
    if ((p[pre] & 0xf0) == 0x40)
        rex = p[pre++];
    p += pre;
    if ((p[0] == 0xfa || p[0] == 0xfb) && current->arch.iopl >= 1) {
        /* cli/sti with a virtual IOPL: the event mask is the guest's IF (as Xen). */
        current->vcpu_info->evtchn_upcall_mask = p[0] == 0xfa;
        return 1 + pre;
    }
    if ((p[0] & 0xf4) == 0xe4 && p[0] != 0xe8 && p[0] != 0xe9 && p[0] != 0xea && p[0] != 0xeb) {
        int n = emulate_io(regs, p, opsize16);
        return n ? n + pre : 0;
    }
    if (p[0] != 0x0f)
        return 0;
    switch (p[1]) {
    case 0x30:                                       /* wrmsr */
        return emulate_wrmsr((u32)regs->rcx, (regs->rdx << 32) | (u32)regs->rax) ? 2 + pre : 0;
    case 0x32:                                       /* rdmsr */
        if (!emulate_rdmsr((u32)regs->rcx, &val))
            return 0;
        regs->rax = (u32)val;
        regs->rdx = val >> 32;
        return 2 + pre;
    case 0x06:                                       /* clts */
        write_cr(current, 0, 0);
        return 2 + pre;
    case 0x09:                                       /* wbinvd: nothing for a domU */
        return 2 + pre;
    case 0x01:                                       /* xsetbv: a subset of ours, with x87 */
        if (p[2] != 0xd1 || (u32)regs->rcx != 0 || !(regs->rax & 1) ||
            ((((u64)regs->rdx << 32) | (u32)regs->rax) & ~fpu_xcr0()))
            return 0;
        return 3 + pre;
    case 0x20: case 0x22: {
        int n = emulate_mov_cr(regs, p, rex);
        return n ? n + pre : 0;
    }
    default:
        return 0;
    }
}

bool pv_emulate_priv_op(struct cpu_user_regs *regs)
{
    u8 insn[16] = { 0 };
    int len;

    if (copy_from_guest(insn, regs->rip, 8))
        return false;
    len = emulate_one(regs, insn);
    if (!len)
        return false;
    regs->rip += len;
    return true;
}
