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

/* MMUEXT_SET_LDT: a data selector from our own LDT (TI=1), and the refusals. */
uint64_t traps_ldt[512] __aligned(PAGE_SIZE);

static long set_ldt(void *base, unsigned int ents)
{
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

    op.arg1.linear_addr = (unsigned long)base;
    op.arg2.nr_ents = ents;
    return hc_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void test_ldt(void)
{
    uint16_t ds = 0;

    traps_ldt[0] = 0x00cff2000000ffffUL;             /* data, DPL3, present */
    /* Xen maps the LDT lazily: naming a writable page succeeds; using it would not. */
    check_eq(set_ldt(traps_ldt, 1), 0, "SET_LDT naming a writable page = 0 (checked at use)");
    check_eq(set_ldt(NULL, 0), 0, "SET_LDT(0 entries)");
    check_eq(set_ldt((char *)traps_ldt + 8, 1), -EINVAL, "SET_LDT misaligned = -EINVAL");
    if (!check_eq(remap_own_page(traps_ldt, 0x21), 0, "update_va_mapping(LDT page, read-only)"))
        return;
    if (!check_eq(set_ldt(traps_ldt, 1), 0, "SET_LDT(1 entry)"))
        return;
    asm volatile("mov %1, %%ds; mov %%ds, %0; mov %2, %%ds" : "=r"(ds) : "r"(0x7), "r"(0));
    check(ds == 0x7, "load an LDT data selector (0x7)", "ds %#x", ds);
    check_eq(set_ldt(NULL, 0), 0, "SET_LDT(0 entries) clears it");
    check_eq(remap_own_page(traps_ldt, 0x63), 0, "LDT page writable again once unset");
}

void test_segments(void)
{
    if (install_gdt())
        load_selectors();
    test_ldt();
}
