/*
 * grant-pair: grant tables v1 between two domains, or inside one (loopback, the variant
 * validated on real Xen as dom0).
 *   role=a peer=<B>  granter: setup_table, maps its grant frame, grants ref 8 (read-write),
 *                    ref 9 (read-only) and ref 10 (read-only, copy source) to B, offers
 *                    event-channel port 1 to B; sees GTF_reading/GTF_writing while B maps,
 *                    cannot end access then; ends access after B unmapped.
 *   role=b peer=<A>  grantee: binds A's port (port=, default 1; on ours 1 is the domU's PV
 *                    console, so A's is 2) (retried with yield), maps A's refs with
 *                    GNTMAP_host_map read-write and read-only, reads/writes, refusals,
 *                    unmaps, GNTTABOP_copy both ways, a device map with cache_flush
 *                    (refused for the frame once unmapped), and a map after revocation.
 *   role=loop        (default) both sides in one domain: grants to itself.
 * Own domain id: 0 when privileged (dom0), else domid=<n> (default 1).
 * Sequence (a and b notify each other on the one channel): b maps -> N1 -> a checks flags and
 * refused revocation -> N1 -> b unmaps + copies -> N2 -> a revokes -> N2 -> b maps revoked.
 */
#include "grant.h"

const char test_name[] = "grant-pair";

#define WAIT_MS 30000
#define REF_RW  8
#define REF_RO  9
#define REF_CP  10

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);      /* our grant frame 0 */
static uint64_t shared_rw[512] __aligned(PAGE_SIZE);       /* granted pages (a side) */
static uint64_t shared_ro[512] __aligned(PAGE_SIZE);
static uint64_t copy_src[512] __aligned(PAGE_SIZE);
static uint64_t map_rw[512] __aligned(PAGE_SIZE);          /* mapping windows (b side) */
static uint64_t map_ro[512] __aligned(PAGE_SIZE);
static uint64_t local[512] __aligned(PAGE_SIZE);
static volatile grant_entry_v1_t *gt;
static volatile unsigned long got;
static evtchn_port_t port;
static domid_t self_id;

static void on_event(evtchn_port_t p, void *arg) { got++; }

static void expect(const char *what, long got_, long want)
{
    check(got_ == want, what, "got %ld, want %ld", got_, want);
}

static bool grant_setup(void)
{
    struct gnttab_set_version sv = { .version = 1 };
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    xen_pfn_t frame = 0;

    expect("set_version(1) = 0", hc_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    sv.version = 3;
    expect("set_version(3) = -EINVAL", hc_grant_table_op(GNTTABOP_set_version, &sv, 1), -EINVAL);
    expect("query_size = 0", hc_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
    check(q.status == GNTST_okay && q.nr_frames >= 1 && q.max_nr_frames >= q.nr_frames,
          "query_size: status ok, 1 <= nr_frames <= max_nr_frames", "status %d nr %u max %u",
          q.status, q.nr_frames, q.max_nr_frames);
    set_xen_guest_handle(st.frame_list, &frame);
    expect("setup_table(1 frame) = 0", hc_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    if (!check(st.status == GNTST_okay && frame, "setup_table: status ok, frame returned",
               "status %d frame %#lx", st.status, frame))
        return false;
    if (!check_eq(map_page_at(gt_va, frame << 12, PTE_RW_ACC), 0, "map the grant frame read-write"))
        return false;
    gt = (volatile grant_entry_v1_t *)gt_va;
    return true;
}

static void grant(grant_ref_t ref, domid_t to, const void *page, bool ro)
{
    gt[ref].domid = to;
    gt[ref].frame = (uint32_t)virt_to_mfn(page);
    asm volatile("" ::: "memory");
    gt[ref].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

/* Linux's gnttab_end_foreign_access_ref_v1: fails while the grantee has it mapped. */
static bool end_access(grant_ref_t ref)
{
    uint16_t flags = gt[ref].flags, old;

    do {
        if (flags & (GTF_reading | GTF_writing))
            return false;
        old = flags;
        asm volatile("lock cmpxchgw %2, %1" : "=a"(flags), "+m"(gt[ref].flags)
                     : "r"((uint16_t)0), "0"(old) : "memory");
    } while (flags != old);
    return true;
}

static int16_t map(domid_t dom, grant_ref_t ref, void *va, bool ro, grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)va, .ref = ref, .dom = dom,
                                      .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0) };
    long rc = hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);

    if (rc)
        return (int16_t)rc;
    *h = m.handle;
    return m.status;
}

static int16_t unmap(void *va, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)va, .handle = h };
    long rc = hc_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);

    return rc ? (int16_t)rc : u.status;
}

static int16_t copy(domid_t sdom, grant_ref_t sref, const void *sva, domid_t ddom,
                    grant_ref_t dref, void *dva, uint16_t soff, uint16_t doff, uint16_t len)
{
    struct gnttab_copy c = { .len = len };
    long rc;

    c.source.domid = sdom;
    c.source.offset = soff;
    if (sva) c.source.u.gmfn = virt_to_mfn(sva); else { c.source.u.ref = sref; c.flags |= GNTCOPY_source_gref; }
    c.dest.domid = ddom;
    c.dest.offset = doff;
    if (dva) c.dest.u.gmfn = virt_to_mfn(dva); else { c.dest.u.ref = dref; c.flags |= GNTCOPY_dest_gref; }
    rc = hc_grant_table_op(GNTTABOP_copy, &c, 1);
    return rc ? (int16_t)rc : c.status;
}

/* The failure says how long it waited by this domain's clock: a stall and a clock jump differ. */
static bool wait_n(unsigned long n, const char *what)
{
    uint64_t start = pvclock_ns();
    bool ok = wait_count(&got, n, WAIT_MS);

    return check(ok, what, "got %lu notifications in %lu ms (upcalls %lu)", got,
                 (unsigned long)((pvclock_ns() - start) / 1000000), upcalls);
}

/* --- granter side --- */
static void a_setup(domid_t to)
{
    for (unsigned int i = 0; i < 512; i++) {
        shared_rw[i] = 0xa1a1000000000000UL | i;
        shared_ro[i] = 0xa2a2000000000000UL | i;
        copy_src[i] = 0xa3a3000000000000UL | i;
    }
    grant(REF_RW, to, shared_rw, false);
    grant(REF_RO, to, shared_ro, true);
    grant(REF_CP, to, copy_src, true);
}

static void a_check_mapped(void)
{
    check((gt[REF_RW].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
          "granter sees GTF_reading|GTF_writing on the read-write mapped ref", "flags %#x",
          gt[REF_RW].flags);
    check((gt[REF_RO].flags & (GTF_reading | GTF_writing)) == GTF_reading,
          "granter sees only GTF_reading on the read-only mapped ref", "flags %#x", gt[REF_RO].flags);
    check(!end_access(REF_RW), "ending access while mapped is refused (read-write ref)", "ended");
    check(!end_access(REF_RO), "ending access while mapped is refused (read-only ref)", "ended");
    check(shared_rw[5] == 0xb0b0b0b0b0b0b0b0UL, "grantee's write visible to the granter", "%#lx",
          shared_rw[5]);
}

static void a_check_unmapped(void)
{
    check(!(gt[REF_RW].flags & (GTF_reading | GTF_writing)) &&
          !(gt[REF_RO].flags & (GTF_reading | GTF_writing)),
          "flags clear after the grantee unmapped", "rw %#x ro %#x", gt[REF_RW].flags, gt[REF_RO].flags);
    check(shared_rw[7] == (0xa3a3000000000000UL | 0), "grant copy into the granted page arrived",
          "%#lx", shared_rw[7]);
    check(end_access(REF_RW) && end_access(REF_RO) && end_access(REF_CP),
          "end access after unmap succeeds", "-");
    check_eq(make_ro(shared_rw), 0, "formerly granted page remaps read-only (no stale refs)");
    check_eq(make_rw(shared_rw), 0, "... and writable");
}

/* --- grantee side --- */
static void b_refusals(domid_t from)
{
    grant_handle_t h_x = 0;

    expect("map read-write of a GTF_readonly grant = GNTST_general_error",
           map(from, REF_CP, local, false, &h_x), GNTST_general_error);
    expect("map of an unused ref = GNTST_general_error", map(from, 11, local, true, &h_x),
           GNTST_general_error);
    expect("map of ref beyond the table = GNTST_bad_gntref", map(from, 60000, local, true, &h_x),
           GNTST_bad_gntref);
    expect("map at an address without an L1 = GNTST_general_error",
           map(from, REF_RO, (void *)0x0000400000000000UL, true, &h_x), GNTST_general_error);
    expect("map from no such domain = GNTST_bad_domain", map(0x3000, REF_RO, local, true, &h_x),
           GNTST_bad_domain);
    expect("unmap with a bad handle = GNTST_bad_handle", unmap(local, 0x7777), GNTST_bad_handle);
    check_eq(make_rw(local), 0, "local page mapping intact");
}

static void b_map_and_use(domid_t from)
{
    grant_handle_t h_rw = 0, h_ro = 0;

    if (!check_eq(map(from, REF_RW, map_rw, false, &h_rw), GNTST_okay, "map_grant_ref read-write"))
        return;
    if (!check_eq(map(from, REF_RO, map_ro, true, &h_ro), GNTST_okay, "map_grant_ref read-only"))
        return;
    check(map_rw[3] == (0xa1a1000000000000UL | 3) && map_ro[4] == (0xa2a2000000000000UL | 4),
          "mapped grants read the granter's data", "%#lx %#lx", map_rw[3], map_ro[4]);
    map_rw[5] = 0xb0b0b0b0b0b0b0b0UL;
    check(!try_write64(&map_ro[6], 1), "store through the read-only grant mapping = #PF", "no fault");
    b_refusals(from);
    evtchn_send(port);
    if (!wait_n(1, "granter checked the mapped state"))
        return;
    expect("unmap read-write grant", unmap(map_rw, h_rw), GNTST_okay);
    expect("unmap read-only grant", unmap(map_ro, h_ro), GNTST_okay);
    expect("unmap the same handle again = GNTST_bad_handle", unmap(map_ro, h_ro), GNTST_bad_handle);
    check(!try_read64(&map_rw[3], NULL), "unmapped address faults", "readable");
    check_eq(make_rw(map_rw), 0, "window page remapped to own frame");
    check_eq(make_rw(map_ro), 0, "second window remapped");
}

static void b_copy(domid_t from)
{
    memset(local, 0, PAGE_SIZE);
    expect("grant copy from the granter's read-only ref", copy(from, REF_CP, NULL, DOMID_SELF, 0,
           local, 8, 16, 64), GNTST_okay);
    check(local[2] == (0xa3a3000000000000UL | 1) && local[9] == (0xa3a3000000000000UL | 8),
          "copied data (with offsets)", "%#lx %#lx", local[2], local[9]);
    local[0] = 0xa3a3000000000000UL;
    expect("grant copy into the granter's read-write ref", copy(DOMID_SELF, 0, local, from, REF_RW,
           NULL, 0, 56, 8), GNTST_okay);
    expect("grant copy into a read-only ref = GNTST_general_error",
           copy(DOMID_SELF, 0, local, from, REF_RO, NULL, 0, 0, 8), GNTST_general_error);
    expect("grant copy crossing the page end = GNTST_bad_copy_arg",
           copy(from, REF_CP, NULL, DOMID_SELF, 0, local, 4000, 0, 200), GNTST_bad_copy_arg);
}

static void b_after_revoke(domid_t from)
{
    grant_handle_t h;

    expect("map after the granter ended access = GNTST_general_error",
           map(from, REF_RW, map_rw, false, &h), GNTST_general_error);
    expect("copy after the granter ended access = GNTST_general_error",
           copy(from, REF_CP, NULL, DOMID_SELF, 0, local, 0, 0, 8), GNTST_general_error);
    check_eq(make_rw(map_rw), 0, "window page still our own");
}

/*
 * A device mapping of the granter's read-only page: dev_bus_addr names the
 * frame; cache_flush of it is allowed while mapped and, when it is another
 * domain's frame, refused (-EINVAL) once unmapped.
 */
static void b_device(domid_t from)
{
    grant_handle_t h = 0;
    uint64_t bus = 0;

    if (!check_eq(gnt_map(from, REF_RO, 0, GNTMAP_device_map | GNTMAP_readonly, &h, &bus), GNTST_okay,
                  "device map of the read-only grant"))
        return;
    check(bus && !(bus & (PAGE_SIZE - 1)), "dev_bus_addr is a page's machine address", "%#lx",
          (unsigned long)bus);
    expect("cache_flush(clean) of the mapped frame = 0", gnt_cache_flush(bus, 0, 64, GNTTAB_CACHE_CLEAN), 0);
    expect("cache_flush(invalidate only) = -EOPNOTSUPP",
           gnt_cache_flush(bus, 0, 64, GNTTAB_CACHE_INVAL), -EOPNOTSUPP);
    expect("unmap with a wrong bus address = GNTST_bad_dev_addr", gnt_unmap(0, bus ^ PAGE_SIZE, h),
           GNTST_bad_dev_addr);
    expect("unmap the device mapping", gnt_unmap(0, bus, h), GNTST_okay);
    if (from != self_id)
        expect("cache_flush of the granter's frame once unmapped = -EINVAL",
               gnt_cache_flush(bus, 0, 64, GNTTAB_CACHE_CLEAN), -EINVAL);
}

static void role_loop(void)
{
    a_setup(self_id);
    /* Loop: b's notifications are replaced by direct calls. */
    {
        grant_handle_t h_rw = 0, h_ro = 0;

        if (!check_eq(map(self_id, REF_RW, map_rw, false, &h_rw), GNTST_okay, "map_grant_ref read-write (self)") ||
            !check_eq(map(self_id, REF_RO, map_ro, true, &h_ro), GNTST_okay, "map_grant_ref read-only (self)"))
            return;
        check(map_rw[3] == (0xa1a1000000000000UL | 3) && map_ro[4] == (0xa2a2000000000000UL | 4),
              "mapped grants read the granted data", "%#lx %#lx", map_rw[3], map_ro[4]);
        map_rw[5] = 0xb0b0b0b0b0b0b0b0UL;
        check(!try_write64(&map_ro[6], 1), "store through the read-only grant mapping = #PF", "no fault");
        b_refusals(self_id);
        a_check_mapped();
        expect("unmap read-write grant", unmap(map_rw, h_rw), GNTST_okay);
        expect("unmap read-only grant", unmap(map_ro, h_ro), GNTST_okay);
        expect("unmap the same handle again = GNTST_bad_handle", unmap(map_ro, h_ro), GNTST_bad_handle);
        check(!try_read64(&map_rw[3], NULL), "unmapped address faults", "readable");
        check_eq(make_rw(map_rw), 0, "window page remapped to own frame");
        check_eq(make_rw(map_ro), 0, "second window remapped");
    }
    b_copy(self_id);
    b_device(self_id);
    a_check_unmapped();
    b_after_revoke(self_id);
}

void test_main(void)
{
    char role[8] = "loop";
    domid_t peer = (domid_t)cmdline_int("peer", 0);
    uint64_t end;
    long rc;

    self_id = (domid_t)own_domid();
    cmdline_str("role", role, sizeof(role));
    events_disable();
    if (!grant_setup())
        return;
    if (!strcmp(role, "a")) {
        a_setup(peer);
        /* Upcalls stay off until the handler is in: an event that came in
         * between (the peer is fast) would be taken and dropped. */
        if (!check_eq(evtchn_alloc_unbound(peer, &port), 0, "alloc_unbound(remote = grantee)"))
            return;
        evtchn_set_handler(port, on_event, NULL);
        events_enable();
        if (!wait_n(1, "grantee mapped"))
            return;
        a_check_mapped();
        evtchn_send(port);
        if (!wait_n(2, "grantee unmapped and copied"))
            return;
        a_check_unmapped();
        evtchn_send(port);
        wait_n(3, "grantee done");
        evtchn_close(port);
    } else if (!strcmp(role, "b")) {
        end = pvclock_ns() + WAIT_MS * 1000000ULL;
        do {
            rc = evtchn_bind_interdomain(peer, (evtchn_port_t)cmdline_int("port", 1), &port);
            if (rc == 0)
                break;
            sched_yield();
        } while (pvclock_ns() < end);
        if (!check_eq(rc, 0, "bind to the granter's port (retried)"))
            return;
        evtchn_clear(port);                          /* the binder's first event (Xen's), not a's */
        evtchn_set_handler(port, on_event, NULL);
        events_enable();
        b_map_and_use(peer);
        b_copy(peer);
        b_device(peer);
        evtchn_send(port);
        if (!wait_n(2, "granter ended access"))
            return;
        b_after_revoke(peer);
        evtchn_send(port);
    } else {
        events_enable();
        role_loop();
    }
}
