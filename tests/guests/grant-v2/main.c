/*
 * grant-v2: grant tables version 2 in one domain (granting to itself, so it
 * also runs on the real Xen as dom0): GNTTABOP_set_version both ways and what
 * it refuses, get_version, get_status_frames and the status frames, the v2
 * entry layout, and the 8 reserved entries that survive a switch.
 *   peer=<domid>  (ours: next to another domain) its version and status frames
 *                 are refused to us (permission_denied / -EPERM).
 */
#include "grant.h"

const char test_name[] = "grant-v2";

#define REF_RES 1                      /* a reserved entry (< GNTTAB_NR_RESERVED_ENTRIES) */
#define REF_V1  9
#define REF_RW  10
#define REF_RO  11
#define REF_SUB 12
#define NODOM   1000                   /* no such domain */

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);      /* our grant frame 0 */
static uint8_t st_va[PAGE_SIZE] __aligned(PAGE_SIZE);      /* status frame 0, when mapped */
static uint64_t page_a[512] __aligned(PAGE_SIZE);          /* granted pages */
static uint64_t page_b[512] __aligned(PAGE_SIZE);
static uint64_t win_a[512] __aligned(PAGE_SIZE);           /* mapping windows */
static uint64_t win_b[512] __aligned(PAGE_SIZE);
static uint64_t local[512] __aligned(PAGE_SIZE);
static domid_t self;

static volatile grant_entry_v1_t *v1(grant_ref_t ref) { return (volatile grant_entry_v1_t *)gt_va + ref; }
static volatile grant_entry_v2_t *v2(grant_ref_t ref) { return (volatile grant_entry_v2_t *)gt_va + ref; }
static volatile grant_status_t *status(grant_ref_t ref) { return (volatile grant_status_t *)st_va + ref; }

static void grant_v1(grant_ref_t ref, const void *page, bool ro)
{
    v1(ref)->domid = self;
    v1(ref)->frame = (uint32_t)virt_to_mfn(page);
    asm volatile("" ::: "memory");
    v1(ref)->flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

static void grant_v2(grant_ref_t ref, uint64_t frame, uint16_t flags)
{
    v2(ref)->hdr.domid = self;
    v2(ref)->full_page.frame = frame;
    asm volatile("" ::: "memory");
    v2(ref)->hdr.flags = flags;
}

static unsigned int version_now(void)
{
    unsigned int v = 0;

    gnt_get_version(DOMID_SELF, &v);
    return v;
}

/* Ops Xen takes one at a time refuse other counts; lists in the hypervisor's area fault. */
static void bad_counts(void)
{
    struct gnttab_query_size q[2] = { { .dom = DOMID_SELF }, { .dom = DOMID_SELF } };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };
    struct gnttab_get_status_frames gs = { .dom = DOMID_SELF, .nr_frames = 0 };
    uint64_t frame;

    check_eq(hc_grant_table_op(GNTTABOP_query_size, q, 2), -EINVAL, "query_size with count 2 = -EINVAL");
    check_eq(hc_grant_table_op(GNTTABOP_query_size, q, 0), -EINVAL, "query_size with count 0 = -EINVAL");
    set_xen_guest_handle(gs.frame_list, &frame);
    check_eq(hc_grant_table_op(GNTTABOP_get_status_frames, &gs, 2), -EINVAL,
             "get_status_frames with count 2 = -EINVAL");
    set_xen_guest_handle(st.frame_list, (xen_pfn_t *)0xffff800000001000UL);
    check_eq(hc_grant_table_op(GNTTABOP_setup_table, &st, 1), -EFAULT,
             "setup_table with its frame list in the hypervisor's area = -EFAULT");
    set_xen_guest_handle(st.frame_list, &frame);
    check_eq(hc_grant_table_op(GNTTABOP_setup_table, &st, 2), -EINVAL, "setup_table with count 2 = -EINVAL");
    st.nr_frames = 10000;
    check(hc_grant_table_op(GNTTABOP_setup_table, &st, 1) == 0 && st.status == GNTST_general_error,
          "setup_table(10000 frames) = GNTST_general_error", "status %d", st.status);
}

static void initial_version(void)
{
    unsigned int now = 0;
    uint64_t frames[2] = { 0 };

    check_eq(version_now(), 1, "a new table is version 1");
    check_eq(gnt_set_version(3, &now), -EINVAL, "set_version(3) = -EINVAL");
    check_eq(now, 1, "... and says the version in force (1)");
    check_eq(gnt_set_version(0, &now), -EINVAL, "set_version(0) = -EINVAL");
    check_eq(gnt_set_version(1, &now), 0, "set_version(1) on v1 = 0");
    check_eq(gnt_status_frames(DOMID_SELF, 1, frames), GNTST_general_error,
             "v1: get_status_frames(1) = GNTST_general_error (no status frames)");
    check_eq(gnt_status_frames(DOMID_SELF, 0, frames), GNTST_okay, "v1: get_status_frames(0) = okay");
    check_eq(gnt_status_frames(NODOM, 0, frames), GNTST_bad_domain,
             "get_status_frames of no such domain = GNTST_bad_domain");
    check_eq(gnt_get_version(NODOM, &now), -ESRCH, "get_version of no such domain = -ESRCH");
    bad_counts();
}

/* A mapped entry past the reserved ones blocks a switch; a reserved one does not. */
static void switch_up(grant_handle_t *h_res)
{
    grant_handle_t h = 0;
    unsigned int now = 0;

    grant_v1(REF_V1, page_a, false);
    grant_v1(REF_RES, page_b, true);
    check_eq(gnt_map(self, REF_V1, (uint64_t)win_a, GNTMAP_host_map, &h, NULL), GNTST_okay,
             "v1: map ref 9");
    check_eq(gnt_set_version(2, &now), -EBUSY, "set_version(2) while ref 9 is mapped = -EBUSY");
    check_eq(now, 1, "... still version 1");
    check_eq(gnt_unmap((uint64_t)win_a, 0, h), GNTST_okay, "unmap ref 9");
    check_eq(make_rw(win_a), 0, "window back to our own page");
    check_eq(gnt_map(self, REF_RES, (uint64_t)win_b, GNTMAP_host_map | GNTMAP_readonly, h_res, NULL),
             GNTST_okay, "v1: map reserved ref 1 read-only");
    check_eq(gnt_set_version(2, &now), 0, "set_version(2) with only a reserved ref mapped = 0");
    check_eq(now, 2, "... now version 2");
    check_eq(version_now(), 2, "get_version = 2");
    check(v2(REF_RES)->hdr.flags == (GTF_permit_access | GTF_readonly) && v2(REF_RES)->hdr.domid == self &&
          v2(REF_RES)->full_page.frame == virt_to_mfn(page_b),
          "reserved ref 1 carried over as a v2 entry (no in-use bits in the header)",
          "flags %#x domid %u frame %#lx", v2(REF_RES)->hdr.flags, v2(REF_RES)->hdr.domid,
          (unsigned long)v2(REF_RES)->full_page.frame);
    check(v2(REF_V1 / 2)->hdr.flags == 0 && v2(REF_V1 / 2 + 1)->hdr.flags == 0 &&
          v2(REF_V1 / 2)->full_page.frame == 0,
          "the rest of the table is cleared", "flags %#x", v2(REF_V1 / 2)->hdr.flags);
}

static bool status_frames(void)
{
    uint64_t frames[2] = { 0, 0 };
    struct gnttab_query_size q = { .dom = DOMID_SELF };

    check(hc_grant_table_op(GNTTABOP_query_size, &q, 1) == 0 && q.nr_frames == 1,
          "v2: still one shared frame", "nr %u", q.nr_frames);
    if (!check_eq(gnt_status_frames(DOMID_SELF, 1, frames), GNTST_okay, "v2: get_status_frames(1) = okay"))
        return false;
    check(frames[0] != 0 && frames[1] == 0, "one status frame returned", "%#lx %#lx",
          (unsigned long)frames[0], (unsigned long)frames[1]);
    check_eq(gnt_status_frames(DOMID_SELF, 2, frames), GNTST_general_error,
             "get_status_frames(2) with one status frame = GNTST_general_error");
    check_eq(gnt_status_frames(DOMID_SELF, 0x7fffffff, frames), GNTST_general_error,
             "get_status_frames(0x7fffffff) = GNTST_general_error");
    if (!check_eq(map_page_at(st_va, frames[0] << 12, PTE_RO), 0, "map status frame 0 read-only"))
        return false;
    check_eq(*status(REF_RES), GTF_reading, "status of the mapped reserved ref = GTF_reading");
    return true;
}

static void v2_maps(grant_handle_t h_res)
{
    grant_handle_t h_rw = 0, h_ro = 0, h = 0;

    check_eq(gnt_unmap((uint64_t)win_b, 0, h_res), GNTST_okay, "unmap the reserved ref (mapped under v1)");
    check_eq(*status(REF_RES), 0, "its status clears");
    check_eq(make_rw(win_b), 0, "window back to our own page");
    for (int i = 0; i < 512; i++)
        page_a[i] = 0xa2a2000000000000UL | i;
    grant_v2(REF_RW, virt_to_mfn(page_a), GTF_permit_access);
    grant_v2(REF_RO, virt_to_mfn(page_b), GTF_permit_access | GTF_readonly);
    check_eq(gnt_map(self, REF_RW, (uint64_t)win_a, GNTMAP_host_map, &h_rw, NULL), GNTST_okay,
             "v2: map a full-page grant read-write");
    check_eq(*status(REF_RW), GTF_reading | GTF_writing, "status = GTF_reading|GTF_writing");
    check_eq(v2(REF_RW)->hdr.flags, GTF_permit_access, "header flags untouched");
    check(win_a[3] == (0xa2a2000000000000UL | 3), "mapping reads the granted page", "%#lx", win_a[3]);
    win_a[4] = 0x4444;
    asm volatile("" ::: "memory");                   /* page_a and win_a alias */
    check(page_a[4] == 0x4444, "write through the mapping lands", "%#lx", page_a[4]);
    check_eq(gnt_map(self, REF_RO, (uint64_t)win_b, GNTMAP_host_map, &h, NULL), GNTST_general_error,
             "v2: read-write map of a GTF_readonly grant = GNTST_general_error");
    check_eq(gnt_map(self, REF_RO, (uint64_t)win_b, GNTMAP_host_map | GNTMAP_readonly, &h_ro, NULL),
             GNTST_okay, "v2: read-only map");
    check_eq(*status(REF_RO), GTF_reading, "status = GTF_reading");
    grant_v2(REF_SUB, virt_to_mfn(page_b), GTF_permit_access | GTF_sub_page);
    check_eq(gnt_map(self, REF_SUB, (uint64_t)local, GNTMAP_host_map | GNTMAP_readonly, &h, NULL),
             GNTST_general_error, "v2: map of a sub-page grant = GNTST_general_error");
    check_eq(gnt_map(self, 256, (uint64_t)local, GNTMAP_host_map | GNTMAP_readonly, &h, NULL),
             GNTST_bad_gntref, "v2: ref 256 is past a one-frame table (256 entries) = GNTST_bad_gntref");
    check_eq(gnt_unmap((uint64_t)win_a, 0, h_rw), GNTST_okay, "unmap read-write");
    check_eq(gnt_unmap((uint64_t)win_b, 0, h_ro), GNTST_okay, "unmap read-only");
    check(*status(REF_RW) == 0 && *status(REF_RO) == 0, "status entries clear", "%#x %#x",
          *status(REF_RW), *status(REF_RO));
    check_eq(make_rw(win_a), 0, "window a back");
    check_eq(make_rw(win_b), 0, "window b back");
}

static void v2_copy(void)
{
    struct gnttab_copy c = { .len = 64, .flags = GNTCOPY_source_gref };

    c.source.domid = self;
    c.source.u.ref = REF_RW;
    c.source.offset = 32;
    c.dest.domid = DOMID_SELF;
    c.dest.u.gmfn = virt_to_mfn(local);
    memset(local, 0, sizeof(local));
    check(hc_grant_table_op(GNTTABOP_copy, &c, 1) == 0 && c.status == GNTST_okay &&
          local[0] == 0x4444 && local[1] == (0xa2a2000000000000UL | 5),
          "v2: grant copy from a v2 ref", "status %d %#lx", c.status, local[0]);
}

static void switch_down(void)
{
    unsigned int now = 0;
    uint64_t frames[1];

    check_eq(gnt_set_version(1, &now), -EBUSY, "set_version(1) while we map a status frame = -EBUSY");
    check_eq(now, 2, "... still version 2");
    check_eq(make_rw(st_va), 0, "unmap the status frame (our own page back)");
    /* A reserved v2 entry v1 cannot hold (frame past 32 bits) blocks the way back. */
    grant_v2(REF_RES, 1UL << 40, GTF_permit_access);
    check_eq(gnt_set_version(1, &now), -ERANGE, "set_version(1) with a 40-bit frame in ref 1 = -ERANGE");
    grant_v2(REF_RES, virt_to_mfn(page_b), GTF_permit_access | GTF_readonly);
    check_eq(gnt_set_version(1, &now), 0, "set_version(1) = 0");
    check_eq(now, 1, "... now version 1");
    check(v1(REF_RES)->flags == (GTF_permit_access | GTF_readonly) && v1(REF_RES)->domid == self &&
          v1(REF_RES)->frame == virt_to_mfn(page_b), "reserved ref 1 carried back as a v1 entry",
          "flags %#x frame %#x", v1(REF_RES)->flags, v1(REF_RES)->frame);
    check_eq(gnt_status_frames(DOMID_SELF, 1, frames), GNTST_general_error,
             "v1 again: no status frames");
    v1(REF_RES)->flags = 0;
}

/* Grant and status frames are for translated guests to place with add_to_physmap: a PV guest gets -EACCES. */
static void add_to_physmap(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0 | XENMAPIDX_grant_table_status, .gpfn = 0x1000 };

    check_eq(hc_memory_op(XENMEM_add_to_physmap, &xatp), -EACCES,
             "add_to_physmap(grant_table, status frame 0) from PV = -EACCES");
    xatp.idx = 0;
    check_eq(hc_memory_op(XENMEM_add_to_physmap, &xatp), -EACCES,
             "add_to_physmap(grant_table, frame 0) from PV = -EACCES");
    xatp.domid = NODOM;
    check_eq(hc_memory_op(XENMEM_add_to_physmap, &xatp), -ESRCH, "add_to_physmap for no such domain = -ESRCH");
}

static void foreign(domid_t peer)
{
    uint64_t frames[1];
    unsigned int v = 0;

    check_eq(gnt_status_frames(peer, 0, frames), GNTST_permission_denied,
             "get_status_frames of another domain = GNTST_permission_denied");
    check_eq(gnt_get_version(peer, &v), -EPERM, "get_version of another domain = -EPERM");
}

void test_main(void)
{
    grant_handle_t h_res = 0;
    long peer = cmdline_int("peer", -1);

    self = (domid_t)own_domid();
    if (!check(gnt_setup_frame0(gt_va) != 0, "setup_table + map grant frame 0", "failed"))
        test_done();
    initial_version();
    if (peer >= 0)
        foreign((domid_t)peer);
    switch_up(&h_res);
    if (status_frames()) {
        v2_maps(h_res);
        v2_copy();
        add_to_physmap();
        switch_down();
    }
    test_done();
}
