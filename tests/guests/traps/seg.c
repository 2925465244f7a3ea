/* seg.c: #NP, #SS and #GP(selector) from loading selectors of our own GDT (set_gdt). */
#include "frame.h"
#include "hypercall.h"
#include "traps.h"

#define SEL_NP_DATA   0x0b   /* entry 1: data, DPL3, not present */
#define SEL_DATA      0x13   /* entry 2: data, DPL3, present */
#define SEL_XO_CODE   0x1b   /* entry 3: execute-only code, DPL3 */

uint64_t traps_gdt[512] __aligned(PAGE_SIZE);

static bool install_gdt(void)
{
    unsigned long frame;
    long rc;

    traps_gdt[1] = 0x00cf72000000ffffUL;
    traps_gdt[2] = 0x00cff2000000ffffUL;
    traps_gdt[3] = 0x00aff8000000ffffUL;
    rc = remap_own_page(traps_gdt, 0x21 /* P|A: a GDT frame may have no writable mapping */);
    if (!check_eq(rc, 0, "update_va_mapping(GDT page, read-only)"))
        return false;
    frame = virt_to_mfn(traps_gdt);
    rc = hc_set_gdt(&frame, 16);
    return check_eq(rc, 0, "set_gdt(1 frame, 16 entries)");
}

static void load_selectors(void)
{
    struct expect np = { "#NP loading a not-present data selector", 11, SEL_NP_DATA & ~3,
                         AT_FAULT, 0, false };
    struct expect ss = { "#SS loading a not-present stack selector", 12, SEL_NP_DATA & ~3,
                         AT_FAULT, 0, false };
    struct expect gp = { "#GP loading an execute-only code selector into %ds", 13,
                         SEL_XO_CODE & ~3, AT_FAULT, 0, false };
    struct site s;
    unsigned long n;
    uint16_t ds;

    n = last_trap.count;
    RUN_SITE(s, "mov $0x0b, %%eax", "mov %%ax, %%ds", "");
    check_frame(&np, &s, n);
    n = last_trap.count;
    RUN_SITE(s, "mov $0x0b, %%eax", "mov %%ax, %%ss", "");
    check_frame(&ss, &s, n);
    n = last_trap.count;
    RUN_SITE(s, "mov $0x1b, %%eax", "mov %%ax, %%ds", "");
    check_frame(&gp, &s, n);
    n = last_trap.count;
    asm volatile("mov %1, %%ds; mov %%ds, %0; mov %2, %%ds" : "=r"(ds) : "r"(SEL_DATA), "r"(0));
    check(last_trap.count == n && ds == SEL_DATA, "load a present guest-GDT data selector",
          "ds %#x, %lu exceptions", ds, last_trap.count - n);
}

void test_segments(void)
{
    if (install_gdt())
        load_selectors();
}
