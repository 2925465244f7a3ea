/*
 * selector-hostile: set_segment_base(SEGBASE_GS_USER_SEL) loads a selector
 * the guest chose into %gs while the hypervisor runs in ring 0. Selectors
 * the CPU refuses (past the GDT limit, LDT with no LDT, DPL 0, system
 * descriptors, empty slots) used to fault in ring 0 and panic the
 * hypervisor. As on Xen, each must succeed with %gs left null, a usable
 * one must load, and bad bases must be refused.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "selector-hostile";

static uint16_t read_gs(void)
{
    uint16_t sel;

    asm volatile("mov %%gs, %0" : "=r"(sel));
    return sel;
}

/* One selector: the call succeeds and %gs holds it (RPL 3) or null. */
static bool try_selector(uint16_t sel, unsigned int *loaded)
{
    long rc = hc_set_segment_base(SEGBASE_GS_USER_SEL, sel);
    uint16_t gs = read_gs();

    if (rc != 0) {
        fail("set_segment_base(GS_USER_SEL)", "selector %#x: rc %ld", sel, rc);
        return false;
    }
    if (gs != 0 && gs != (sel | 3)) {
        fail("set_segment_base(GS_USER_SEL)", "selector %#x: %%gs = %#x", sel, gs);
        return false;
    }
    *loaded += gs != 0;
    return true;
}

static void sweep(const char *what, uint16_t first, uint16_t last, uint16_t step)
{
    unsigned int tried = 0, loaded = 0;
    bool ok = true;

    for (uint32_t s = first; s <= last && ok; s += step, tried++)
        ok = try_selector((uint16_t)s, &loaded);
    if (ok)
        pass(what);
    info("%s: %u selectors, %u loaded", what, tried, loaded);
}

void test_main(void)
{
    unsigned int loaded = 0;

    sweep("LDT selectors with no LDT", 0x0004, 0x0ffc, 8);
    sweep("the reserved GDT area (DPL 0, system, empty)", 0xe000, 0xeff8, 8);
    sweep("past the GDT limit", 0xf000, 0xfff8, 0x40);
    sweep("RPL 0..2 of every reserved entry", 0xe000, 0xe0ff, 1);
    check(try_selector(FLAT_USER_DS32, &loaded) && read_gs() == FLAT_USER_DS32,
          "a usable selector loads", "%%gs = %#x", read_gs());
    check(try_selector(0, &loaded) && read_gs() == 0, "the null selector loads",
          "%%gs = %#x", read_gs());
    check_eq(hc_set_segment_base(SEGBASE_FS, 0x0000800000000000UL), -EINVAL,
             "set_segment_base(FS, non-canonical)");
    check_eq(hc_set_segment_base(SEGBASE_GS_KERNEL, 0xfff0000000000000UL), -EINVAL,
             "set_segment_base(GS_KERNEL, non-canonical)");
    check_eq(hc_set_segment_base(SEGBASE_GS_USER, 0x8000000000000000UL), -EINVAL,
             "set_segment_base(GS_USER, non-canonical)");
    check_eq(hc_set_segment_base(99, 0), -EINVAL, "set_segment_base(bad which)");
}
