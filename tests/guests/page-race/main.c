/*
 * page-race: two domains on two CPUs race on one frame X of A's
 * (docs/smp.md, page_type_lock).
 *   role=a peer=<B> ms=<N>  owner: grants X read-write to B (ref 8), maps X
 *                    read-only itself, then for N ms: pins X as an L1 and
 *                    unpins it (refused while B maps it), and maps X
 *                    read-write at a window of its own by mmu_update and back
 *                    (refused while pinned). Then it waits for B's done mark
 *                    in X, and checks that nothing is left over: X pins as an
 *                    L1 (no writable reference left), unpins, and maps
 *                    read-write again (no table type left).
 *   role=b peer=<A>  grantee: maps ref 8 read-write and unmaps it in a loop
 *                    (refused while A has X pinned) until it has done `rounds`
 *                    maps, writes the done mark into X by a last mapping,
 *                    unmaps.
 * Both sides must have succeeded many times (the interleavings happened).
 * Frame counts are audited by the runner's final state: every frame back.
 */
#include "grant.h"

const char test_name[] = "page-race";

#define REF        8
#define DONE_MARK  0xd0e0d0e0d0e0d0e0UL         /* bit 0 clear: not a present PTE */
#define WAIT_MS    60000

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t x_page[512] __aligned(PAGE_SIZE);          /* X (a side) */
static uint64_t window[512] __aligned(PAGE_SIZE);          /* A's own second view of X */
static uint64_t map_va[512] __aligned(PAGE_SIZE);          /* B's grant mapping */
static volatile grant_entry_v1_t *gt;

static bool grant_setup(domid_t to)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    xen_pfn_t frame = 0;

    set_xen_guest_handle(st.frame_list, &frame);
    if (!check(hc_grant_table_op(GNTTABOP_setup_table, &st, 1) == 0 && st.status == GNTST_okay,
               "setup_table", "status %d", st.status))
        return false;
    if (!check_eq(map_page_at(gt_va, frame << 12, PTE_RW_ACC), 0, "map the grant frame"))
        return false;
    gt = (volatile grant_entry_v1_t *)gt_va;
    gt[REF].domid = to;
    gt[REF].frame = (uint32_t)virt_to_mfn(x_page);
    asm volatile("" ::: "memory");
    gt[REF].flags = GTF_permit_access;
    return true;
}

static long pin_x(void) { return mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(x_page)); }
static long unpin_x(void) { return mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(x_page)); }

static void a_side(domid_t to)
{
    uint64_t *w = l1e_of(window), own = *w, x_rw = virt_to_maddr(x_page) | PTE_RW_ACC;
    unsigned long pins = 0, pin_refused = 0, maps = 0, map_refused = 0;
    uint64_t end = pvclock_ns() + cmdline_ulong("ms", 3000) * 1000000UL;

    memset(x_page, 0, sizeof(x_page));
    if (!grant_setup(to) || !check_eq(make_ro(x_page), 0, "X mapped read-only by its owner"))
        return;
    while (pvclock_ns() < end) {
        if (pin_x() == 0) {
            pins++;
            if (unpin_x())
                fail("unpin of X", "refused");
        } else {
            pin_refused++;
        }
        if (mmu_set(w, x_rw) == 0) {
            maps++;
            if (mmu_set(w, own))
                fail("window back to its own frame", "refused");
        } else {
            map_refused++;
        }
    }
    info("a: %lu pins (%lu refused), %lu writable maps (%lu refused)", pins, pin_refused, maps,
         map_refused);
    check(pins > 0 && maps > 0, "owner pinned X and mapped it writable", "pins %lu maps %lu",
          pins, maps);
    end = pvclock_ns() + WAIT_MS * 1000000UL;
    while (((volatile uint64_t *)x_page)[511] != DONE_MARK && pvclock_ns() < end)
        sched_yield();
    if (!check(x_page[511] == DONE_MARK, "grantee's done mark arrived in X", "%#lx", x_page[511]))
        return;
    check(!(gt[REF].flags & (GTF_reading | GTF_writing)), "no grant mapping left", "flags %#x",
          gt[REF].flags);
    gt[REF].flags = 0;                               /* end access */
    check_eq(pin_x(), 0, "X pins as an L1 afterwards (no writable reference left)");
    check_eq(unpin_x(), 0, "... and unpins");
    check_eq(make_rw(x_page), 0, "X maps writable again (no table type left)");
}

static void b_side(domid_t from)
{
    unsigned long rounds = cmdline_ulong("rounds", 3000), maps = 0, refused = 0, tries = 0;
    struct gnttab_map_grant_ref m;
    long rc;

    while (maps < rounds && tries++ < 50000000UL) {
        m = (struct gnttab_map_grant_ref){ .host_addr = (unsigned long)map_va, .ref = REF,
                                           .dom = from, .flags = GNTMAP_host_map };
        rc = hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
        if (rc || m.status != GNTST_okay) {
            refused++;                               /* X pinned, or not granted yet */
            continue;
        }
        maps++;
        if (maps == rounds)
            map_va[511] = DONE_MARK;
        if (gnt_unmap((unsigned long)map_va, 0, m.handle))
            fail("unmap", "refused");
    }
    info("b: %lu maps (%lu refused)", maps, refused);
    check(maps == rounds, "grantee mapped X read-write every round", "%lu of %lu", maps, rounds);
}

void test_main(void)
{
    char role[8] = "";
    domid_t peer = (domid_t)cmdline_int("peer", 0);

    cmdline_str("role", role, sizeof(role));
    if (!strcmp(role, "a"))
        a_side(peer);
    else if (!strcmp(role, "b"))
        b_side(peer);
    else
        fail("role", "role=a or role=b");
}
