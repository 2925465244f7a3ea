/*
 * AMD SVM (APM vol. 2 ch. 15): the VMCB layout, intercept bits and exit
 * codes the HVM code uses. The layout is the architectural one; the
 * _Static_asserts in vmcb.c pin the offsets.
 */
#ifndef ASM_SVM_H
#define ASM_SVM_H

#include <hv/types.h>

#define MSR_VM_CR          0xc0010114u
#define MSR_VM_HSAVE_PA    0xc0010117u
#define VM_CR_SVMDIS       (1u << 4)
#define EFER_SVME          (1u << 12)

/* CPUID 0x80000001 ECX */
#define CPUID_EXT_ECX_SVM  (1u << 2)
/* CPUID 0x8000000A EDX */
#define SVM_FEATURE_NPT    (1u << 0)
#define SVM_FEATURE_NRIPS  (1u << 3)

/* Intercept word 3 (VMCB 0x00c) */
#define SVM_INTERCEPT_INTR      (1u << 0)
#define SVM_INTERCEPT_NMI       (1u << 1)
#define SVM_INTERCEPT_SMI       (1u << 2)
#define SVM_INTERCEPT_INIT      (1u << 3)
#define SVM_INTERCEPT_CPUID     (1u << 18)
#define SVM_INTERCEPT_INVD      (1u << 22)
#define SVM_INTERCEPT_HLT       (1u << 24)
#define SVM_INTERCEPT_INVLPGA   (1u << 26)
#define SVM_INTERCEPT_IOIO      (1u << 27)
#define SVM_INTERCEPT_MSR       (1u << 28)
#define SVM_INTERCEPT_TASKSW    (1u << 29)
#define SVM_INTERCEPT_SHUTDOWN  (1u << 31)
/* Intercept word 4 (VMCB 0x010) */
#define SVM_INTERCEPT_VMRUN     (1u << 0)
#define SVM_INTERCEPT_VMMCALL   (1u << 1)
#define SVM_INTERCEPT_VMLOAD    (1u << 2)
#define SVM_INTERCEPT_VMSAVE    (1u << 3)
#define SVM_INTERCEPT_STGI      (1u << 4)
#define SVM_INTERCEPT_CLGI      (1u << 5)
#define SVM_INTERCEPT_SKINIT    (1u << 6)
#define SVM_INTERCEPT_RDTSCP    (1u << 7)
#define SVM_INTERCEPT_WBINVD    (1u << 9)
#define SVM_INTERCEPT_MONITOR   (1u << 10)
#define SVM_INTERCEPT_MWAIT     (1u << 11)
#define SVM_INTERCEPT_XSETBV    (1u << 13)

/* Exit codes */
#define SVM_EXIT_EXCP_BASE   0x040
#define SVM_EXIT_INTR        0x060
#define SVM_EXIT_NMI         0x061
#define SVM_EXIT_SMI         0x062
#define SVM_EXIT_INIT        0x063
#define SVM_EXIT_CPUID       0x072
#define SVM_EXIT_INVD        0x076
#define SVM_EXIT_HLT         0x078
#define SVM_EXIT_INVLPGA     0x07a
#define SVM_EXIT_IOIO        0x07b
#define SVM_EXIT_MSR         0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN    0x07f
#define SVM_EXIT_VMRUN       0x080
#define SVM_EXIT_VMMCALL     0x081
#define SVM_EXIT_VMLOAD      0x082
#define SVM_EXIT_VMSAVE      0x083
#define SVM_EXIT_STGI        0x084
#define SVM_EXIT_CLGI        0x085
#define SVM_EXIT_SKINIT      0x086
#define SVM_EXIT_RDTSCP      0x087
#define SVM_EXIT_WBINVD      0x089
#define SVM_EXIT_MONITOR     0x08a
#define SVM_EXIT_MWAIT       0x08b
#define SVM_EXIT_MWAIT_COND  0x08c
#define SVM_EXIT_XSETBV      0x08d
#define SVM_EXIT_NPF         0x400
#define SVM_EXIT_INVALID     0xffffffffffffffffULL

/* EVENTINJ / EXITINTINFO */
#define SVM_EVENT_VALID      (1u << 31)
#define SVM_EVENT_ERR_VALID  (1u << 11)
#define SVM_EVENT_TYPE_EXCP  (3u << 8)

/* IOIO EXITINFO1 */
#define SVM_IOIO_IN          (1u << 0)
#define SVM_IOIO_STR         (1u << 2)
#define SVM_IOIO_REP         (1u << 3)
#define SVM_IOIO_SIZE_SHIFT  4            /* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_PORT_SHIFT  16

/* The intercept maps' sizes (APM 15.10, 15.11). */
#define SVM_IOPM_PAGES   3
#define SVM_MSRPM_PAGES  2

struct vmcb_seg {
    u16 sel;
    u16 attr;
    u32 limit;
    u64 base;
};

/* The VMCB: one page, control area at 0, state save area at 0x400. */
struct vmcb {
    u32 intercept_cr;          /* 0x000: reads low 16, writes high 16 */
    u32 intercept_dr;          /* 0x004 */
    u32 intercept_exceptions;  /* 0x008 */
    u32 intercept_misc1;       /* 0x00c */
    u32 intercept_misc2;       /* 0x010 */
    u32 intercept_misc3;       /* 0x014 */
    u8  res0[0x03c - 0x018];
    u16 pause_filter_threshold;/* 0x03c */
    u16 pause_filter_count;    /* 0x03e */
    u64 iopm_base_pa;          /* 0x040 */
    u64 msrpm_base_pa;         /* 0x048 */
    u64 tsc_offset;            /* 0x050 */
    u32 asid;                  /* 0x058 */
    u8  tlb_control;           /* 0x05c */
    u8  res1[3];
    u64 vintr;                 /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING (bit 24) ... */
    u64 interrupt_shadow;      /* 0x068 */
    u64 exitcode;              /* 0x070 */
    u64 exitinfo1;             /* 0x078 */
    u64 exitinfo2;             /* 0x080 */
    u64 exitintinfo;           /* 0x088 */
    u64 np_enable;             /* 0x090 */
    u8  res2[0x0a8 - 0x098];
    u64 eventinj;              /* 0x0a8 */
    u64 n_cr3;                 /* 0x0b0 */
    u64 virt_ext;              /* 0x0b8 */
    u32 clean_bits;            /* 0x0c0 */
    u32 res3;
    u64 nrip;                  /* 0x0c8 */
    u8  insn_len;              /* 0x0d0 */
    u8  insn_bytes[15];
    u8  res4[0x400 - 0x0e0];
    /* state save area */
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;   /* 0x400 - 0x49f */
    u8  res5[0x4cb - 0x4a0];
    u8  cpl;                   /* 0x4cb */
    u32 res6;
    u64 efer;                  /* 0x4d0 */
    u8  res7[0x548 - 0x4d8];
    u64 cr4;                   /* 0x548 */
    u64 cr3;                   /* 0x550 */
    u64 cr0;                   /* 0x558 */
    u64 dr7;                   /* 0x560 */
    u64 dr6;                   /* 0x568 */
    u64 rflags;                /* 0x570 */
    u64 rip;                   /* 0x578 */
    u8  res8[0x5d8 - 0x580];
    u64 rsp;                   /* 0x5d8 */
    u8  res9[0x5f8 - 0x5e0];
    u64 rax;                   /* 0x5f8 */
    u64 star;                  /* 0x600 */
    u64 lstar;                 /* 0x608 */
    u64 cstar;                 /* 0x610 */
    u64 sfmask;                /* 0x618 */
    u64 kernel_gs_base;        /* 0x620 */
    u64 sysenter_cs;           /* 0x628 */
    u64 sysenter_esp;          /* 0x630 */
    u64 sysenter_eip;          /* 0x638 */
    u64 cr2;                   /* 0x640 */
    u8  res10[0x668 - 0x648];
    u64 g_pat;                 /* 0x668 */
    u64 dbgctl;                /* 0x670 */
    u8  res11[0x1000 - 0x678];
};

/* The guest's general registers that VMRUN does not keep in the VMCB. */
struct svm_gprs {
    u64 rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * svm_entry.S: saves the host's VMLOAD/VMSAVE state to host_save_pa, loads
 * the guest's from vmcb_pa and the GPRs, runs the guest until #VMEXIT,
 * stores them back and reloads the host's. Called with interrupts off;
 * takes the interrupts that arrived in guest mode before it returns.
 */
void svm_vmrun(u64 vmcb_pa, struct svm_gprs *gprs, u64 host_save_pa);

#endif
