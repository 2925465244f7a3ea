/*
 * CPUID as an HVM guest sees it: the host's, filtered by a table of what
 * is hidden and why, as Xen's HVM featureset hides what it does not
 * virtualize. A feature stays hidden when it names MSRs or instructions
 * this hypervisor neither emulates nor lets through (an unmodified kernel
 * would otherwise touch them and take #GP or #UD), or guest state the
 * VMCB does not switch. Set: the hypervisor bit; the initial APIC ID is
 * the vCPU's number. No hypervisor leaves: the guest sees a plain PC.
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/cpuid.h>
#include <asm/hvm.h>

enum { EAX, EBX, ECX, EDX };

struct cpuid_hide {
    u32 leaf;
    u8 reg;
    u32 bits;
};

#define BIT(n) (1u << (n))

static const struct cpuid_hide hidden[] = {
    /* leaf 1 EDX: MCE, MTRR, MCA (no machine-check or MTRR MSRs), DS, ACPI thermal, TM */
    { 1, EDX, BIT(7) | BIT(12) | BIT(14) | BIT(21) | BIT(22) | BIT(29) },
    /* leaf 1 ECX: DTES64, MONITOR (#UD), DS-CPL, VMX, SMX, EST, TM2, PDCM, x2APIC and TSC
     * deadline (the emulated APIC is xAPIC only), XSAVE/OSXSAVE/AVX (XSETBV is #UD) */
    { 1, ECX, BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(15) | BIT(21) |
              BIT(24) | BIT(26) | BIT(27) | BIT(28) },
    /* leaf 7 EBX: AVX2, AVX-512F (need XSAVE) */
    { 7, EBX, BIT(5) | BIT(16) },
    /* leaf 7 ECX: PKU/OSPKE (XSAVE state), LA57 (the MMIO path walks 4 levels, as Xen 4.17's
     * guests have), RDPID (it reads the host's TSC_AUX: RDTSCP is #UD here), PKS (its MSR is #GP) */
    { 7, ECX, BIT(3) | BIT(4) | BIT(16) | BIT(22) | BIT(31) },
    /* leaf 7 EDX: speculation controls and ARCH_CAPABILITIES (their MSRs are #GP here) */
    { 7, EDX, BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(31) },
    /* AMD 0x80000001 ECX: SVM (no nesting), OSVW, IBS, SKINIT, WDT, LWP, NODEID, TOPOEXT,
     * the performance counter extensions (their MSRs are #GP), MONITORX */
    { 0x80000001, ECX, BIT(2) | BIT(9) | BIT(10) | BIT(12) | BIT(13) | BIT(15) | BIT(19) | BIT(22) |
                       BIT(23) | BIT(24) | BIT(28) | BIT(29) },
    /* AMD 0x80000001 EDX: RDTSCP (#UD: the guest would read the host's TSC_AUX) */
    { 0x80000001, EDX, BIT(27) },
    /* AMD 0x80000007 EDX: power management but the invariant TSC (bit 8) */
    { 0x80000007, EDX, ~BIT(8) },
    /* AMD 0x80000008 EBX: IBPB, IBRS, STIBP, SSBD, VIRT_SSBD (MSRs #GP here) */
    { 0x80000008, EBX, BIT(12) | BIT(14) | BIT(15) | BIT(24) | BIT(25) },
};

/* Leaves the guest sees as zeros: hypervisor leaves, thermal/power (6), XSAVE (0xd), SVM. */
static bool leaf_is_empty(u32 leaf)
{
    return (leaf & 0xf0000000u) == 0x40000000u || leaf == 6 || leaf == 0xd || leaf == 0x8000000a;
}

void hvm_cpuid(const struct vcpu *v, u32 leaf, u32 sub, u32 out[4])
{
    if (leaf_is_empty(leaf)) {
        out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
        return;
    }
    cpuid_count(leaf, sub, &out[EAX], &out[EBX], &out[ECX], &out[EDX]);
    for (unsigned int i = 0; i < ARRAY_SIZE(hidden); i++)
        if (hidden[i].leaf == leaf && (leaf != 7 || sub == 0))
            out[hidden[i].reg] &= ~hidden[i].bits;
    if (leaf == 1) {
        out[EBX] = (out[EBX] & 0x00ffffffu) | (v->id << 24);
        out[ECX] |= BIT(31);                          /* running under a hypervisor */
    }
}
