/*
 * The exit-dispatch table: SVM exit code to the kind of handling. Codes
 * 0x000-0x08f index the table; NPF (0x400) and VMEXIT_INVALID (-1) are
 * looked at first. An instruction SVM virtualizes is refused with #UD,
 * as Xen does without nested virtualization.
 */
#include <hv/lib.h>
#include <asm/svm.h>
#include <asm/hvm_exit.h>

#define EXIT_TABLE_SIZE 0x90

static const struct hvm_exit_desc exit_table[EXIT_TABLE_SIZE] = {
    [SVM_EXIT_INTR]        = { "INTR", HVM_EXIT_INTR },
    [SVM_EXIT_NMI]         = { "NMI", HVM_EXIT_NMI },
    [SVM_EXIT_CPUID]       = { "CPUID", HVM_EXIT_CPUID },
    [SVM_EXIT_INVD]        = { "INVD", HVM_EXIT_SKIP },
    [SVM_EXIT_HLT]         = { "HLT", HVM_EXIT_HLT },
    [SVM_EXIT_INVLPGA]     = { "INVLPGA", HVM_EXIT_UD },
    [SVM_EXIT_IOIO]        = { "IOIO", HVM_EXIT_IO },
    [SVM_EXIT_MSR]         = { "MSR", HVM_EXIT_MSR },
    [SVM_EXIT_TASK_SWITCH] = { "TASK_SWITCH", HVM_EXIT_TASK_SWITCH },
    [SVM_EXIT_SHUTDOWN]    = { "SHUTDOWN", HVM_EXIT_SHUTDOWN },
    [SVM_EXIT_VMRUN]       = { "VMRUN", HVM_EXIT_UD },
    [SVM_EXIT_VMMCALL]     = { "VMMCALL", HVM_EXIT_UD },
    [SVM_EXIT_VMLOAD]      = { "VMLOAD", HVM_EXIT_UD },
    [SVM_EXIT_VMSAVE]      = { "VMSAVE", HVM_EXIT_UD },
    [SVM_EXIT_STGI]        = { "STGI", HVM_EXIT_UD },
    [SVM_EXIT_CLGI]        = { "CLGI", HVM_EXIT_UD },
    [SVM_EXIT_SKINIT]      = { "SKINIT", HVM_EXIT_UD },
    [SVM_EXIT_RDTSCP]      = { "RDTSCP", HVM_EXIT_UD },
    [SVM_EXIT_WBINVD]      = { "WBINVD", HVM_EXIT_SKIP },
    [SVM_EXIT_MONITOR]     = { "MONITOR", HVM_EXIT_UD },
    [SVM_EXIT_MWAIT]       = { "MWAIT", HVM_EXIT_UD },
    [SVM_EXIT_MWAIT_COND]  = { "MWAIT_COND", HVM_EXIT_UD },
    [SVM_EXIT_XSETBV]      = { "XSETBV", HVM_EXIT_UD },
};

static const struct hvm_exit_desc exit_npf = { "NPF", HVM_EXIT_NPF };
static const struct hvm_exit_desc exit_invalid = { "INVALID", HVM_EXIT_INVALID };
static const struct hvm_exit_desc exit_unknown = { "unknown", HVM_EXIT_UNHANDLED };

static const char *const kind_names[HVM_EXIT_KINDS] = {
    [HVM_EXIT_UNHANDLED] = "unhandled", [HVM_EXIT_INTR] = "intr", [HVM_EXIT_NMI] = "nmi",
    [HVM_EXIT_CPUID] = "cpuid", [HVM_EXIT_MSR] = "msr", [HVM_EXIT_IO] = "io",
    [HVM_EXIT_HLT] = "hlt", [HVM_EXIT_NPF] = "npf", [HVM_EXIT_UD] = "ud",
    [HVM_EXIT_SKIP] = "skip", [HVM_EXIT_SHUTDOWN] = "shutdown",
    [HVM_EXIT_TASK_SWITCH] = "task_switch", [HVM_EXIT_INVALID] = "invalid",
};

const char *hvm_exit_kind_name(enum hvm_exit_kind kind)
{
    return (unsigned int)kind < HVM_EXIT_KINDS ? kind_names[kind] : "?";
}

const struct hvm_exit_desc *hvm_exit_describe(u64 exitcode)
{
    if (exitcode == SVM_EXIT_NPF)
        return &exit_npf;
    if (exitcode == SVM_EXIT_INVALID)
        return &exit_invalid;
    if (exitcode < EXIT_TABLE_SIZE && exit_table[exitcode].name)
        return &exit_table[exitcode];
    return &exit_unknown;
}
