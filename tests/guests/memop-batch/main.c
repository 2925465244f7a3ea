/*
 * memop-batch: memory_op over many extents in one call. The guest unmaps
 * `pages=` (default 2048, 8 MiB; at most 8192) pages of its own image and gives them
 * back with one decrease_reservation, then `rounds=` (default 4) times
 * takes them back with one increase_reservation and
 * gives them back again with one decrease_reservation, and finally
 * takes them back once more and maps them where they were. Each call
 * continues per extent when a timer is due (the start extent in
 * cmd >> MEMOP_EXTENT_SHIFT, as Xen), so a timer-latency bystander stays on
 * time (memop-batch-bystander in tests.conf). Every call must report all
 * its extents done and the reservation must come back to where it was.
 */
#include "mm.h"

const char test_name[] = "memop-batch";

#define MAX_PAGES 8192                           /* 32 MiB: the domain needs pvhv.mem=64M */

static uint8_t pool[MAX_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static xen_pfn_t frames[MAX_PAGES];

static long memop(unsigned int cmd, unsigned long n)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, frames);
    return hc_memory_op(cmd, &r);
}

/* The pool's pages unmapped and given back: 0 on success. */
static bool give_back_pool(unsigned long n)
{
    unsigned long bad = 0;

    for (unsigned long i = 0; i < n; i++) {
        pool[i][0] = 1;                              /* present and ours before */
        frames[i] = virt_to_mfn(pool[i]);
        bad += hc_update_va_mapping((unsigned long)pool[i], 0, UVMF_INVLPG) != 0;
    }
    if (!check(bad == 0, "the pool's pages unmapped", "%lu failed", bad))
        return false;
    return check_eq(memop(XENMEM_decrease_reservation, n), n, "decrease_reservation of the pool");
}

/*
 * Taken back and mapped where they were. Not checked for zeroes: Xen does
 * not scrub what a live domain gave back, so its own old data may return.
 */
static void take_back_pool(unsigned long n)
{
    unsigned long bad = 0;

    check_eq(memop(XENMEM_increase_reservation, n), n, "increase_reservation of the pool, last");
    for (unsigned long i = 0; i < n; i++) {
        volatile uint8_t *p = pool[i];

        if (hc_update_va_mapping((unsigned long)pool[i], ((uint64_t)frames[i] << 12) | PTE_RW_ACC,
                                 UVMF_INVLPG)) {
            bad++;
            continue;
        }
        p[0] = (uint8_t)i;
        p[PAGE_SIZE - 1] = (uint8_t)~i;
        bad += p[0] != (uint8_t)i || p[PAGE_SIZE - 1] != (uint8_t)~i;
    }
    check(bad == 0, "the pool mapped back, every page ours to write", "%lu wrong", bad);
}

void test_main(void)
{
    unsigned long n = cmdline_int("pages", 2048), rounds = cmdline_int("rounds", 4);
    long cur0 = reservation(XENMEM_current_reservation);

    n = n > MAX_PAGES ? MAX_PAGES : n < 1 ? 1 : n;
    if (!give_back_pool(n))
        return;
    check_eq(reservation(XENMEM_current_reservation), cur0 - (long)n, "reservation down by the pool");
    for (unsigned int r = 0; r < rounds; r++) {
        uint64_t t0 = pvclock_ns();
        long up = memop(XENMEM_increase_reservation, n), down = memop(XENMEM_decrease_reservation, n);

        check(up == (long)n && down == (long)n, "increase + decrease of the whole pool",
              "round %u: %ld and %ld of %lu", r, up, down, n);
        info("round %u: %lu extents up and down: %lu ms", r, n,
             (unsigned long)((pvclock_ns() - t0) / 1000000));
    }
    take_back_pool(n);
    check_eq(reservation(XENMEM_current_reservation), cur0, "reservation back where it was");
}
