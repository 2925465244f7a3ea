/*
 * domctl-destroy-big: dom0 creates a domain of `mb=` MiB (default 256:
 * 65536 frames, given in 2 MiB extents by populate_physmap), then destroys
 * it, `rounds=` times (default 3). destroydomain releases the frames in
 * bounded steps and continues itself with -ERESTART, as Xen's: the guest
 * sees one call that returns 0, and the bystander next to it (tests.conf:
 * timer-latency) must keep its wake-ups within its bound meanwhile. Every
 * frame comes back each round (physinfo's free pages).
 * Ours only (tests.conf option dom0).
 */
#include "ctl.h"                                     /* first: __XEN_TOOLS__ */
#include "mm.h"

const char test_name[] = "domctl-destroy-big";

#define EXTENT_ORDER 9                               /* 2 MiB */
#define MAX_EXTENTS  1024                            /* 2 GiB */

static xen_pfn_t extents[MAX_EXTENTS];

static long populate_big(domid_t dom, unsigned long nr)
{
    struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = EXTENT_ORDER,
                                        .domid = dom };

    for (unsigned long i = 0; i < nr; i++)
        extents[i] = i << EXTENT_ORDER;
    set_xen_guest_handle(r.extent_start, extents);
    return hc_memory_op(XENMEM_populate_physmap, &r);
}

static void one_round(unsigned int round, unsigned long nr, uint64_t baseline)
{
    struct xen_domctl_getdomaininfo di;
    struct xen_sysctl_physinfo pi;
    domid_t dom = 0;
    uint64_t t0, t1;

    if (!check_eq(ctl_createdomain(&dom, 1), 0, "createdomain"))
        return;
    check_eq(ctl_max_mem(dom, (uint64_t)nr << (EXTENT_ORDER + 2)), 0, "max_mem");
    check_eq(ctl_max_vcpus(dom, 1), 0, "max_vcpus");
    check_eq(populate_big(dom, nr), (long)nr, "populate_physmap: every extent given");
    check_eq(ctl_getdomaininfo(dom, &di), 0, "getdomaininfo");
    check_eq(di.tot_pages, nr << EXTENT_ORDER, "tot_pages = the frames given");
    t0 = pvclock_ns();
    check_eq(ctl_simple(XEN_DOMCTL_destroydomain, dom), 0, "destroydomain returns 0 (continued inside)");
    t1 = pvclock_ns();
    info("round %u: %lu frames destroyed in %lu us", round, nr << EXTENT_ORDER,
         (unsigned long)((t1 - t0) / 1000));
    check_eq(ctl_simple(XEN_DOMCTL_pausedomain, dom), -ESRCH, "it is gone (-ESRCH)");
    check_eq(ctl_physinfo(&pi), 0, "physinfo");
    check_eq(pi.free_pages, baseline, "free pages back to the baseline");
}

void test_main(void)
{
    unsigned long mb = cmdline_ulong("mb", 256), rounds = cmdline_ulong("rounds", 3);
    unsigned long nr = mb >> 1;
    struct xen_sysctl_physinfo pi;

    if (!check(is_priv(), "runs as the privileged domain", "flags %#x", start_info->flags))
        return;
    if (!check(nr > 0 && nr <= MAX_EXTENTS, "mb= in range", "mb=%lu", mb))
        return;
    if (!check_eq(ctl_physinfo(&pi), 0, "physinfo"))
        return;
    for (unsigned int i = 0; i < rounds; i++)
        one_round(i, nr, pi.free_pages);
}
