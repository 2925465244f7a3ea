/*
 * The VMCB of an HVM vCPU: what is intercepted, the nested page table, and
 * the guest's first state. Guests start in 32-bit protected mode with
 * paging off and flat 4 GiB segments (CS 0x08, data 0x10), at the entry of
 * their image; with nested paging their physical addresses are
 * guest-physical ones. The guest loads its own GDT/IDT before it reloads a
 * segment register or takes an exception (docs/hvm.md).
 */
#include <hv/lib.h>
#include <asm/hvm.h>

_Static_assert(offsetof(struct vmcb, iopm_base_pa) == 0x040, "vmcb iopm");
_Static_assert(offsetof(struct vmcb, exitcode) == 0x070, "vmcb exitcode");
_Static_assert(offsetof(struct vmcb, np_enable) == 0x090, "vmcb np_enable");
_Static_assert(offsetof(struct vmcb, eventinj) == 0x0a8, "vmcb eventinj");
_Static_assert(offsetof(struct vmcb, nrip) == 0x0c8, "vmcb nrip");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "vmcb es");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "vmcb tr");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4cb, "vmcb cpl");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "vmcb efer");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "vmcb cr4");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "vmcb rip");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5d8, "vmcb rsp");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "vmcb rax");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "vmcb cr2");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "vmcb g_pat");
_Static_assert(sizeof(struct vmcb) == 4096, "vmcb size");

#define SEG_CODE32   0xc9b        /* G, D/B, P, S, type 0xb (execute/read, accessed) */
#define SEG_DATA32   0xc93        /* G, D/B, P, S, type 0x3 (read/write, accessed) */
#define SEG_TSS32    0x08b        /* P, busy 32-bit TSS */
#define SEG_LDT      0x082        /* P, LDT */
#define V_INTR_MASKING (1ULL << 24)
#define PAT_DEFAULT  0x0007040600070406ULL
#define CR0_PE_ET_NE 0x31ULL

static const u32 intercepts_misc1 =
    SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
    SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA |
    SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_TASKSW | SVM_INTERCEPT_SHUTDOWN;

/* VMRUN must be intercepted (the CPU refuses the VMCB otherwise); the rest are SVM's own too. */
static const u32 intercepts_misc2 =
    SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
    SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_RDTSCP |
    SVM_INTERCEPT_WBINVD | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_XSETBV;

static void seg_flat(struct vmcb_seg *s, u16 sel, u16 attr)
{
    *s = (struct vmcb_seg){ .sel = sel, .attr = attr, .limit = 0xffffffffu, .base = 0 };
}

static void vmcb_init_control(struct vmcb *vmcb, const struct hvm_domain *hd)
{
    vmcb->intercept_misc1 = intercepts_misc1;
    vmcb->intercept_misc2 = intercepts_misc2;
    vmcb->iopm_base_pa = svm_iopm_pa();
    vmcb->msrpm_base_pa = svm_msrpm_pa();
    vmcb->asid = 1;
    vmcb->tlb_control = 1;
    vmcb->vintr = V_INTR_MASKING;   /* the guest's IF is virtual; the host's masks real interrupts */
    vmcb->np_enable = 1;
    vmcb->n_cr3 = npt_root_maddr(&hd->npt);
}

static void vmcb_init_state(struct vmcb *vmcb)
{
    seg_flat(&vmcb->cs, 0x08, SEG_CODE32);
    seg_flat(&vmcb->ds, 0x10, SEG_DATA32);
    seg_flat(&vmcb->es, 0x10, SEG_DATA32);
    seg_flat(&vmcb->ss, 0x10, SEG_DATA32);
    seg_flat(&vmcb->fs, 0x10, SEG_DATA32);
    seg_flat(&vmcb->gs, 0x10, SEG_DATA32);
    vmcb->tr = (struct vmcb_seg){ .attr = SEG_TSS32, .limit = 0x67 };
    vmcb->ldtr = (struct vmcb_seg){ .attr = SEG_LDT };
    vmcb->gdtr = (struct vmcb_seg){ 0 };
    vmcb->idtr = (struct vmcb_seg){ 0 };
    vmcb->cpl = 0;
    vmcb->efer = EFER_SVME;         /* required by VMRUN; the guest reads EFER without it */
    vmcb->cr0 = CR0_PE_ET_NE;
    vmcb->cr3 = 0;
    vmcb->cr4 = 0;
    vmcb->dr6 = 0xffff0ff0;
    vmcb->dr7 = 0x400;
    vmcb->rflags = 0x2;             /* interrupts off */
    vmcb->g_pat = PAT_DEFAULT;
}

void vmcb_init(struct vmcb *vmcb, const struct hvm_domain *hd)
{
    memset(vmcb, 0, sizeof(*vmcb));
    vmcb_init_control(vmcb, hd);
    vmcb_init_state(vmcb);
}

void vmcb_set_entry(struct vmcb *vmcb, u32 rip)
{
    vmcb->rip = rip;
}

void vmcb_inject_exception(struct vmcb *vmcb, unsigned int vec, bool has_err, u32 err)
{
    vmcb->eventinj = (vec & 0xff) | SVM_EVENT_TYPE_EXCP | SVM_EVENT_VALID |
                     (has_err ? SVM_EVENT_ERR_VALID | ((u64)err << 32) : 0);
}

void vmcb_skip_insn(struct vmcb *vmcb, unsigned int len)
{
    vmcb->rip = svm_has_nrips() && vmcb->nrip ? vmcb->nrip : vmcb->rip + len;
    vmcb->interrupt_shadow = 0;
}
