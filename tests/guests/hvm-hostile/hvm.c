/*
 * hvm-hostile: an HVM guest that tries what it must not. The SVM
 * instructions get #UD (no nested virtualization), XSETBV #UD, MSRs that
 * are not emulated (SVM's own among them) #GP, bad values for emulated
 * ones #GP; a storm over every I/O port reads all ones and is dropped; a
 * busy loop with interrupts off never exits by itself (the host's timer
 * interrupt takes the CPU back: INTR exits). The guest goes on after each, prints DONE, then touches unmapped
 * guest-physical memory (the local APIC page: no device there yet), which
 * crashes it alone: the runner wants a bystander to finish next to it.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-hostile";

static void svm_instructions(void)
{
    check(FAULT_OF("vmrun") == 6, "VMRUN: #UD");
    check(FAULT_OF("vmload") == 6, "VMLOAD: #UD");
    check(FAULT_OF("vmsave") == 6, "VMSAVE: #UD");
    check(FAULT_OF("vmmcall") == 6, "VMMCALL: #UD");
    check(FAULT_OF("stgi") == 6, "STGI: #UD");
    check(FAULT_OF("clgi") == 6, "CLGI: #UD");
    check(FAULT_OF("invlpga") == 6, "INVLPGA: #UD");
    check(FAULT_OF("skinit") == 6, "SKINIT: #UD");
    check(FAULT_OF("xsetbv") == 6, "XSETBV: #UD");
}

static void bad_msrs(void)
{
    uint64_t v;
    uint32_t vec;

    check(rdmsr_fault(0xc0010117, &v) == 13, "rdmsr VM_HSAVE_PA: #GP");
    check(wrmsr_fault(0xc0010117, 0x1000) == 13, "wrmsr VM_HSAVE_PA: #GP");
    check(rdmsr_fault(0xc0010114, &v) == 13, "rdmsr VM_CR: #GP");
    check(rdmsr_fault(0xdeadbeef, &v) == 13, "rdmsr of no MSR: #GP");
    check(wrmsr_fault(0xc0000080, 1u << 12) == 13, "wrmsr EFER.SVME: #GP");
    check(wrmsr_fault(0xc0000082, 0x0000800000000000ULL) == 13, "wrmsr non-canonical LSTAR: #GP");
    check(wrmsr_fault(0x277, 0x0202020202020202ULL) == 13, "wrmsr PAT with a reserved type: #GP");
    vec = rdmsr_fault(0xc0000080, &v);
    check(vec == NO_FAULT && !(v & (1u << 12)), "EFER unchanged (%lx)", v);
}

static bool device_port(uint32_t p)
{
    return p == HVM_PORT_DEBUG || (p >= HVM_PORT_SHUTDOWN && p < HVM_PORT_SHUTDOWN + 16);
}

static void port_storm(void)
{
    unsigned int wrong = 0, first = 0;

    for (uint32_t p = 0; p < 0x10000; p++) {
        if (device_port(p))
            continue;
        outb((uint16_t)p, 0);
        if (inb((uint16_t)p) != 0xff && !wrong++)
            first = p;
    }
    check(!wrong, "inb/outb on every port: all ones, writes dropped (%u wrong, first %x)", wrong, first);
    check(inw(0x3f8) == 0xffff && inl(0xcf8) == 0xffffffffu, "inw/inl: all ones");
}

/* About a second of TSC with interrupts off and no exit of its own. */
static void busy_loop(void)
{
    uint64_t t0 = rdtsc();

    while (rdtsc() - t0 < 3000000000ULL)
        ;
    /* Not a check of ours: the bystander's timer checks are (the runner judges them). */
    printk("INFO: %s: a busy loop of 3e9 TSC cycles with interrupts off ended\n", hvm_guest_name);
}

void hvm_main(uint32_t mem_bytes)
{
    busy_loop();
    svm_instructions();
    bad_msrs();
    port_storm();
    check(FAULT_OF("vmrun") == 6, "still alive after the storm: VMRUN #UD again");
    done();
    printk("touching unmapped guest-physical fee00000 (no local APIC yet): expect a crash\n");
    (void)*(volatile uint32_t *)0xfee00000;
    printk("FAIL: %s: the unmapped read returned\n", hvm_guest_name);
    hvm_shutdown(0);
}
