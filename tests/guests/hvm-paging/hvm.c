/*
 * MMIO from a guest with paging on (docs/hvm.md): QEMU TCG gives no
 * decode-assist bytes, so the hypervisor walks the guest's page tables to
 * fetch the instruction. A stub `mov eax, [0xfee00030]; ret` is copied to
 * physical 0x303000 and mapped at linear 0x80000000 (linear != physical:
 * a walker that skipped the tables would fetch nothing there), and the
 * APIC reached through a large page; in 32-bit paging (4 KiB and 4 MiB
 * PSE pages) and in PAE (2 MiB pages).
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-paging";

#define P_RW  0x3u
#define P_PS  0x80u
#define STUB_PHYS 0x303000u
#define STUB_LIN  0x80000000u

static void zero(uint32_t phys, uint32_t bytes)
{
    for (uint32_t i = 0; i < bytes; i += 4)
        *(volatile uint32_t *)(phys + i) = 0;
}

static void paging_off(void)
{
    uint32_t cr0;

    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" :: "r"(cr0 & 0x7fffffff) : "memory");
}

static void paging_on(uint32_t cr3, uint32_t cr4)
{
    uint32_t cr0;

    __asm__ volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
    __asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" :: "r"(cr0 | 0x80000000u) : "memory");
}

static uint32_t call_stub(void)
{
    uint32_t (*stub)(void) = (uint32_t (*)(void))STUB_LIN;

    return stub();
}

/* 32-bit paging: PD 0x300000; PT 0x301000 identity 0-4 MiB; PT 0x302000: the stub; a 4 MiB PSE page at 0xfec00000. */
static void two_level(void)
{
    volatile uint32_t *pd = (uint32_t *)0x300000, *pt = (uint32_t *)0x301000, *pt2 = (uint32_t *)0x302000;
    uint32_t v;

    zero(0x300000, 0x3000);
    for (uint32_t i = 0; i < 1024; i++)
        pt[i] = (i << 12) | P_RW;
    pd[0] = 0x301000 | P_RW;
    pd[STUB_LIN >> 22] = 0x302000 | P_RW;
    pt2[0] = STUB_PHYS | P_RW;
    pd[0xfec00000u >> 22] = 0xfec00000u | P_PS | P_RW;
    paging_on(0x300000, 0x10);                       /* CR4.PSE */
    v = lapic_read(LAPIC_VER);
    check(v == 0x50014, "32-bit paging: an APIC read through a 4 MiB page (%x)", v);
    v = call_stub();
    check(v == 0x50014, "32-bit paging: the stub at linear %x (physical %x) read the APIC (%x)",
          STUB_LIN, STUB_PHYS, v);
    paging_off();
}

/* PAE: PDPT 0x305000; PD 0x306000 (2 MiB identity); PD 0x307000 + PT 0x308000: the stub; PD 0x309000: the APICs. */
static void pae(void)
{
    volatile uint64_t *pdpt = (uint64_t *)0x305000, *pd0 = (uint64_t *)0x306000,
                      *pd2 = (uint64_t *)0x307000, *pt = (uint64_t *)0x308000, *pd3 = (uint64_t *)0x309000;
    uint32_t v;

    zero(0x305000, 0x5000);
    pd0[0] = 0x000000 | P_PS | P_RW;
    pd0[1] = 0x200000 | P_PS | P_RW;
    pd2[0] = 0x308000 | P_RW;
    pt[0] = STUB_PHYS | P_RW;
    pd3[(0xfec00000u >> 21) & 511] = 0xfec00000u | P_PS | P_RW;
    pd3[(0xfee00000u >> 21) & 511] = 0xfee00000u | P_PS | P_RW;
    pdpt[0] = 0x306000 | 1;
    pdpt[2] = 0x307000 | 1;
    pdpt[3] = 0x309000 | 1;
    paging_on(0x305000, 0x20);                       /* CR4.PAE */
    v = ioapic_read(1);
    check(v == 0x170011, "PAE: an IO-APIC access through a 2 MiB page (%x)", v);
    v = call_stub();
    check(v == 0x50014, "PAE: the stub at linear %x read the APIC (%x)", STUB_LIN, v);
    paging_off();
    __asm__ volatile("mov %0, %%cr4" :: "r"(0) : "memory");
}

void hvm_main(uint32_t mem_bytes)
{
    static const uint8_t stub[] = { 0x8b, 0x05, 0x30, 0x00, 0xe0, 0xfe, 0xc3 };   /* mov eax, [fee00030]; ret */

    for (uint32_t i = 0; i < sizeof(stub); i++)
        *(volatile uint8_t *)(STUB_PHYS + i) = stub[i];
    two_level();
    pae();
    check(lapic_read(LAPIC_VER) == 0x50014, "paging off again: the APIC as before");
    done();
    hvm_shutdown(0);
}
