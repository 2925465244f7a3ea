/*
 * linear-pt: linear (recursive) page tables as Xen 4.17 allows them, and the
 * attempts that must stay refused. Allowed: a read-only L2/L3/L4 entry that
 * points at its own table (a self-map, readable through the linear window),
 * or at another validated table of the same level. Refused (-EINVAL):
 * writable ones, a read-only one made writable, other levels, chains (a
 * table that holds a linear entry cannot be the target of one, and a target
 * cannot hold one). At the end every table page is unpinned and can be
 * mapped writable again (no type reference left behind), and the
 * reservation is what it was.
 */
#include "mm.h"

const char test_name[] = "linear-pt";

#define SLOT_SELF  300                                      /* free slots of the boot L4 */
#define SLOT_OTHER 301
#define SLOT_L3    100                                      /* free slot of the boot L3 */

static uint64_t pool[3][512] __aligned(PAGE_SIZE);          /* extra L4s: b, c, d */
static uint64_t *l4, *l3, *l2;
static unsigned long l4_mfn, l3_mfn, l2_mfn, l2_free = 512;
static uint8_t anchor[PAGE_SIZE] __aligned(PAGE_SIZE);      /* a page whose tables we use */

static uint64_t pte_of(unsigned long mfn, uint64_t flags) { return ((uint64_t)mfn << 12) | flags; }
static unsigned long mfn_of(uint64_t e) { return (e & PTE_ADDR) >> 12; }

static volatile uint64_t *va4(unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
    unsigned long va = (a << 39) | (b << 30) | (c << 21) | (d << 12);

    if (a >= 256)
        va |= 0xffff000000000000UL;
    return (volatile uint64_t *)va;
}

static void expect(const char *what, long got, long want)
{
    check(got == want, what, "rc %ld, want %ld", got, want);
}

static bool setup(void)
{
    unsigned long va = (unsigned long)anchor;

    l4 = boot_l4();
    l3 = table_va(l4[l4_idx(va)]);
    l2 = table_va(l3[l3_idx(va)]);
    l4_mfn = virt_to_mfn(l4);
    l3_mfn = mfn_of(l4[l4_idx(va)]);
    l2_mfn = mfn_of(l3[l3_idx(va)]);
    for (unsigned int i = l2_idx(va) + 1; i < 511; i++)
        if (!(l2[i] & PTE_P)) {
            l2_free = i;
            break;
        }
    return check(!(l4[SLOT_SELF] & PTE_P) && !(l4[SLOT_OTHER] & PTE_P) &&
                 !(l3[SLOT_L3] & PTE_P) && l2_free < 511,
                 "free slots for the linear entries", "l4 %#lx %#lx l3 %#lx l2_free %lu",
                 l4[SLOT_SELF], l4[SLOT_OTHER], l3[SLOT_L3], l2_free);
}

/* L4: a read-only self-map, read through; never writable. */
static void l4_self_map(void)
{
    unsigned long va = (unsigned long)anchor;
    volatile uint64_t *self = va4(SLOT_SELF, SLOT_SELF, SLOT_SELF, SLOT_SELF);
    volatile uint64_t *l1_window = va4(SLOT_SELF, l4_idx(va), l3_idx(va), l2_idx(va));
    uint64_t v = 0;

    expect("L4 writable self-map = -EINVAL", mmu_set(&l4[SLOT_SELF], pte_of(l4_mfn, PTE_RW_ACC)),
           -EINVAL);
    expect("L4 read-only self-map = 0", mmu_set(&l4[SLOT_SELF], pte_of(l4_mfn, PTE_RO)), 0);
    check(try_read64(&self[511], &v) && v == l4[511], "the L4 reads itself through the self-map",
          "v %#lx l4[511] %#lx", v, l4[511]);
    check(try_read64(&l1_window[l1_idx(va)], &v) && v == *l1e_of(anchor),
          "a page's L1 entry reads through the linear window", "v %#lx want %#lx", v,
          *l1e_of(anchor));
    check(!try_write64(&self[SLOT_OTHER], pte_of(l4_mfn, PTE_RW_ACC)),
          "a store through the read-only self-map faults", "-");
    expect("L4 self-map made writable (XSA-182) = -EINVAL",
           mmu_set(&l4[SLOT_SELF], pte_of(l4_mfn, PTE_RW_ACC)), -EINVAL);
    check(!(l4[SLOT_SELF] & PTE_RW), "... the self-map is still read-only", "%#lx", l4[SLOT_SELF]);
    expect("L4 self-map in a second slot = 0", mmu_set(&l4[SLOT_OTHER], pte_of(l4_mfn, PTE_RO)), 0);
    expect("clear the second slot = 0", mmu_set(&l4[SLOT_OTHER], 0), 0);
}

/* L3 and L2 self-maps, read through their windows. */
static void l3_l2_self_maps(void)
{
    unsigned long va = (unsigned long)anchor;
    volatile uint64_t *w3 = va4(l4_idx(va), SLOT_L3, SLOT_L3, SLOT_L3);
    volatile uint64_t *w2 = va4(l4_idx(va), l3_idx(va), l2_free, l2_free);
    uint64_t v = 0;

    expect("L3 writable self-map = -EINVAL", mmu_set(&l3[SLOT_L3], pte_of(l3_mfn, PTE_RW_ACC)),
           -EINVAL);
    expect("L3 read-only self-map = 0", mmu_set(&l3[SLOT_L3], pte_of(l3_mfn, PTE_RO)), 0);
    check(try_read64(&w3[l3_idx(va)], &v) && mfn_of(v) == l2_mfn,
          "the L3 reads itself through its self-map", "v %#lx", v);
    check(!try_write64(&w3[1], 0), "a store through the L3 self-map faults", "-");
    expect("L2 writable self-map = -EINVAL", mmu_set(&l2[l2_free], pte_of(l2_mfn, PTE_RW_ACC)),
           -EINVAL);
    expect("L2 read-only self-map = 0", mmu_set(&l2[l2_free], pte_of(l2_mfn, PTE_RO)), 0);
    check(try_read64(&w2[l2_idx(va)], &v) && v == l2[l2_idx(va)],
          "the L2 reads itself through its self-map", "v %#lx want %#lx", v, l2[l2_idx(va)]);
    expect("L2 self-map made writable = -EINVAL",
           mmu_set(&l2[l2_free], pte_of(l2_mfn, PTE_RW_ACC)), -EINVAL);
    expect("clear the L2 self-map = 0", mmu_set(&l2[l2_free], 0), 0);
    expect("clear the L3 self-map = 0", mmu_set(&l3[SLOT_L3], 0), 0);
}

/* Cross-level entries stay refused even read-only. */
static void cross_level(void)
{
    unsigned long va = (unsigned long)anchor;

    expect("L3 entry -> the L4, read-only = -EINVAL", mmu_set(&l3[SLOT_L3], pte_of(l4_mfn, PTE_RO)),
           -EINVAL);
    expect("L2 entry -> the L3, read-only = -EINVAL", mmu_set(&l2[l2_free], pte_of(l3_mfn, PTE_RO)),
           -EINVAL);
    expect("L4 entry -> an L2, read-only = -EINVAL",
           mmu_set(&l4[SLOT_OTHER], pte_of(l2_mfn, PTE_RO)), -EINVAL);
    expect("L2 entry -> the L4, read-only = -EINVAL", mmu_set(&l2[l2_free], pte_of(l4_mfn, PTE_RO)),
           -EINVAL);
    check(!(l3[SLOT_L3] & PTE_P) && !(l2[l2_free] & PTE_P) && !(l4[SLOT_OTHER] & PTE_P) &&
          l4[l4_idx(va)] == l4[l4_idx(va)], "refused entries left the slots empty", "-");
}

/* A fresh pinned L4 with a read-only self-map in slot 5, built before pinning. */
static bool new_l4(uint64_t *t, const char *name)
{
    char what[80];

    memset(t, 0, PAGE_SIZE);
    t[5] = pte_of(virt_to_mfn(t), PTE_RO);
    snprintf(what, sizeof(what), "pin %s (an L4 holding a read-only self-map) = 0", name);
    if (make_ro(t))
        return check(false, what, "make_ro failed");
    return check(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(t)) == 0, what, "refused");
}

/* The boot L4 maps another L4 (b); no chains through either. */
static void other_l4(void)
{
    uint64_t *b = pool[0], *c = pool[1];
    unsigned long bm = virt_to_mfn(b), cm = virt_to_mfn(c);
    volatile uint64_t *wb = va4(SLOT_OTHER, 5, 5, 5);
    uint64_t v = 0;

    if (!new_l4(b, "b") || !new_l4(c, "c"))
        return;
    expect("L4 -> another L4 (b), writable = -EINVAL", mmu_set(&l4[SLOT_OTHER], pte_of(bm, PTE_RW_ACC)),
           -EINVAL);
    expect("L4 -> another L4 (b), read-only = 0", mmu_set(&l4[SLOT_OTHER], pte_of(bm, PTE_RO)), 0);
    check(try_read64(&wb[5], &v) && mfn_of(v) == bm, "b reads through the boot L4's entry",
          "v %#lx", v);
    expect("b (a linear target) -> c = -EINVAL (no chains)", mmu_set(&b[6], pte_of(cm, PTE_RO)),
           -EINVAL);
    expect("c -> the boot L4 (which holds a linear entry) = -EINVAL",
           mmu_set(&c[6], pte_of(l4_mfn, PTE_RO)), -EINVAL);
    expect("c -> b (a target twice over) = 0", mmu_set(&c[6], pte_of(bm, PTE_RO)), 0);
    expect("b (target) -> its own slot 7 (a self-map is no step) = 0",
           mmu_set(&b[7], pte_of(bm, PTE_RO)), 0);
    expect("writable mapping of b (a typed L4) = -EBUSY", remap_own_page(b, PTE_RW_ACC), -EBUSY);
    expect("unpin b while mapped linearly = 0", mmuext1(MMUEXT_UNPIN_TABLE, bm), 0);
    expect("... b still typed: writable mapping = -EBUSY", remap_own_page(b, PTE_RW_ACC), -EBUSY);
    expect("clear the boot L4's entry to b = 0", mmu_set(&l4[SLOT_OTHER], 0), 0);
    expect("clear c's entry to b = 0", mmu_set(&c[6], 0), 0);
    expect("b unreferenced: writable again = 0", make_rw(b), 0);
    expect("unpin c = 0", mmuext1(MMUEXT_UNPIN_TABLE, cm), 0);
    expect("c writable again = 0", make_rw(c), 0);
}

/* Self-maps and linear entries taken down by unpinning alone: nothing may be left. */
static void teardown(void)
{
    uint64_t *b = pool[0], *d = pool[2];
    unsigned long bm = virt_to_mfn(b), dm = virt_to_mfn(d);

    if (!new_l4(b, "b again") || !new_l4(d, "d"))
        return;
    expect("d -> b read-only = 0", mmu_set(&d[6], pte_of(bm, PTE_RO)), 0);
    expect("unpin b = 0", mmuext1(MMUEXT_UNPIN_TABLE, bm), 0);
    expect("unpin d (releases its self-map and its entry to b) = 0",
           mmuext1(MMUEXT_UNPIN_TABLE, dm), 0);
    expect("d writable again = 0", make_rw(d), 0);
    expect("b writable again = 0", make_rw(b), 0);
    expect("re-pin of the writable b = -EINVAL", mmuext1(MMUEXT_PIN_L4_TABLE, bm), -EINVAL);
}

void test_main(void)
{
    long before = reservation(XENMEM_current_reservation);

    if (!setup())
        return;
    l4_self_map();
    l3_l2_self_maps();
    cross_level();
    other_l4();
    teardown();
    expect("clear the boot L4 self-map = 0", mmu_set(&l4[SLOT_SELF], 0), 0);
    expect("reservation unchanged", reservation(XENMEM_current_reservation), before);
}
