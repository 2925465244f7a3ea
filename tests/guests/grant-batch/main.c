/*
 * grant-batch: grant-table batches as long as the ABI allows, as a hostile
 * guest would issue them. Each call is one array: `copies=` (default
 * 20000) GNTTABOP_copy ops of a whole page between frames of our own
 * (80 MB of copying), and 65536 GNTTABOP_unmap_grant_ref ops of handles
 * that do not exist; then two copy batches as the entries of one
 * multicall. Xen runs any count, preempting between ops with a
 * continuation (the array pointer advanced, the count reduced); so must
 * we. Every op must report its own status, every copy must land, and next
 * to a timer-latency bystander (grant-batch-bystander in tests.conf) the
 * other domain's timers stay on time. `rounds=` (default 2) repeats it all.
 */
#include "mm.h"
#include <xen/grant_table.h>

const char test_name[] = "grant-batch";

#define MAX_COPIES 20000
#define UNMAPS     65536
#define DESTS      8

static struct gnttab_copy copies[MAX_COPIES];
static struct gnttab_unmap_grant_ref unmaps[UNMAPS];
static struct multicall_entry mc[2];
static uint8_t src[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t dst[DESTS][PAGE_SIZE] __aligned(PAGE_SIZE);

static void fill_copies(unsigned long n, uint8_t seed)
{
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        src[i] = (uint8_t)(seed + i * 7);
    for (unsigned int d = 0; d < DESTS; d++)
        for (unsigned int i = 0; i < PAGE_SIZE; i++)
            dst[d][i] = 0;
    for (unsigned long i = 0; i < n; i++) {
        copies[i] = (struct gnttab_copy){ .len = PAGE_SIZE, .status = 99 };
        copies[i].source.domid = DOMID_SELF;
        copies[i].source.u.gmfn = virt_to_mfn(src);
        copies[i].dest.domid = DOMID_SELF;
        copies[i].dest.u.gmfn = virt_to_mfn(dst[i % DESTS]);
    }
}

/* Ops [from, to) reported okay, and every destination holds the source. */
static bool copies_landed(unsigned long from, unsigned long to)
{
    unsigned long bad = 0;

    for (unsigned long i = from; i < to; i++)
        bad += copies[i].status != GNTST_okay;
    for (unsigned int d = 0; d < DESTS && d < to - from; d++)
        for (unsigned int i = 0; i < PAGE_SIZE; i++)
            bad += dst[d][i] != src[i];
    return check(bad == 0, "every copy reported okay and landed", "%lu wrong", bad);
}

static void one_copy_batch(unsigned long n, unsigned int round)
{
    long rc;

    fill_copies(n, (uint8_t)round);
    rc = hc_grant_table_op(GNTTABOP_copy, copies, n);
    check_eq(rc, 0, "GNTTABOP_copy of the whole batch");
    copies_landed(0, n);
}

static void one_unmap_batch(void)
{
    unsigned long bad = 0;
    long rc;

    for (unsigned long i = 0; i < UNMAPS; i++)
        unmaps[i] = (struct gnttab_unmap_grant_ref){ .host_addr = 0x1000, .handle = 0xfffff, .status = 99 };
    rc = hc_grant_table_op(GNTTABOP_unmap_grant_ref, unmaps, UNMAPS);
    check_eq(rc, 0, "GNTTABOP_unmap_grant_ref of 65536 bad handles");
    for (unsigned long i = 0; i < UNMAPS; i++)
        bad += unmaps[i].status != GNTST_bad_handle;
    check(bad == 0, "every unmap reported bad_handle", "%lu wrong", bad);
}

/* Two halves of the copy array as two multicall entries. */
static void copy_multicall(unsigned long n, unsigned int round)
{
    long rc;

    fill_copies(n, (uint8_t)(round + 100));
    for (unsigned int k = 0; k < 2; k++)
        mc[k] = (struct multicall_entry){ .op = __HYPERVISOR_grant_table_op, .result = 99,
            .args = { GNTTABOP_copy, (unsigned long)&copies[k * (n / 2)], n / 2 } };
    rc = hc_multicall(mc, 2);
    check(rc == 0 && mc[0].result == 0 && mc[1].result == 0, "multicall of two copy batches",
          "rc %ld results %ld %ld", rc, (long)mc[0].result, (long)mc[1].result);
    copies_landed(0, n / 2 * 2);
}

void test_main(void)
{
    unsigned long rounds = cmdline_int("rounds", 2), n = cmdline_int("copies", MAX_COPIES);

    n = n > MAX_COPIES ? MAX_COPIES : n < 2 ? 2 : n;
    for (unsigned int r = 0; r < rounds; r++) {
        uint64_t t0 = pvclock_ns();

        one_copy_batch(n, r);
        one_unmap_batch();
        copy_multicall(n, r);
        info("round %u: %lu copies, %u unmaps, %lu copies in a multicall: %lu ms", r, n, UNMAPS, n,
             (unsigned long)((pvclock_ns() - t0) / 1000000));
    }
}
