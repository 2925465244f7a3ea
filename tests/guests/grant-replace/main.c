/*
 * grant-replace: GNTTABOP_unmap_and_replace in one domain (granting to
 * itself, so it also runs on the real Xen as dom0). The grant's host mapping
 * at host_addr is replaced by the entry that mapped new_addr, which is left
 * unmapped (Linux's gntdev/blkback use it to swap a grant for a page of
 * their own); new_addr 0 just unmaps. Hostile: bad and stale handles, the
 * wrong host_addr, a new_addr with no page table, a contains_pte mapping.
 */
#include "grant.h"

const char test_name[] = "grant-replace";

#define REF 10

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);      /* our grant frame 0 */
static uint64_t granted[512] __aligned(PAGE_SIZE);
static uint64_t spare[512] __aligned(PAGE_SIZE);           /* new_addr: its entry moves */
static uint64_t win_a[512] __aligned(PAGE_SIZE);           /* host_addr */
static uint64_t win_b[512] __aligned(PAGE_SIZE);
static volatile grant_entry_v1_t *gt;
static domid_t self;

#define NO_L1 0x0000400000000000UL     /* a canonical address with no page table */

static uint64_t rd(const void *p, unsigned int i)
{
    uint64_t v = 0;

    return try_read64((const volatile uint64_t *)p + i, &v) ? v : ~0UL;
}

static uint16_t in_use(void) { return gt[REF].flags & (GTF_reading | GTF_writing); }

static bool map_rw(void *va, grant_handle_t *h)
{
    return check_eq(gnt_map(self, REF, (uint64_t)va, GNTMAP_host_map, h, NULL), GNTST_okay,
                    "map the grant read-write");
}

static void replace_with_spare(void)
{
    grant_handle_t h = 0;

    if (!map_rw(win_a, &h))
        return;
    check_eq(gnt_replace((uint64_t)win_a, (uint64_t)spare, h), GNTST_okay,
             "unmap_and_replace(host_addr, new_addr = a page of ours) = okay");
    check(rd(win_a, 7) == (0x5500000000000000UL | 7), "host_addr now maps new_addr's page",
          "%#lx", (unsigned long)rd(win_a, 7));
    check(rd(spare, 7) == ~0UL, "new_addr is left unmapped", "reads %#lx", (unsigned long)rd(spare, 7));
    check_eq(in_use(), 0, "the granter's in-use flags clear");
    check_eq(gnt_unmap((uint64_t)win_a, 0, h), GNTST_bad_handle, "the handle is gone (unmap = bad_handle)");
    check_eq(gnt_replace((uint64_t)win_a, 0, h), GNTST_bad_handle, "... and replace again = bad_handle");
    check_eq(make_rw(spare), 0, "new_addr gets its page back");
    check_eq(make_rw(win_a), 0, "host_addr gets its own page back (the moved entry goes)");
    check(rd(spare, 7) == (0x5500000000000000UL | 7), "the spare page is intact", "%#lx",
          (unsigned long)rd(spare, 7));
}

static void replace_with_nothing(void)
{
    grant_handle_t h = 0;

    if (!map_rw(win_a, &h))
        return;
    check_eq(gnt_replace((uint64_t)win_a, 0, h), GNTST_okay, "unmap_and_replace(new_addr = 0) = okay");
    check(rd(win_a, 0) == ~0UL, "host_addr unmapped", "reads %#lx", (unsigned long)rd(win_a, 0));
    check_eq(in_use(), 0, "in-use flags clear");
    check_eq(make_rw(win_a), 0, "host_addr remapped");
}

static void hostile(void)
{
    grant_handle_t h = 0, hp = 0;
    uint64_t pte_maddr = virt_to_maddr(l1e_of(win_b));

    check_eq(gnt_replace((uint64_t)win_a, 0, 0x7777), GNTST_bad_handle, "a handle never given = bad_handle");
    if (!map_rw(win_a, &h))
        return;
    check_eq(gnt_replace((uint64_t)win_b, 0, h), GNTST_general_error,
             "host_addr that is not the mapping's = general_error");
    check_eq(gnt_replace((uint64_t)win_a, NO_L1, h), GNTST_general_error,
             "new_addr with no page table = general_error");
    check_eq(gnt_replace(0, (uint64_t)spare, h), GNTST_okay, "host_addr 0: nothing to do (okay)");
    check(in_use() == (GTF_reading | GTF_writing) && rd(win_a, 3) == (0xaa00000000000000UL | 3) &&
          rd(spare, 3) == (0x5500000000000000UL | 3),
          "after the refusals the grant is still mapped and new_addr untouched", "flags %#x",
          in_use());
    check_eq(gnt_map(self, REF, pte_maddr, GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly,
                     &hp, NULL), GNTST_okay, "map by PTE address (contains_pte)");
    check_eq(gnt_replace(pte_maddr, (uint64_t)spare, hp), GNTST_general_error,
             "replace of a contains_pte mapping with a new_addr = general_error");
    check(rd(spare, 3) == (0x5500000000000000UL | 3), "new_addr untouched", "-");
    check_eq(gnt_replace(pte_maddr, 0, hp), GNTST_okay, "... with new_addr 0 it unmaps");
    check_eq(gnt_unmap((uint64_t)win_a, 0, h), GNTST_okay, "unmap the grant");
    check_eq(in_use(), 0, "in-use flags clear");
    check_eq(make_rw(win_a), 0, "window a back");
    check_eq(make_rw(win_b), 0, "window b back");
}

void test_main(void)
{
    self = (domid_t)own_domid();
    for (int i = 0; i < 512; i++) {
        granted[i] = 0xaa00000000000000UL | i;
        spare[i] = 0x5500000000000000UL | i;
    }
    if (!check(gnt_setup_frame0(gt_va) != 0, "setup_table + map grant frame 0", "failed"))
        test_done();
    gt = (volatile grant_entry_v1_t *)gt_va;
    gt[REF].domid = self;
    gt[REF].frame = (uint32_t)virt_to_mfn(granted);
    asm volatile("" ::: "memory");
    gt[REF].flags = GTF_permit_access;
    replace_with_spare();
    replace_with_nothing();
    hostile();
    gt[REF].flags = 0;
    test_done();
}
