/*
 * resv-orphan: a frame given back (decrease_reservation) while still mapped
 * stays usable through the mapping, so it must stay charged to the domain
 * until its last reference goes (as in Xen). Otherwise increase + map +
 * decrease in a loop gives a guest frames beyond max_pages, without limit.
 */
#include "mm.h"

const char test_name[] = "resv-orphan";

static uint64_t l1page[512] __aligned(PAGE_SIZE);
static uint8_t sacrificial[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t anchor[PAGE_SIZE] __aligned(PAGE_SIZE);

static long resv(unsigned int cmd, xen_pfn_t *f)
{
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, f);
    return hc_memory_op(cmd, &r);
}

void test_main(void)
{
    unsigned long va = (unsigned long)anchor, base;
    uint64_t *l4 = boot_l4(), *l3, *l2;
    unsigned int slot = 512, n = (unsigned int)cmdline_ulong("n", 512), got = 0;
    long max = reservation(XENMEM_maximum_reservation), cur0 = reservation(XENMEM_current_reservation);
    xen_pfn_t f;

    l3 = table_va(l4[l4_idx(va)]);
    l2 = table_va(l3[l3_idx(va)]);
    for (unsigned int i = l2_idx(va); i < 511; i++)
        if (!(l2[i] & PTE_P)) { slot = i; break; }
    if (slot == 512 || n > 512)
        panic("no free L2 slot");
    base = (va & ~((1UL << 30) - 1)) | ((unsigned long)slot << 21);
    check_eq(make_ro(l1page), 0, "scratch L1 read-only");
    check_eq(mmu_set(&l2[slot], virt_to_maddr(l1page) | PTE_RW_ACC), 0, "scratch L1 hooked in");
    info("start: current_reservation %ld maximum_reservation %ld", cur0, max);

    /* Make room: give back a page of our image that stays mapped (it gets orphaned). */
    f = virt_to_mfn(sacrificial);
    sacrificial[0] = 0x77;
    check_eq(resv(XENMEM_decrease_reservation, &f), 1, "decrease_reservation of a mapped image page");
    info("after giving back a mapped page: current %ld, the page still reads %#x",
         reservation(XENMEM_current_reservation), sacrificial[0]);

    for (unsigned int i = 0; i < n; i++) {
        if (resv(XENMEM_increase_reservation, &f) != 1)
            break;
        if (mmu_set(&l1page[i], ((uint64_t)f << 12) | PTE_RW_ACC))
            break;
        ((volatile uint64_t *)(base + i * PAGE_SIZE))[0] = 0xabc0000000000000UL | f;
        if (resv(XENMEM_decrease_reservation, &f) != 1)
            break;
        got++;
    }
    /* Every orphan is still ours to read and write. */
    unsigned int ok = 0;
    for (unsigned int i = 0; i < got; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE_SIZE);
        uint64_t mfn = (l1page[i] & PTE_ADDR) >> 12;

        p[1] = ~p[0];
        ok += p[0] == (0xabc0000000000000UL | mfn) && p[1] == ~p[0];
    }
    info("end: current_reservation %ld maximum_reservation %ld; frames gained by map + give "
         "back: %u (%u readable+writable)", reservation(XENMEM_current_reservation), max, got, ok);
    /* The page given back while mapped is still charged: at max, nothing more. */
    check(reservation(XENMEM_current_reservation) <= max, "current_reservation <= max_pages",
          "current %ld > max %ld", reservation(XENMEM_current_reservation), max);
    check(got == 0, "no frame beyond max_pages", "gained %u frames beyond it", got);
    for (unsigned int i = 0; i < got; i++)
        mmu_set(&l1page[i], 0);
}
