/* x86 PV state of a vCPU: what the guest sees as its virtual CPU. */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H

#include <hv/types.h>
#include <hv/xen.h>

struct hvm_vcpu;

struct arch_vcpu {
    struct hvm_vcpu *hvm;              /* SVM state of an HVM vCPU (asm/hvm.h), NULL: PV */
    struct cpu_user_regs *regs;        /* guest frame at the top of the hypervisor stack */
    void *stack;                       /* hypervisor stack pages */
    unsigned long saved_rsp;           /* hypervisor rsp while switched out */
    bool kernel_mode;                  /* guest kernel (true) or guest user mode */
    mfn_t cr3_kernel, cr3_user;        /* guest page-table bases (0 = none) */
    mfn_t pt_release_pending;          /* a table release a hypercall left partial (0 = none) */
    unsigned long kernel_ss, kernel_sp;
    struct trap_info trap_ctxt[256];   /* virtual IDT */
    unsigned long event_callback;
    unsigned long failsafe_callback;
    unsigned long syscall_callback;
    bool failsafe_mask_events, syscall_mask_events;
    unsigned long fs_base, gs_base_kernel, gs_base_user;
    u16 ds, es, fs, gs;
    bool virt_ts;                      /* guest's virtual CR0.TS (fpu_taskswitch) */
    unsigned long cr4;                 /* the guest's view of CR4 */
    unsigned int iopl;                 /* virtual IOPL (PHYSDEVOP_set_iopl) */
    mfn_t vcpu_info_mfn;               /* registered vcpu_info page (0: in shared_info) */
    void *fpu_area;                    /* XSAVE/FXSAVE area */
    u64 *gdt_shadow;                   /* validated copy of the guest's GDT entries */
    unsigned int gdt_ents;
    unsigned int gdt_nr_frames;
    mfn_t gdt_frames[14];              /* FIRST_RESERVED_GDT_PAGE */
    u64 *ldt_shadow;                   /* validated copy of the guest's LDT (SET_LDT) */
    unsigned int ldt_ents;
    unsigned int ldt_nr_frames;        /* typed frames held */
    unsigned int ldt_shadow_pages;
    mfn_t ldt_frames[16];              /* 8192 entries at most */
    unsigned long debugreg[8];         /* virtual DR0-DR7 (DR4/5 unused) */
    unsigned long dr7_emul;            /* enables of I/O breakpoints (CR4.DE), emulated, never loaded */
    u64 hypercalls;                    /* count, for the panic screen */
    int lazy_cpu;                      /* the idle CPU whose CR3 still holds its tables, or -1 */
};

/* Before a vCPU's base pointers are dropped, or it runs on another CPU: no
 * idle CPU may keep its tables in CR3 (context.c, "Lazy CR3"). */
void arch_vcpu_drop_lazy(struct vcpu *v);
/* The flush IPI on an idle CPU: drop kept tables (a full flush). True if it did. */
bool arch_lazy_drop_on_flush(void);

#endif
