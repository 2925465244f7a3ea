/*
 * What the hypervisor does with each SVM exit code: a table from code to
 * kind (hvm/exit_table.c, pure, unit-tested); svm.c has one handler per kind.
 */
#ifndef ASM_HVM_EXIT_H
#define ASM_HVM_EXIT_H

#include <hv/types.h>

enum hvm_exit_kind {
    HVM_EXIT_UNHANDLED,        /* not expected (not intercepted): crash the domain */
    HVM_EXIT_INTR,             /* a physical interrupt: taken by the host after STGI */
    HVM_EXIT_NMI,
    HVM_EXIT_CPUID,
    HVM_EXIT_MSR,
    HVM_EXIT_IO,
    HVM_EXIT_HLT,
    HVM_EXIT_NPF,
    HVM_EXIT_UD,               /* SVM and other refused instructions: #UD injected */
    HVM_EXIT_SKIP,             /* an instruction with no effect for the guest (WBINVD, INVD) */
    HVM_EXIT_SHUTDOWN,         /* triple fault */
    HVM_EXIT_TASK_SWITCH,      /* not emulated: crash */
    HVM_EXIT_INVALID,          /* VMRUN refused the VMCB */
    HVM_EXIT_KINDS
};

struct hvm_exit_desc {
    const char *name;
    enum hvm_exit_kind kind;
};

/* A kind's short name (the exit counts' log line). */
const char *hvm_exit_kind_name(enum hvm_exit_kind kind);
/* Never NULL: unknown codes are "unknown", HVM_EXIT_UNHANDLED. */
const struct hvm_exit_desc *hvm_exit_describe(u64 exitcode);

#endif
