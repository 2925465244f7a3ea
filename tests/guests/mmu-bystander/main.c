/*
 * mmu-bystander: the victim next to mmu-hostile.  Fills pattern pages, publishes their mfns
 * (INFO line, for victim_mfn= of the hostile guest), offers event-channel port 1 to the
 * hostile domain and waits for its final notification, then verifies that its pattern
 * pages, its page tables and its reservation are unchanged.
 *   peer=<domid>  the hostile domain (ours: mmu-hostile is d1, the default); peer=none
 *                 (or a privileged domain, i.e. dom0 on Xen) = alone: short wait, then verify
 *   wait_ms=N     how long to wait for the peer (default 100000)
 */
#include "mm.h"

const char test_name[] = "mmu-bystander";

#define NPAT 4
static uint64_t pat[NPAT][512] __aligned(PAGE_SIZE);
static volatile unsigned long notified;

static void on_event(evtchn_port_t port, void *arg) { notified++; }

static uint64_t pattern(unsigned int p, unsigned int i)
{
    return 0xb7574d3500000000UL ^ ((uint64_t)p << 16) ^ (i * 0x9e3779b9UL);
}

static bool intact(unsigned int *bad_p, unsigned int *bad_i)
{
    for (unsigned int p = 0; p < NPAT; p++)
        for (unsigned int i = 0; i < 512; i++)
            if (pat[p][i] != pattern(p, i)) {
                *bad_p = p;
                *bad_i = i;
                return false;
            }
    return true;
}

void test_main(void)
{
    char peer_s[8] = "1";
    bool alone = is_priv();
    long wait_ms = cmdline_int("wait_ms", 100000), cur = reservation(XENMEM_current_reservation);
    uint64_t l4_511 = boot_l4()[511], l4_0 = boot_l4()[0];
    unsigned int bp = 0, bi = 0;
    evtchn_port_t port;

    cmdline_str("peer", peer_s, sizeof(peer_s));
    alone |= !strcmp(peer_s, "none");
    for (unsigned int p = 0; p < NPAT; p++)
        for (unsigned int i = 0; i < 512; i++)
            pat[p][i] = pattern(p, i);
    info("pattern mfns %#lx %#lx %#lx %#lx start_info mfn %#lx", virt_to_mfn(pat[0]),
         virt_to_mfn(pat[1]), virt_to_mfn(pat[2]), virt_to_mfn(pat[3]), virt_to_mfn(start_info));
    events_enable();
    if (alone) {
        udelay_spin(100000);
    } else {
        domid_t peer = (domid_t)cmdline_int("peer", 1);

        if (!check_eq(evtchn_alloc_unbound(peer, &port), 0, "alloc_unbound(remote = hostile peer)"))
            return;
        /* port= (default 1): on ours port 1 is the domU's PV console, the first free port is 2. */
        unsigned int want = (unsigned int)cmdline_int("port", 1);

        check(port == want, "offered port is the first free one (port=, default 1)", "port %u, want %u",
              port, want);
        evtchn_set_handler(port, on_event, NULL);
        check(wait_count(&notified, 1, wait_ms), "final notification from the hostile peer",
              "none within %ld ms", wait_ms);
        evtchn_close(port);
    }
    check(intact(&bp, &bi), "pattern pages unchanged", "page %u word %u = %#lx", bp, bi, pat[bp][bi]);
    check(boot_l4()[511] == l4_511 && boot_l4()[0] == l4_0, "own L4 unchanged", "-");
    check_eq(reservation(XENMEM_current_reservation), cur, "current_reservation unchanged");
    check_eq(make_ro(pat[0]), 0, "own page remaps read-only");
    check_eq(make_rw(pat[0]), 0, "... and writable");
}
