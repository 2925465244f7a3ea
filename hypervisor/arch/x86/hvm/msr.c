/*
 * RDMSR/WRMSR of an HVM guest. The MSR permission map intercepts every
 * MSR (svm.c); the few emulated here live in the VMCB (EFER, PAT, the
 * syscall and segment-base MSRs VMLOAD/VMSAVE move) or are the TSC, and one
 * reads as zero (AMD's C1E message register, for Linux's erratum check). Every
 * other MSR is #GP, as on a CPU without it. Values that VMRUN or VMLOAD
 * would refuse (non-canonical bases, EFER bits, PAT types) are #GP too, so
 * a guest can never make the host's VMLOAD fault.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/msr.h>
#include <asm/hvm.h>

#define MSR_TSC            0x10
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_PAT            0x277
#define MSR_APIC_BASE      0x1b
/* AMD's C1E "interrupt pending message" register: Linux reads it unguarded on the families with
 * erratum 400; reads as 0 (no C1E), writes #GP. */
#define MSR_K8_INT_PENDING_MSG 0xc0010055
#define APIC_BASE_BSP      (1ULL << 8)
#define APIC_BASE_ENABLE   (1ULL << 11)
#define EFER_LME           (1ULL << 8)
#define EFER_LMA           (1ULL << 10)
#define EFER_GUEST_BITS    (EFER_SCE | EFER_LME | EFER_NXE)
#define CR0_PG             (1ULL << 31)

static bool canonical(u64 a)
{
    return (u64)((s64)(a << 16) >> 16) == a;
}

/* The VMCB field behind an MSR that is just stored, NULL for the others. */
static u64 *vmcb_msr_slot(struct vmcb *vmcb, u32 msr)
{
    switch (msr) {
    case MSR_STAR:           return &vmcb->star;
    case MSR_LSTAR:          return &vmcb->lstar;
    case MSR_CSTAR:          return &vmcb->cstar;
    case MSR_SFMASK:         return &vmcb->sfmask;
    case MSR_SHADOW_GS_BASE: return &vmcb->kernel_gs_base;
    case MSR_FS_BASE:        return &vmcb->fs.base;
    case MSR_GS_BASE:        return &vmcb->gs.base;
    case MSR_SYSENTER_CS:    return &vmcb->sysenter_cs;
    case MSR_SYSENTER_ESP:   return &vmcb->sysenter_esp;
    case MSR_SYSENTER_EIP:   return &vmcb->sysenter_eip;
    case MSR_PAT:            return &vmcb->g_pat;
    default:                 return NULL;
    }
}

/* The local APIC is always enabled at its default base (vlapic.c); vCPU 0 is the BSP. */
static u64 apic_base(const struct vcpu *v)
{
    return VLAPIC_BASE | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
}

int hvm_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    u64 *slot = vmcb_msr_slot(vmcb, msr);

    if (slot) {
        *val = *slot;
        return 0;
    }
    if (msr == MSR_EFER) {
        *val = vmcb->efer & ~(u64)EFER_SVME;
        return 0;
    }
    if (msr == MSR_TSC) {
        *val = arch_read_tsc() + vmcb->tsc_offset;
        return 0;
    }
    if (msr == MSR_APIC_BASE) {
        *val = apic_base(v);
        return 0;
    }
    if (msr == MSR_K8_INT_PENDING_MSG) {
        *val = 0;
        return 0;
    }
    return -EINVAL;
}

static bool pat_valid(u64 pat)
{
    for (unsigned int i = 0; i < 8; i++) {
        u8 t = (pat >> (8 * i)) & 0xff;

        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static int efer_write(struct vmcb *vmcb, u64 val)
{
    if (val & ~(EFER_GUEST_BITS | EFER_LMA))
        return -EINVAL;
    if ((val ^ vmcb->efer) & EFER_LME && vmcb->cr0 & CR0_PG)
        return -EINVAL;                              /* LME changes only with paging off */
    vmcb->efer = (val & EFER_GUEST_BITS) | (vmcb->efer & EFER_LMA) | EFER_SVME;
    return 0;
}

int hvm_msr_write(struct vcpu *v, u32 msr, u64 val)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    u64 *slot = vmcb_msr_slot(vmcb, msr);

    if (msr == MSR_APIC_BASE)                        /* the APIC stays on, in xAPIC mode, where it is */
        return val == apic_base(v) ? 0 : -EINVAL;
    if (msr == MSR_EFER)
        return efer_write(vmcb, val);
    if (!slot)
        return -EINVAL;
    if (msr == MSR_PAT ? !pat_valid(val) : (msr != MSR_STAR && msr != MSR_SFMASK &&
                                             msr != MSR_SYSENTER_CS && !canonical(val)))
        return -EINVAL;
    if ((msr == MSR_SFMASK || msr == MSR_SYSENTER_CS) && val >> 32)
        return -EINVAL;
    *slot = val;
    return 0;
}
