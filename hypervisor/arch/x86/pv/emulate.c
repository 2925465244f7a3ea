/*
 * Instructions a PV kernel may not run at CPL 3 and that Xen emulates:
 * CPUID behind the forced-emulation prefix (ud2; .ascii "xen"; cpuid), and
 * rdmsr/wrmsr of the segment-base MSRs. Everything else stays a #GP.
 */
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <asm/cpu.h>
#include <asm/x86.h>

static const u8 forced_prefix[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

static void guest_cpuid(u32 leaf, u32 sub, u32 r[4])
{
    if (leaf >= 0x40000000 && leaf < 0x40010000) {
        r[0] = r[1] = r[2] = r[3] = 0;
        if (leaf == 0x40000000) {
            r[0] = 0x40000002;                       /* max hypervisor leaf */
            memcpy(&r[1], "XenVMMXenVMM", 12);       /* ebx, ecx, edx */
        } else if (leaf == 0x40000001) {
            r[0] = (4 << 16) | 17;                   /* Xen 4.17 ABI */
        } else if (leaf == 0x40000002) {
            r[0] = 1;                                /* one hypercall page */
            r[1] = 0x40000000;                       /* its MSR */
        }
        return;
    }
    cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    if (leaf == 1) {
        r[2] &= ~((1u << 5) | (1u << 3));            /* no VMX, no MONITOR */
        r[2] |= 1u << 31;                            /* hypervisor present */
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
    regs->rax = r[0];
    regs->rbx = r[1];
    regs->rcx = r[2];
    regs->rdx = r[3];
    regs->rip += sizeof(forced_prefix);
    return true;
}

static bool emulate_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
    if (!guest_va_canonical(val) &&
        (msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_SHADOW_GS_BASE))
        return false;
    switch (msr) {
    case MSR_FS_BASE:
        wrmsr(MSR_FS_BASE, val);
        return true;
    case MSR_GS_BASE:                                /* the kernel's, active in kernel mode */
        wrmsr(MSR_GS_BASE, val);
        return true;
    case MSR_SHADOW_GS_BASE:
        wrmsr(MSR_SHADOW_GS_BASE, val);
        return true;
    default:
        hv_debug("d%u: ignoring wrmsr %x <- %lx\n", v->domain->id, msr, val);
        return true;
    }
}

static bool emulate_rdmsr(u32 msr, u64 *val)
{
    switch (msr) {
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_SHADOW_GS_BASE: case MSR_EFER:
        *val = rdmsr(msr);
        return true;
    default:
        *val = 0;
        return true;
    }
}

bool pv_emulate_priv_op(struct cpu_user_regs *regs)
{
    u8 op[2];
    u64 val;

    if (copy_from_guest(op, regs->rip, 2) || op[0] != 0x0f)
        return false;
    switch (op[1]) {
    case 0x30:                                       /* wrmsr */
        if (!emulate_wrmsr(current, (u32)regs->rcx, (regs->rdx << 32) | (u32)regs->rax))
            return false;
        break;
    case 0x32:                                       /* rdmsr */
        emulate_rdmsr((u32)regs->rcx, &val);
        regs->rax = (u32)val;
        regs->rdx = val >> 32;
        break;
    case 0x06:                                       /* clts */
        current->arch.virt_ts = false;
        write_cr0(read_cr0() & ~X86_CR0_TS);
        break;
    default:
        return false;
    }
    regs->rip += 2;
    return true;
}
