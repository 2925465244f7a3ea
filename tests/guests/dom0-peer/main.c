/*
 * dom0-peer: the boot-time domU that dom0's user-space check
 * (tests/dom0/xenlib-check.c, through Debian's libxenforeignmemory,
 * libxengnttab and libxenevtchn) works with. Ours only: it needs dom0.
 *  - fills a marker frame dom0 maps by MFN (privcmd MMAPBATCH_V2), offers
 *    one it writes through a read-write foreign mapping, and names its L4
 *    (dom0 may map it read-only, never writable);
 *  - gives one frame back (decrease_reservation): dom0 must be refused it;
 *  - grants its info page (tests/dom0/peer.h) read-write to dom0 as
 *    PEER_REF and offers an unbound event channel to dom0;
 *  - waits for dom0's event: dom0's reply must be in the info page, which
 *    dom0 still has mapped (GTF_reading|GTF_writing), then answers with an
 *    event of its own;
 *  - waits for dom0's second event (it unmapped the grant): the flags are
 *    clear, access ends, and the marker frame is intact.
 */
#include "grant.h"
#include "../../dom0/peer.h"

const char test_name[] = "dom0-peer";

#define WAIT_MS 120000                                /* dom0 boots its kernel first */

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);
static union { struct peer_info i; uint8_t page[PAGE_SIZE]; } info_page __aligned(PAGE_SIZE);
#define info (*(volatile struct peer_info *)&info_page.i)   /* the whole page is granted */
static uint64_t marker[512] __aligned(PAGE_SIZE);
static uint8_t given_back[PAGE_SIZE] __aligned(PAGE_SIZE);
static volatile uint64_t written[512] __aligned(PAGE_SIZE);   /* dom0 writes word 3 */
static volatile grant_entry_v1_t *gt;
static volatile unsigned long got;

static void on_event(evtchn_port_t p, void *arg) { got++; }

/* Unmap a page of the image and give its frame back; its MFN, or 0. */
static unsigned long give_back(void *page)
{
    xen_pfn_t f = virt_to_mfn(page);
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, &f);
    if (!check_eq(mmu_set(l1e_of(page), 0), 0, "unmap a page to give back") ||
        !check_eq(hc_memory_op(XENMEM_decrease_reservation, &r), 1, "decrease_reservation(1 frame)"))
        return 0;
    return f;
}

static bool publish(evtchn_port_t *port)
{
    unsigned long gone = give_back(given_back);

    for (unsigned int i = 0; i < 512; i++)
        marker[i] = PEER_MARKER(i);
    if (!gone || !check_eq(evtchn_alloc_unbound(0, port), 0, "alloc_unbound(remote = dom0)"))
        return false;
    evtchn_set_handler(*port, on_event, NULL);
    info.marker_mfn = virt_to_mfn(marker);
    info.gone_mfn = gone;
    info.rw_mfn = virt_to_mfn((const void *)written);
    info.l4_mfn = virt_to_mfn(boot_l4());
    info.port = *port;
    gt[PEER_REF].domid = 0;
    gt[PEER_REF].frame = (uint32_t)virt_to_mfn((const void *)&info);
    barrier();
    gt[PEER_REF].flags = GTF_permit_access;
    barrier();
    info.magic = PEER_MAGIC;
    printf("INFO: dom0-peer: ref %u, marker mfn %#lx, port %u\n", PEER_REF,
           (unsigned long)info.marker_mfn, *port);
    return true;
}

static bool wait_n(unsigned long n, const char *what)
{
    return check(wait_count(&got, n, WAIT_MS), what, "got %lu events", got);
}

static void check_marker(void)
{
    bool ok = true;

    for (unsigned int i = 0; i < 512; i++)
        ok &= marker[i] == PEER_MARKER(i);
    check(ok, "the marker frame dom0 mapped read-only is intact", "changed");
}

/* Dom0's own page, granted to us through its gntalloc device: mapped read-only, read, unmapped. */
static void check_dom0_grant(void)
{
    static uint64_t window[512] __aligned(PAGE_SIZE);
    grant_handle_t h = 0;

    if (!check_eq(gnt_map(0, info.dom0_ref, (uint64_t)window, GNTMAP_host_map | GNTMAP_readonly, &h, NULL),
                  GNTST_okay, "map dom0's grant (gntalloc) read-only"))
        return;
    check(window[0] == PEER_REPLY, "dom0's granted page holds its reply", "%#lx", (unsigned long)window[0]);
    check_eq(gnt_unmap((uint64_t)window, 0, h), GNTST_okay, "unmap dom0's grant");
    check_eq(remap_own_page(window, PTE_RW_ACC), 0, "window page our own again");
}

void test_main(void)
{
    evtchn_port_t port;
    uint16_t flags;

    if (!check(gnt_setup_frame0(gt_va) != 0, "grant table frame 0 set up and mapped", "failed"))
        return;
    gt = (volatile grant_entry_v1_t *)gt_va;
    events_enable();
    if (!publish(&port) || !wait_n(1, "dom0 bound our port and notified it"))
        return;
    check(info.reply == PEER_REPLY, "dom0 wrote its reply through its grant mapping", "%#lx",
          (unsigned long)info.reply);
    check(info.copied == PEER_REPLY, "dom0's grant copy into our page arrived", "%#lx",
          (unsigned long)info.copied);
    check(written[3] == PEER_REPLY, "dom0 wrote into our frame through a read-write foreign mapping",
          "%#lx", (unsigned long)written[3]);
    check(*l1e_of((const void *)written) & PTE_RW, "that frame is still writable here too", "entry %#lx",
          (unsigned long)*l1e_of((const void *)written));
    flags = gt[PEER_REF].flags;
    check((flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
          "dom0's mapping shows as GTF_reading|GTF_writing", "flags %#x", flags);
    check_dom0_grant();
    info.ack = PEER_ACK;
    barrier();
    check_eq(evtchn_send(port), 0, "notify dom0 back");
    if (!wait_n(2, "dom0 unmapped the grant and notified"))
        return;
    flags = gt[PEER_REF].flags;
    check(!(flags & (GTF_reading | GTF_writing)), "flags clear after dom0 unmapped", "flags %#x", flags);
    gt[PEER_REF].flags = 0;
    check_marker();
    check_eq(evtchn_close(port), 0, "close the port");
}
