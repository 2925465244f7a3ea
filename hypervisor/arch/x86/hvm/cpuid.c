/*
 * CPUID as an HVM guest sees it: the host's, filtered. Hidden: SVM and VMX
 * (no nested virtualization), MONITOR/MWAIT and RDTSCP (their exits give
 * #UD), XSAVE and what needs it (XSETBV exits give #UD, so XCR0 stays the
 * host's), x2APIC and the TSC deadline timer (no emulated APIC yet). Set:
 * the hypervisor bit; the initial APIC ID is the vCPU's number.
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/cpuid.h>
#include <asm/hvm.h>

#define L1_ECX_MONITOR   (1u << 3)
#define L1_ECX_VMX       (1u << 5)
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_X2APIC    (1u << 21)
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)
#define L1_ECX_HV        (1u << 31)
#define L7_EBX_AVX2      (1u << 5)
#define L7_EBX_AVX512F   (1u << 16)
#define E1_EDX_RDTSCP    (1u << 27)

void hvm_cpuid(const struct vcpu *v, u32 leaf, u32 sub, u32 out[4])
{
    if ((leaf & 0xf0000000u) == 0x40000000u || leaf == 0xd || leaf == 0x8000000a) {
        out[0] = out[1] = out[2] = out[3] = 0;        /* no hypervisor leaves, XSAVE, SVM */
        return;
    }
    cpuid_count(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
    switch (leaf) {
    case 1:
        out[1] = (out[1] & 0x00ffffffu) | (v->id << 24);
        out[2] &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_X2APIC | L1_ECX_TSC_DL |
                    L1_ECX_XSAVE | L1_ECX_OSXSAVE | L1_ECX_AVX);
        out[2] |= L1_ECX_HV;
        break;
    case 7:
        out[1] &= ~(L7_EBX_AVX2 | L7_EBX_AVX512F);
        break;
    case 0x80000001:
        out[2] &= ~CPUID_EXT_ECX_SVM;
        out[3] &= ~E1_EDX_RDTSCP;
        break;
    }
}
