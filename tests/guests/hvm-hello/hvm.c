/*
 * hvm-hello: the smallest HVM guest. Prints on the debug port, reads CPUID
 * (the filtered view: hypervisor bit, no SVM or VMX), the emulated MSRs,
 * sleeps in HLT until the test device wakes it, then powers off with HLT
 * and interrupts off (the hypervisor reports "shutdown: poweroff").
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-hello";

static void check_cpuid(void)
{
    uint32_t r[4];
    char vendor[13];

    cpuid(0, 0, r);
    __builtin_memcpy(vendor, &r[1], 4);
    __builtin_memcpy(vendor + 4, &r[3], 4);
    __builtin_memcpy(vendor + 8, &r[2], 4);
    vendor[12] = '\0';
    check(r[0] >= 1, "cpuid 0: max leaf %x, vendor %s", r[0], vendor);
    cpuid(1, 0, r);
    check(r[2] & (1u << 31), "cpuid 1: hypervisor bit set (ecx %x)", r[2]);
    check(!(r[2] & (1u << 5)), "cpuid 1: no VMX");
    check(!(r[2] & (1u << 26)), "cpuid 1: no XSAVE (XSETBV is refused)");
    check(!(r[3] & ((1u << 7) | (1u << 12) | (1u << 14))), "cpuid 1: no MCE, MTRR, MCA (edx %x)", r[3]);
    cpuid(7, 0, r);
    check(!(r[2] & (1u << 16)), "cpuid 7: no LA57 (ecx %x)", r[2]);
    cpuid(6, 0, r);
    check(!r[0] && !r[1] && !r[2] && !r[3], "cpuid 6: empty");
    cpuid(0x80000001, 0, r);
    check(!(r[2] & (1u << 2)), "cpuid 0x80000001: no SVM (ecx %x)", r[2]);
    cpuid(0x8000000a, 0, r);
    check(!r[0] && !r[1] && !r[3], "cpuid 0x8000000a: empty");
}

static void check_msrs(void)
{
    uint64_t v = 0;
    uint32_t vec = rdmsr_fault(0xc0000080, &v);

    check(vec == NO_FAULT && !(v & (1u << 12)), "rdmsr EFER %lx without SVME", v);
    check(wrmsr_fault(0x277, 0x0007040600070406ULL) == NO_FAULT &&
          rdmsr_fault(0x277, &v) == NO_FAULT && v == 0x0007040600070406ULL, "PAT written and read back");
    check(wrmsr_fault(0xc0000102, 0x12345000) == NO_FAULT &&
          rdmsr_fault(0xc0000102, &v) == NO_FAULT && v == 0x12345000, "KERNEL_GS_BASE written and read back");
    vec = rdmsr_fault(0x10, &v);
    check(vec == NO_FAULT && v, "rdmsr TSC %lx", v);
}

void hvm_main(uint32_t mem_bytes)
{
    uint64_t t0;

    printk("hello from an HVM guest, %u KiB of memory\n", mem_bytes >> 10);
    check(mem_bytes >= (2u << 20), "memory size in ebx (%u bytes)", mem_bytes);
    check(inb(HVM_PORT_DEBUG) == HVM_PORT_DEBUG, "debug port reads 0xe9");
    check_cpuid();
    check_msrs();
    t0 = rdtsc();
    hvm_sleep_us(20000);
    check(rdtsc() > t0, "HLT with interrupts on blocked, the wake timer woke it");
    done();
    __asm__ volatile("cli; hlt");          /* poweroff: a HLT that can never end */
    check(false, "still running after cli; hlt");   /* never printed: the domain is gone */
    done();
}
