/*
 * console-hostile: attacks on the PV console ring that the hypervisor
 * serves itself (no dom0 yet), so this runs on ours only.
 *  - The hypervisor writes the ring's frame (out_cons) on every
 *    notification. If the guest could make that frame one of its page
 *    tables, those unvalidated writes would forge page-table entries; the
 *    hypervisor holds the frame with a writable type, so it cannot.
 *  - If the guest gives the frame back, it must not be freed and handed to
 *    anyone while the hypervisor still writes it: it stays allocated (and
 *    charged) until the domain goes; frames the guest gets meanwhile are
 *    other frames, and the hypervisor's writes do not touch them.
 *  - Escape sequences written to the ring or through console_io reach the
 *    serial line filtered (the runner checks the lines).
 */
#include "mm.h"
#include <xen/io/console.h>

const char test_name[] = "console-hostile";

#define SPARE 8

static struct xencons_interface *ring;
static evtchn_port_t port;

static void ring_write(const char *s)
{
    XENCONS_RING_IDX prod = ring->out_prod;

    for (; *s; s++)
        ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = *s;
    barrier();
    ring->out_prod = prod;
    evtchn_send(port);
}

static void escapes(void)
{
    static const char io[] = "ESC-IO \x1b]0;title\x07\b\b\b\b(HV) forged\n";

    ring_write("ESC-RING \x1b[2J\x1b[1;1H(HV) forged\n");
    check(ring->out_cons == ring->out_prod, "console ring consumed", "cons %u prod %u",
          ring->out_cons, ring->out_prod);
    check_eq(hc_console_io(CONSOLEIO_write, sizeof(io) - 1, io), 0, "console_io with escapes");
}

/* The ring's frame as a page table: pinned, or hooked into an L2. */
static void retype(unsigned long mfn)
{
    uint64_t *l2 = pte_ptr(boot_l4(), (unsigned long)ring, 2);
    unsigned int slot = 512;

    memset(ring, 0, PAGE_SIZE);                       /* empty: valid as an L1 */
    check_eq(make_ro(ring), 0, "ring remapped read-only (as for a page table)");
    check(mmuext1(MMUEXT_PIN_L1_TABLE, mfn) < 0, "pin the console frame as an L1: refused",
          "accepted");
    for (unsigned int i = 0; i < 511 && l2; i++)
        if (!(l2[i] & PTE_P)) { slot = i; break; }
    if (check(slot < 512, "a free L2 slot", "none"))
        check(mmu_set(&l2[slot], ((uint64_t)mfn << 12) | PTE_RW_ACC) < 0,
              "hook the console frame in as an L1: refused", "accepted");
    check_eq(make_rw(ring), 0, "ring writable again");
}

static long resv(unsigned int cmd, xen_pfn_t *f, unsigned int n)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, f);
    return hc_memory_op(cmd, &r);
}

/* Give the frame back, take frames, let the hypervisor write the ring. */
static void give_back(unsigned long mfn)
{
    static uint64_t window[SPARE][512] __aligned(PAGE_SIZE);
    xen_pfn_t f = mfn, got[SPARE];
    unsigned int intact = 0;
    long n;

    check_eq(mmu_set(l1e_of(ring), 0), 0, "unmap the ring");
    check_eq(resv(XENMEM_decrease_reservation, &f, 1), 1, "decrease_reservation(console frame)");
    n = resv(XENMEM_increase_reservation, got, SPARE);
    info("increase_reservation after giving it back: %ld frames", n);
    for (long i = 0; i < n; i++) {
        check(got[i] != mfn, "a new frame is not the console frame", "got it back: %lx", mfn);
        mmu_set(l1e_of(window[i]), ((uint64_t)got[i] << 12) | PTE_RW_ACC);
        for (unsigned int j = 0; j < 512; j++)
            window[i][j] = 0x5a5a5a5a00000000UL | j;
    }
    for (int k = 0; k < 5; k++)
        evtchn_send(port);                            /* the hypervisor writes out_cons */
    for (long i = 0; i < n; i++) {
        bool ok = true;

        for (unsigned int j = 0; j < 512; j++)
            ok &= window[i][j] == (0x5a5a5a5a00000000UL | j);
        intact += ok;
    }
    check(intact == n, "new frames untouched by the hypervisor's ring writes", "%ld of %ld",
          n - intact, n);
}

void test_main(void)
{
    unsigned long mfn = start_info->console.domU.mfn;

    port = start_info->console.domU.evtchn;
    if (!port) {
        fail("console ring", "none in start_info");
        return;
    }
    ring = (struct xencons_interface *)(VIRT_BASE + M2P[mfn] * PAGE_SIZE);
    escapes();
    retype(mfn);
    ring_write("ring still served\n");
    give_back(mfn);
    check_eq(hc_xen_version(XENVER_version, NULL) > 0, 1, "the hypervisor still answers");
}
