/*
 * The grant-table ABI beyond v1 maps: versions and status frames
 * (common/grant_version.c), device maps and unmap_and_replace
 * (common/grant_table.c with the real arch/x86/pv/grant_map.c), and
 * cache_flush (common/grant_cache.c, arch/x86/pv/grant_cache.c).
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/sched.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define G 1                                          /* granter */
#define M 2                                          /* mapper */
#define X 3
#define NODOM 50
#define VA(n) (HARNESS_VA_BASE + (u64)(n) * PAGE_SIZE)
#define RW_BOTH (GTF_reading | GTF_writing)


/* Whether d's maptrack record h holds a mapping (records come a page at a time). */
static bool mt_in_use(struct domain *d, grant_handle_t h)
{
    struct grant_table *gt = d->grant_table;

    return h < gt->maptrack_nr && gt->maptrack[h / GNTTAB_MAPTRACK_PER_PAGE][h % GNTTAB_MAPTRACK_PER_PAGE].in_use;
}
static struct domain *g, *m;

static struct frame_info *fi(mfn_t f) { return &hv_frames.info[f]; }

static mfn_t frame_of(struct domain *d)
{
    mfn_t f = frame_alloc(&hv_frames, 1, 1, d->id);

    CU_ASSERT_FATAL(f != INVALID_MFN);
    memset(hv_mfn_to_virt(f), 0, PAGE_SIZE);
    return f;
}

static long op_as(struct domain *d, unsigned int cmd, void *uop, unsigned long count)
{
    harness_set_current(d);
    return do_grant_table_op(cmd, HANDLE(uop), count);
}

static void pair(void)
{
    g = harness_domain(G, 1, false);
    m = harness_domain(M, 1, false);
    harness_give_l1(m, 0);
}

static long set_version(struct domain *d, unsigned int v, unsigned int *now)
{
    struct gnttab_set_version sv = { .version = v };
    long rc = op_as(d, GNTTABOP_set_version, &sv, 1);

    if (now)
        *now = sv.version;
    return rc;
}

static grant_entry_v1_t *e1(struct domain *d, grant_ref_t ref) { return &d->grant_table->shared[0][ref]; }
static grant_entry_v2_t *e2(struct domain *d, grant_ref_t ref)
{
    return (grant_entry_v2_t *)d->grant_table->shared[ref / 256] + ref % 256;
}
static grant_status_t st(struct domain *d, grant_ref_t ref) { return d->grant_table->status[0][ref]; }

static void grant1(struct domain *d, grant_ref_t ref, domid_t to, mfn_t f, u16 flags)
{
    *e1(d, ref) = (grant_entry_v1_t){ flags, to, (u32)f };
}

static void grant2(struct domain *d, grant_ref_t ref, domid_t to, u64 f, u16 flags)
{
    memset(e2(d, ref), 0, sizeof(grant_entry_v2_t));
    e2(d, ref)->hdr.flags = flags;
    e2(d, ref)->hdr.domid = to;
    e2(d, ref)->full_page.frame = f;
}

static s16 map_as(struct domain *d, domid_t dom, grant_ref_t ref, u32 flags, u64 addr,
                  grant_handle_t *h, u64 *bus)
{
    struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom,
                                       .status = 99, .handle = ~0u };

    EXPECT_EQ(op_as(d, GNTTABOP_map_grant_ref, &op, 1), 0);
    if (h)
        *h = op.handle;
    if (bus)
        *bus = op.dev_bus_addr;
    return op.status;
}

static s16 unmap_as(struct domain *d, grant_handle_t h, u64 addr, u64 bus)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .dev_bus_addr = bus, .handle = h, .status = 99 };

    EXPECT_EQ(op_as(d, GNTTABOP_unmap_grant_ref, &op, 1), 0);
    return op.status;
}

static s16 replace_as(struct domain *d, grant_handle_t h, u64 addr, u64 new_addr)
{
    struct gnttab_unmap_and_replace op = { .host_addr = addr, .new_addr = new_addr, .handle = h, .status = 99 };

    EXPECT_EQ(op_as(d, GNTTABOP_unmap_and_replace, &op, 1), 0);
    return op.status;
}

static long status_frames(struct domain *d, domid_t dom, u32 nr, u64 *list, s16 *status)
{
    struct gnttab_get_status_frames op = { .nr_frames = nr, .dom = dom, .status = 99 };
    long rc;

    set_xen_guest_handle(op.frame_list, list);
    rc = op_as(d, GNTTABOP_get_status_frames, &op, 1);
    *status = op.status;
    return rc;
}

/* --------------------------------------------------------------- versions */

static void test_set_version(void)
{
    unsigned int now = 0;
    mfn_t before;

    pair();
    EXPECT_EQ(g->grant_table->version, 1);
    EXPECT_EQ(g->grant_table->nr_status_frames, 0);
    for (unsigned int bad = 0; bad < 6; bad++) {
        if (bad == 1 || bad == 2)
            continue;
        EXPECT_EQ(set_version(g, bad, &now), -EINVAL);
        EXPECT_EQ(now, 1);
    }
    EXPECT_EQ(set_version(g, ~0u, &now), -EINVAL);
    before = hv_frames.nr_free;
    EXPECT_EQ(set_version(g, 2, &now), 0);
    EXPECT_EQ(now, 2);
    EXPECT_EQ(g->grant_table->nr_status_frames, 1);  /* 256 entries fit one status frame */
    EXPECT_EQ(hv_frames.nr_free, before - 1);
    mfn_t sf = hv_virt_to_mfn(g->grant_table->status[0]);
    EXPECT_EQ(fi(sf)->owner, G);
    EXPECT_EQ(fi(sf)->flags, FRAME_F_XENHEAP);
    EXPECT_EQ(set_version(g, 2, &now), 0);           /* the same version: nothing to do */
    EXPECT_EQ(g->grant_table->nr_status_frames, 1);
    EXPECT_EQ(set_version(g, 1, &now), 0);
    EXPECT_EQ(now, 1);
    EXPECT_EQ(g->grant_table->nr_status_frames, 0);
    EXPECT_EQ(hv_frames.nr_free, before);            /* the status frame went */
    /* Memory for one of the two status frames 9 shared frames need: -ENOMEM, still v1, none kept. */
    static mfn_t hog[HARNESS_ARENA_PAGES];
    struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = 9 };
    xen_pfn_t frames[9];
    unsigned int hog_n = 0;
    s16 s;
    u64 list[1];

    set_xen_guest_handle(op.frame_list, frames);
    EXPECT_EQ(op_as(g, GNTTABOP_setup_table, &op, 1), 0);
    EXPECT_EQ(op.status, GNTST_okay);
    before = hv_frames.nr_free;
    while ((hog[hog_n] = frame_alloc(&hv_frames, 1, 1, FRAME_OWNER_HV)) != INVALID_MFN)
        hog_n++;
    CU_ASSERT_FATAL(hog_n > 0);
    CU_ASSERT_EQUAL(frame_free(&hv_frames, hog[--hog_n], 1), 0);   /* one frame left */
    EXPECT_EQ(set_version(g, 2, &now), -ENOMEM);
    EXPECT_EQ(now, 1);
    EXPECT_EQ(g->grant_table->nr_status_frames, 0);
    EXPECT_EQ(status_frames(g, DOMID_SELF, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_general_error);
    while (hog_n)
        CU_ASSERT_EQUAL(frame_free(&hv_frames, hog[--hog_n], 1), 0);
    EXPECT_EQ(hv_frames.nr_free, before);
    /* set_version and get_version read one struct whatever the count. */
    struct gnttab_set_version sv = { .version = 2 };
    EXPECT_EQ(op_as(g, GNTTABOP_set_version, &sv, 0), 0);
    EXPECT_EQ(g->grant_table->version, 2);
    harness_fault_range(&sv, sizeof(sv), FAULT_READ);
    EXPECT_EQ(op_as(g, GNTTABOP_set_version, &sv, 1), -EFAULT);
    harness_fault_clear();
}

/* Growing a v2 table grows the status frames: 8 shared frames a status frame. */
static void test_v2_grow_and_teardown(void)
{
    struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = 9 };
    xen_pfn_t frames[9];
    mfn_t sf0;

    pair();
    EXPECT_EQ(set_version(g, 2, NULL), 0);
    set_xen_guest_handle(op.frame_list, frames);
    EXPECT_EQ(op_as(g, GNTTABOP_setup_table, &op, 1), 0);
    EXPECT_EQ(op.status, GNTST_okay);
    EXPECT_EQ(g->grant_table->nr_status_frames, 2);
    EXPECT_EQ(grant_nr_entries(g->grant_table), 9 * 256);
    /* g maps status frame 0 (a reference, as its own PTE would hold); it dies. */
    sf0 = hv_virt_to_mfn(g->grant_table->status[0]);
    EXPECT_EQ(page_get(sf0, g), 0);
    EXPECT_EQ(set_version(g, 1, NULL), -EBUSY);       /* mapped: Xen refuses too */
    EXPECT_EQ(g->grant_table->version, 2);
    EXPECT_EQ(g->grant_table->nr_status_frames, 2);
    harness_set_current(NULL);
    domain_shutdown(g, SHUTDOWN_poweroff);
    CU_ASSERT(fi(sf0)->flags & FRAME_F_ORPHAN);        /* not freed under the mapping */
    EXPECT_EQ(fi(sf0)->count, 1);
    page_put(sf0);                                    /* the last mapping goes: freed */
    EXPECT_EQ(fi(sf0)->owner, FRAME_OWNER_FREE);
}

static void test_switch_busy_and_reserved(void)
{
    grant_handle_t h, hres, hdev;
    mfn_t f = frame_of(g = harness_domain(G, 1, false)), f2 = frame_of(g);
    unsigned int now;
    u64 bus;

    m = harness_domain(M, 1, false);
    harness_give_l1(m, 0);
    grant1(g, 9, M, f, GTF_permit_access);
    grant1(g, 3, M, f2, GTF_permit_access | GTF_readonly);
    EXPECT_EQ(map_as(m, G, 9, GNTMAP_host_map, VA(1), &h, NULL), GNTST_okay);
    EXPECT_EQ(set_version(g, 2, &now), -EBUSY);
    EXPECT_EQ(now, 1);
    EXPECT_EQ(g->grant_table->nr_status_frames, 0);   /* nothing was populated */
    EXPECT_EQ(unmap_as(m, h, VA(1), 0), GNTST_okay);
    /* A device mapping is a pin too. */
    EXPECT_EQ(map_as(m, G, 9, GNTMAP_device_map, 0, &hdev, &bus), GNTST_okay);
    EXPECT_EQ(set_version(g, 2, &now), -EBUSY);
    EXPECT_EQ(unmap_as(m, hdev, 0, bus), GNTST_okay);
    /* A reserved ref in use does not block, and keeps its flags in the status frame. */
    EXPECT_EQ(map_as(m, G, 3, GNTMAP_host_map | GNTMAP_readonly, VA(2), &hres, NULL), GNTST_okay);
    EXPECT_EQ(e1(g, 3)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    EXPECT_EQ(set_version(g, 2, &now), 0);
    EXPECT_EQ(e2(g, 3)->hdr.flags, GTF_permit_access | GTF_readonly);
    EXPECT_EQ(e2(g, 3)->hdr.domid, M);
    EXPECT_EQ(e2(g, 3)->full_page.frame, f2);
    EXPECT_EQ(st(g, 3), GTF_reading);
    EXPECT_EQ(e2(g, 4)->hdr.flags | e2(g, 5)->hdr.flags, 0);  /* ref 9 (v1) is gone */
    /* Back to v1 with the reserved ref still mapped: carried back, flags included. */
    EXPECT_EQ(set_version(g, 1, &now), 0);
    EXPECT_EQ(e1(g, 3)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    EXPECT_EQ(e1(g, 3)->frame, f2);
    EXPECT_EQ(e1(g, 9)->flags, 0);
    EXPECT_EQ(unmap_as(m, hres, VA(2), 0), GNTST_okay);
    EXPECT_EQ(e1(g, 3)->flags, GTF_permit_access | GTF_readonly);
    /* v2 -> v1 with what v1 cannot hold in a reserved entry: -ERANGE, nothing changed. */
    EXPECT_EQ(set_version(g, 2, NULL), 0);
    grant2(g, 2, M, 1ULL << 32, GTF_permit_access);
    EXPECT_EQ(set_version(g, 1, &now), -ERANGE);
    EXPECT_EQ(now, 2);
    EXPECT_EQ(e2(g, 2)->full_page.frame, 1ULL << 32);
    grant2(g, 2, M, 5, GTF_transitive);
    EXPECT_EQ(set_version(g, 1, NULL), -ERANGE);
    grant2(g, 2, M, 1ULL << 32, GTF_accept_transfer);  /* not permit_access: dropped, no error */
    EXPECT_EQ(set_version(g, 1, NULL), 0);
    EXPECT_EQ(e1(g, 2)->flags, 0);
}

static void test_get_version(void)
{
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct domain *d0;

    pair();
    d0 = harness_domain(0, 1, true);
    EXPECT_EQ(set_version(g, 2, NULL), 0);
    EXPECT_EQ(op_as(g, GNTTABOP_get_version, &gv, 1), 0);
    EXPECT_EQ(gv.version, 2);
    gv = (struct gnttab_get_version){ .dom = M };
    EXPECT_EQ(op_as(m, GNTTABOP_get_version, &gv, 0), 0);   /* count ignored, as Xen */
    EXPECT_EQ(gv.version, 1);
    gv = (struct gnttab_get_version){ .dom = G, .version = 77 };
    EXPECT_EQ(op_as(m, GNTTABOP_get_version, &gv, 1), -EPERM);
    EXPECT_EQ(gv.version, 77);
    gv = (struct gnttab_get_version){ .dom = NODOM };
    EXPECT_EQ(op_as(m, GNTTABOP_get_version, &gv, 1), -ESRCH);
    gv = (struct gnttab_get_version){ .dom = G };
    EXPECT_EQ(op_as(d0, GNTTABOP_get_version, &gv, 1), 0);
    EXPECT_EQ(gv.version, 2);
}

static void test_get_status_frames(void)
{
    u64 list[3] = { 0, 0, 0 };
    struct domain *d0;
    s16 s;

    pair();
    d0 = harness_domain(0, 1, true);
    EXPECT_EQ(status_frames(g, DOMID_SELF, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_general_error);                /* v1: none */
    EXPECT_EQ(status_frames(g, DOMID_SELF, 0, list, &s), 0);
    EXPECT_EQ(s, GNTST_okay);
    EXPECT_EQ(set_version(g, 2, NULL), 0);
    EXPECT_EQ(status_frames(g, DOMID_SELF, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_okay);
    EXPECT_EQ(list[0], hv_virt_to_mfn(g->grant_table->status[0]));
    EXPECT_EQ(list[1], 0);
    EXPECT_EQ(status_frames(g, DOMID_SELF, 2, list, &s), 0);
    EXPECT_EQ(s, GNTST_general_error);
    EXPECT_EQ(status_frames(g, DOMID_SELF, ~0u, list, &s), 0);
    EXPECT_EQ(s, GNTST_general_error);
    EXPECT_EQ(status_frames(m, G, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_permission_denied);
    EXPECT_EQ(status_frames(m, NODOM, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_bad_domain);
    list[0] = 0;
    EXPECT_EQ(status_frames(d0, G, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_okay);
    EXPECT_EQ(list[0], hv_virt_to_mfn(g->grant_table->status[0]));
    /* The count must be 1; a list the hypervisor cannot write; one in its area. */
    struct gnttab_get_status_frames op = { .nr_frames = 1, .dom = DOMID_SELF };
    set_xen_guest_handle(op.frame_list, list);
    EXPECT_EQ(op_as(g, GNTTABOP_get_status_frames, &op, 2), -EINVAL);
    EXPECT_EQ(op_as(g, GNTTABOP_get_status_frames, &op, 0), -EINVAL);
    harness_fault_range(list, sizeof(list), FAULT_WRITE);
    EXPECT_EQ(status_frames(g, DOMID_SELF, 1, list, &s), 0);
    EXPECT_EQ(s, GNTST_bad_virt_addr);
    harness_fault_clear();
    EXPECT_EQ(status_frames(g, DOMID_SELF, 1, (u64 *)0xffff800000001000UL, &s), -EFAULT);
}

/* v2 entries: the frame is 64 bits, in-use flags go to the status frame. */
static void test_v2_maps(void)
{
    grant_handle_t h;
    mfn_t f;

    pair();
    f = frame_of(g);
    EXPECT_EQ(set_version(g, 2, NULL), 0);
    grant2(g, 20, M, f, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 20, GNTMAP_host_map, VA(1), &h, NULL), GNTST_okay);
    EXPECT_EQ(st(g, 20), RW_BOTH);
    EXPECT_EQ(e2(g, 20)->hdr.flags, GTF_permit_access);
    EXPECT_EQ(fi(f)->count, 1);
    EXPECT_EQ(fi(f)->type, PGT_writable);
    EXPECT_EQ(unmap_as(m, h, VA(1), 0), GNTST_okay);
    EXPECT_EQ(st(g, 20), 0);
    EXPECT_EQ(fi(f)->count, 0);
    grant2(g, 21, M, f, GTF_permit_access | GTF_sub_page);
    EXPECT_EQ(map_as(m, G, 21, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h, NULL), GNTST_general_error);
    grant2(g, 22, M, f, GTF_transitive);
    EXPECT_EQ(map_as(m, G, 22, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h, NULL), GNTST_general_error);
    grant2(g, 23, M, f | (1ULL << 40), GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 23, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h, NULL), GNTST_bad_page);
    EXPECT_EQ(map_as(m, G, 256, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h, NULL), GNTST_bad_gntref);
    EXPECT_EQ(st(g, 21) | st(g, 22) | st(g, 23), 0);
    EXPECT_EQ(fi(f)->count, 0);
}

/* ------------------------------------------------------------ device maps */

static void test_device_maps(void)
{
    grant_handle_t hd, hh, hx;
    mfn_t f, table;
    u64 bus = 0;

    pair();
    f = frame_of(g);
    grant1(g, 8, M, f, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map, 0, &hd, &bus), GNTST_okay);
    EXPECT_EQ(bus, (u64)f << PAGE_SHIFT);
    EXPECT_EQ(fi(f)->count, 1);                       /* the record's own reference ... */
    EXPECT_EQ(fi(f)->type, PGT_writable);             /* ... and writable type */
    EXPECT_EQ(fi(f)->type_count, 1);
    EXPECT_EQ(g->grant_table->active[8].dev_writers, 1);
    EXPECT_EQ(g->grant_table->active[8].writers, 0);
    EXPECT_EQ(e1(g, 8)->flags & RW_BOTH, RW_BOTH);
    EXPECT_EQ(page_pin(f, PGT_l1, g), -EINVAL);       /* never a table while a device may write */
    EXPECT_EQ(harness_tlb_flushes, 0);                /* no PTE was written */
    /* A host mapping on top, read-only: its own pin and reference. */
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(3), &hh, NULL), GNTST_okay);
    EXPECT_EQ(fi(f)->count, 2);
    EXPECT_EQ(g->grant_table->active[8].readers, 1);
    EXPECT_EQ(unmap_as(m, hd, 0, bus + 1), GNTST_bad_dev_addr);
    EXPECT_EQ(unmap_as(m, hd, VA(3), 0), GNTST_okay); /* no host half: nothing */
    EXPECT_EQ(fi(f)->count, 2);
    EXPECT_EQ(unmap_as(m, hd, 0, bus), GNTST_okay);
    EXPECT_EQ(fi(f)->count, 1);
    EXPECT_EQ(fi(f)->type_count, 0);
    EXPECT_EQ(e1(g, 8)->flags & RW_BOTH, GTF_reading);
    EXPECT_EQ(unmap_as(m, hd, 0, bus), GNTST_bad_handle);
    EXPECT_EQ(unmap_as(m, hh, VA(3), 0), GNTST_okay);
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(e1(g, 8)->flags, GTF_permit_access);
    /* Both halves in one record: each goes on its own. */
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map | GNTMAP_host_map, VA(4), &hx, &bus), GNTST_okay);
    EXPECT_EQ(fi(f)->count, 2);
    EXPECT_EQ(fi(f)->type_count, 2);
    EXPECT_EQ(unmap_as(m, hx, VA(4), 0), GNTST_okay);
    EXPECT_EQ(harness_pte(m, VA(4)) ? *harness_pte(m, VA(4)) : 1, 0);
    EXPECT_EQ(e1(g, 8)->flags & RW_BOTH, RW_BOTH);
    CU_ASSERT(mt_in_use(m, hx));
    EXPECT_EQ(unmap_as(m, hx, 0, bus), GNTST_okay);
    CU_ASSERT(!mt_in_use(m, hx));
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(fi(f)->type_count, 0);
    /* Refused: a page table read-write, shared_info read-write, neither flag. */
    table = frame_of(g);
    CU_ASSERT_FATAL(page_pin(table, PGT_l1, g) == 0);
    grant1(g, 9, M, table, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 9, GNTMAP_device_map, 0, &hx, &bus), GNTST_general_error);
    EXPECT_EQ(map_as(m, G, 9, GNTMAP_device_map | GNTMAP_readonly, 0, &hx, &bus), GNTST_okay);
    EXPECT_EQ(unmap_as(m, hx, 0, bus), GNTST_okay);
    EXPECT_EQ(page_unpin(table, g), 0);
    grant1(g, 10, M, g->shared_info_mfn, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 10, GNTMAP_device_map, 0, &hx, &bus), GNTST_general_error);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_readonly, 0, &hx, &bus), GNTST_bad_gntref);
    EXPECT_EQ(e1(g, 9)->flags | e1(g, 10)->flags, GTF_permit_access);
    /* A host map that fails gives back the device references it took. */
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map | GNTMAP_host_map, VA(3000), &hx, &bus),
              GNTST_general_error);
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(fi(f)->type_count, 0);
    EXPECT_EQ(e1(g, 8)->flags, GTF_permit_access);
}

/* The mapper dies holding device maps: their references go with it. */
static void test_device_maps_destroy(void)
{
    u64 bus;
    mfn_t f;

    pair();
    f = frame_of(g);
    grant1(g, 8, M, f, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map, 0, NULL, &bus), GNTST_okay);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly, VA(1), NULL, &bus),
              GNTST_okay);
    EXPECT_EQ(fi(f)->count, 3);
    harness_set_current(NULL);
    domain_shutdown(m, SHUTDOWN_crash);
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(fi(f)->type_count, 0);
    EXPECT_EQ(e1(g, 8)->flags, GTF_permit_access);
    struct grant_active *a = &g->grant_table->active[8];
    EXPECT_EQ(a->readers + a->writers + a->dev_readers + a->dev_writers, 0);
}

/* While a ref is pinned its mapper and frame are fixed (Xen's act->domid/mfn). */
static void test_pinned_entry_fixed(void)
{
    grant_handle_t h1, h2, hx;
    struct domain *x;
    mfn_t f, f2;

    pair();
    x = harness_domain(X, 1, false);
    harness_give_l1(x, 0);
    f = frame_of(g);
    f2 = frame_of(g);
    grant1(g, 8, M, f, GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h1, NULL), GNTST_okay);
    e1(g, 8)->frame = (u32)f2;                        /* the granter changes it under the pin */
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(2), &h2, NULL), GNTST_okay);
    EXPECT_EQ(*harness_pte(m, VA(2)) >> PAGE_SHIFT & 0xffffffffffUL, f);
    EXPECT_EQ(fi(f2)->count, 0);
    e1(g, 8)->domid = X;                              /* ... or gives it to another domain */
    EXPECT_EQ(map_as(x, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(1), &hx, NULL), GNTST_general_error);
    EXPECT_EQ(unmap_as(m, h1, VA(1), 0), GNTST_okay);
    EXPECT_EQ(unmap_as(m, h2, VA(2), 0), GNTST_okay);
    EXPECT_EQ(map_as(x, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(1), &hx, NULL), GNTST_okay);
    EXPECT_EQ(fi(f2)->count, 1);                      /* unpinned: the entry as it is now */
    EXPECT_EQ(unmap_as(x, hx, VA(1), 0), GNTST_okay);
}

/* ------------------------------------------------------- unmap_and_replace */

static void test_unmap_and_replace(void)
{
    grant_handle_t h, hp;
    mfn_t f, spare;
    u64 *pa, *pn;

    pair();
    f = frame_of(g);
    spare = frame_of(m);
    grant1(g, 8, M, f, GTF_permit_access);
    /* new_addr's entry: a page of the mapper, mapped as any other L1 entry. */
    EXPECT_EQ(pt_mod_entry(hv_virt_to_mfn(harness_pte(m, VA(9))), 9,
                           ((u64)spare << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW, 1, m, false), 0);
    pa = harness_pte(m, VA(1));
    pn = harness_pte(m, VA(9));
    EXPECT_EQ(fi(spare)->count, 1);
    EXPECT_EQ(fi(spare)->type_count, 1);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map, VA(1), &h, NULL), GNTST_okay);
    /* Refused, with everything left as it was. */
    EXPECT_EQ(replace_as(m, 77, VA(1), VA(9)), GNTST_bad_handle);
    EXPECT_EQ(replace_as(m, GNTTAB_MAPTRACK_MAX, VA(1), 0), GNTST_bad_handle);
    EXPECT_EQ(replace_as(m, h, VA(2), VA(9)), GNTST_general_error);      /* not its address */
    EXPECT_EQ(replace_as(m, h, VA(1), VA(3000)), GNTST_general_error);   /* no L1 there */
    EXPECT_EQ(replace_as(m, h, VA(1), VA(1)), GNTST_general_error);      /* itself */
    EXPECT_EQ(replace_as(m, h, VA(1), 0x800000000000UL), GNTST_general_error);
    EXPECT_EQ(replace_as(m, h, 0, VA(9)), GNTST_okay);                   /* nothing asked */
    EXPECT_EQ(*pa >> PAGE_SHIFT & 0xffffffffffUL, f);
    EXPECT_EQ(*pn >> PAGE_SHIFT & 0xffffffffffUL, spare);
    EXPECT_EQ(e1(g, 8)->flags & RW_BOTH, RW_BOTH);
    EXPECT_EQ(fi(f)->count, 1);
    /* The replace: VA(9)'s entry moves to VA(1) with its references; the grant's go. */
    harness_tlb_flushes = 0;
    EXPECT_EQ(replace_as(m, h, VA(1), VA(9)), GNTST_okay);
    EXPECT_EQ(*pa, ((u64)spare << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);  /* as stored */
    EXPECT_EQ(*pn, 0);
    CU_ASSERT(harness_tlb_flushes > 0);
    EXPECT_EQ(fi(spare)->count, 1);
    EXPECT_EQ(fi(spare)->type_count, 1);
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(fi(f)->type_count, 0);
    EXPECT_EQ(e1(g, 8)->flags, GTF_permit_access);
    CU_ASSERT(!mt_in_use(m, h));
    EXPECT_EQ(replace_as(m, h, VA(1), 0), GNTST_bad_handle);
    /* new_addr 0 just unmaps; a contains_pte mapping cannot take a new_addr. */
    u64 maddr = harness_pte_maddr(m, VA(5));
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly |
                     (1u << _GNTMAP_guest_avail0), maddr, &hp, NULL), GNTST_okay);
    EXPECT_EQ(*harness_pte(m, VA(5)) & 0xe00, 0x200);  /* guest_avail0 = PTE bit 9 (Linux's special) */
    EXPECT_EQ(replace_as(m, hp, maddr, VA(1)), GNTST_general_error);
    EXPECT_EQ(*pa >> PAGE_SHIFT & 0xffffffffffUL, spare);
    EXPECT_EQ(replace_as(m, hp, maddr, 0), GNTST_okay);
    EXPECT_EQ(*harness_pte(m, VA(5)), 0);
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(e1(g, 8)->flags, GTF_permit_access);
    /* A batch: each op its status; a fault stops the call. */
    struct gnttab_unmap_and_replace ops[2] = { { .handle = 99 }, { .handle = 98 } };
    EXPECT_EQ(op_as(m, GNTTABOP_unmap_and_replace, ops, 2), 0);
    EXPECT_EQ(ops[0].status, GNTST_bad_handle);
    EXPECT_EQ(ops[1].status, GNTST_bad_handle);
}

/* ------------------------------------------------------------ cache_flush */

static long flush_as(struct domain *d, u64 bus, u16 off, u16 len, u32 op)
{
    struct gnttab_cache_flush c = { .a.dev_bus_addr = bus, .offset = off, .length = len, .op = op };

    return op_as(d, GNTTABOP_cache_flush, &c, 1);
}

static void test_cache_flush(void)
{
    grant_handle_t h;
    mfn_t f, mine;
    void *hvp;
    u64 bus;

    pair();
    f = frame_of(g);
    mine = frame_of(m);
    bus = (u64)mine << PAGE_SHIFT;
    EXPECT_EQ(flush_as(m, bus, 16, 100, GNTTAB_CACHE_CLEAN), 0);
    CU_ASSERT_PTR_EQUAL(harness_cache_flush_p, (u8 *)hv_mfn_to_virt(mine) + 16);
    EXPECT_EQ(harness_cache_flush_len, 100);
    EXPECT_EQ(flush_as(m, bus, 0, PAGE_SIZE, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL), 0);
    EXPECT_EQ(harness_cache_flush_len, PAGE_SIZE);
    harness_cache_flush_p = NULL;
    EXPECT_EQ(flush_as(m, bus, 0, 64, GNTTAB_CACHE_INVAL), -EOPNOTSUPP);
    EXPECT_EQ(flush_as(m, bus, 0, 0, GNTTAB_CACHE_CLEAN), 0);
    EXPECT_EQ(flush_as(m, ~0UL, 0, 64, 0), 0);
    CU_ASSERT_PTR_NULL(harness_cache_flush_p);        /* nothing flushed for those */
    EXPECT_EQ(flush_as(m, bus, PAGE_SIZE, 0, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(m, bus, 0, PAGE_SIZE + 1, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(m, bus, 1, PAGE_SIZE, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(m, bus, 0xffff, 0xffff, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(m, bus, 0, 8, GNTTAB_CACHE_CLEAN | 4), -EINVAL);
    EXPECT_EQ(flush_as(m, bus, 0, 8, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_SOURCE_GREF), -EINVAL);
    EXPECT_EQ(flush_as(m, (u64)HARNESS_ARENA_PAGES << PAGE_SHIFT, 0, 8, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(m, ~0UL, 0, 8, GNTTAB_CACHE_CLEAN), -EINVAL);
    /* Frames nobody with a grant table owns: the hypervisor's, free ones. */
    hvp = hv_alloc_pages(1);
    EXPECT_EQ(flush_as(m, (u64)hv_virt_to_mfn(hvp) << PAGE_SHIFT, 0, 8, GNTTAB_CACHE_CLEAN), -EPERM);
    hv_free_pages(hvp, 1);
    EXPECT_EQ(flush_as(m, (u64)hv_virt_to_mfn(hvp) << PAGE_SHIFT, 0, 8, GNTTAB_CACHE_CLEAN), -EPERM);
    /* Another domain's frame: only while we map it from its grant table. */
    CU_ASSERT_PTR_NULL(harness_cache_flush_p);
    EXPECT_EQ(flush_as(m, (u64)f << PAGE_SHIFT, 0, 8, GNTTAB_CACHE_CLEAN), -EINVAL);
    grant1(g, 8, M, f, GTF_permit_access);
    EXPECT_EQ(flush_as(m, (u64)f << PAGE_SHIFT, 0, 8, GNTTAB_CACHE_CLEAN), -EINVAL);  /* granted, not mapped */
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_device_map | GNTMAP_readonly, 0, &h, &bus), GNTST_okay);
    EXPECT_EQ(flush_as(m, bus, 0, 8, GNTTAB_CACHE_CLEAN), 0);
    CU_ASSERT_PTR_EQUAL(harness_cache_flush_p, hv_mfn_to_virt(f));
    EXPECT_EQ(unmap_as(m, h, 0, bus), GNTST_okay);
    EXPECT_EQ(flush_as(m, bus, 0, 8, GNTTAB_CACHE_CLEAN), -EINVAL);
    EXPECT_EQ(flush_as(g, bus, 0, 8, GNTTAB_CACHE_CLEAN), 0);  /* the owner may */
    /* Batches stop at the first error; nothing is written back; cmd bits above 12 are allowed. */
    struct gnttab_cache_flush ops[3] = {
        { .a.dev_bus_addr = bus, .length = 8, .op = GNTTAB_CACHE_CLEAN },
        { .a.dev_bus_addr = bus, .length = 8, .op = 8 },
        { .a.dev_bus_addr = bus, .length = 8, .op = GNTTAB_CACHE_CLEAN },
    };
    harness_fault_range(ops, sizeof(ops), FAULT_WRITE);
    EXPECT_EQ(op_as(g, GNTTABOP_cache_flush, ops, 3), -EINVAL);
    ops[1].op = GNTTAB_CACHE_CLEAN;
    EXPECT_EQ(op_as(g, GNTTABOP_cache_flush, ops, 3), 0);
    EXPECT_EQ(op_as(g, GNTTABOP_cache_flush | (5u << 12), ops, 3), 0);
    harness_fault_clear();
    harness_fault_range(&ops[2], sizeof(ops[2]), FAULT_READ);
    EXPECT_EQ(op_as(g, GNTTABOP_cache_flush, ops, 3), -EFAULT);
    harness_fault_clear();
}

void suite_grant_v2(void)
{
    static const struct unit_test tests[] = {
        { "set_version", test_set_version },
        { "v2_grow_and_teardown", test_v2_grow_and_teardown },
        { "switch_busy_and_reserved", test_switch_busy_and_reserved },
        { "get_version", test_get_version },
        { "get_status_frames", test_get_status_frames },
        { "v2_maps", test_v2_maps },
        { "device_maps", test_device_maps },
        { "device_maps_destroy", test_device_maps_destroy },
        { "pinned_entry_fixed", test_pinned_entry_fixed },
        { "unmap_and_replace", test_unmap_and_replace },
        { "cache_flush", test_cache_flush },
    };

    ADD_SUITE("grant_v2", tests);
}
