/* common/memory.c: memory_op reservations, reservation queries and the memory map. */
#include <sanitizer/asan_interface.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/timer.h>
#include <xen/memory.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define D 1
#define OTHER 2
#define NODOM 50
#define UNTOUCHED ((xen_pfn_t)0x5a5a5a5a5a5aUL)

static struct domain *d;

static struct frame_info *fi(mfn_t f) { return &hv_frames.info[f]; }

/* Scribbles over every free arena page, so "zeroed" means the allocator zeroed it. */
static void dirty_free_frames(void)
{
    for (mfn_t f = 0; f < HARNESS_ARENA_PAGES; f++) {
        unsigned char *p = harness_arena + f * PAGE_SIZE;

        if (fi(f)->owner != FRAME_OWNER_FREE)
            continue;
        ASAN_UNPOISON_MEMORY_REGION(p, PAGE_SIZE);
        memset(p, 0xee, PAGE_SIZE);
        ASAN_POISON_MEMORY_REGION(p, PAGE_SIZE);
    }
}

static bool frame_zero(mfn_t f)
{
    const u64 *p = hv_mfn_to_virt(f);

    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        if (p[i])
            return false;
    return true;
}

static long resv(struct domain *as, unsigned int cmd, domid_t dom, xen_pfn_t *list,
                 unsigned long n, unsigned int order)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = order, .domid = dom };

    set_xen_guest_handle(r.extent_start, list);
    harness_set_current(as);
    return do_memory_op(cmd, HANDLE(&r));
}

static void fill(xen_pfn_t *list, size_t n, xen_pfn_t v)
{
    for (size_t i = 0; i < n; i++)
        list[i] = v;
}

static void test_increase_reservation(void)
{
    xen_pfn_t list[12];
    mfn_t before;

    d = harness_domain(D, 1, false);
    d->max_pages = 8;
    dirty_free_frames();
    fill(list, 12, UNTOUCHED);
    before = hv_frames.nr_free;
    /* Up to max_pages, then it stops and says how many extents were done. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 10, 0), 8);
    EXPECT_EQ(d->tot_pages, 8);
    EXPECT_EQ(hv_frames.nr_free, before - 8);
    for (int i = 0; i < 8; i++) {
        EXPECT_EQ(fi(list[i])->owner, D);
        EXPECT_EQ(fi(list[i])->flags, 0);
        EXPECT_EQ(fi(list[i])->count, 0);
        CU_ASSERT(frame_zero(list[i]));
        EXPECT_EQ(harness_m2p[list[i]], ~0UL);       /* no gpfn yet */
        for (int j = 0; j < i; j++)
            CU_ASSERT(list[i] != list[j]);
    }
    EXPECT_EQ(list[8], UNTOUCHED);
    EXPECT_EQ(list[9], UNTOUCHED);
    /* Full: nothing more. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, D, list + 8, 1, 0), 0);
    EXPECT_EQ(list[8], UNTOUCHED);
    /* Zero extents is zero. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, D, list, 0, 0), 0);
    /* The new frames are the domain's: usable in its page tables. */
    EXPECT_EQ(page_pin(list[0], PGT_l1, d), 0);
    EXPECT_EQ(page_unpin(list[0], d), 0);
}

static void test_increase_orders(void)
{
    xen_pfn_t list[4];

    d = harness_domain(D, 1, false);
    d->max_pages = 10;
    fill(list, 4, UNTOUCHED);
    /* Order 2: aligned runs of 4 owned frames, two fit in 10. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 4, 2), 2);
    EXPECT_EQ(d->tot_pages, 8);
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(list[i] % 4, 0);
        for (int k = 0; k < 4; k++) {
            EXPECT_EQ(fi(list[i] + k)->owner, D);
            CU_ASSERT(frame_zero(list[i] + k));
        }
    }
    EXPECT_EQ(list[2], UNTOUCHED);
    /* Orders above 9 are refused before anything happens: 0 extents done (Xen never errors). */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 1, 10), 0);
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, DOMID_SELF, list, 1, 63), 0);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 1, ~0u), 0);
    EXPECT_EQ(d->tot_pages, 8);
    /* Order 9 is allowed (it just does not fit here). */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list + 2, 1, 9), 0);
    /* No list: frames are allocated, not reported. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, NULL, 5, 0), 2);
    EXPECT_EQ(d->tot_pages, 10);
}

static void test_decrease_reservation(void)
{
    xen_pfn_t list[8], give[3];
    mfn_t before;

    d = harness_domain(D, 1, false);
    d->max_pages = 8;
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 8, 0), 8);
    for (int i = 0; i < 8; i++)
        harness_m2p[list[i]] = 0x100 + i;
    before = hv_frames.nr_free;
    give[0] = list[1];
    give[1] = list[5];
    give[2] = list[2];
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, give, 3, 0), 3);
    EXPECT_EQ(d->tot_pages, 5);
    EXPECT_EQ(hv_frames.nr_free, before + 3);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(fi(give[i])->owner, FRAME_OWNER_FREE);
        EXPECT_EQ(harness_m2p[give[i]], ~0UL);
    }
    EXPECT_EQ(fi(list[0])->owner, D);
    EXPECT_EQ(harness_m2p[list[0]], 0x100);
    /* Twice: it is not ours any more. */
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, give, 1, 0), 0);
    EXPECT_EQ(d->tot_pages, 5);
    /* Room again: increase works up to max_pages. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, give, 3, 0), 3);
    EXPECT_EQ(d->tot_pages, 8);
}

/* Frames that are not the domain's to give back: the op stops there. */
static void test_decrease_refused(void)
{
    enum { OWN, FOREIGN, PINNED, XENHEAP, HV, FREE, OUT, HUGE } kinds[] = {
        FOREIGN, PINNED, XENHEAP, HV, FREE, OUT, HUGE,
    };
    static const char *const names[] = {
        "own", "another domain's", "pinned", "xenheap", "hypervisor", "free", "out of range",
        "~0",
    };
    struct domain *o;
    xen_pfn_t mine[4], list[2];
    void *hvp;

    d = harness_domain(D, 1, false);
    o = harness_domain(OTHER, 1, false);
    d->max_pages = 64;
    o->max_pages = 1;
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, mine, 4, 0), 4);
    EXPECT_EQ(resv(o, XENMEM_increase_reservation, DOMID_SELF, list + 1, 1, 0), 1);
    mfn_t theirs = list[1];
    hvp = hv_alloc_pages(1);
    CU_ASSERT_EQUAL_FATAL(page_pin(mine[3], PGT_l1, d), 0);

    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        xen_pfn_t own;
        mfn_t bad = 0, before;
        unsigned long tot;
        long rc;

        CU_ASSERT_EQUAL_FATAL(resv(d, XENMEM_increase_reservation, DOMID_SELF, &own, 1, 0), 1);
        switch (kinds[k]) {
        case FOREIGN: bad = theirs; break;
        case PINNED: bad = mine[3]; break;
        case XENHEAP: bad = d->shared_info_mfn; break;
        case HV: bad = hv_virt_to_mfn(hvp); break;
        case FREE: bad = frame_alloc(&hv_frames, 1, 1, D); frame_free(&hv_frames, bad, 1); break;
        case OUT: bad = HARNESS_ARENA_PAGES; break;
        case HUGE: bad = ~0UL; break;
        case OWN: break;
        }
        list[0] = own;
        list[1] = bad;
        tot = d->tot_pages;
        before = hv_frames.nr_free;
        rc = resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 2, 0);
        if (rc != 1) {
            char msg[120];

            snprintf(msg, sizeof(msg), "decrease of %s frame: %ld extents done, want 1", names[kinds[k]], rc);
            FAIL_MSG(msg);
        }
        EXPECT_EQ(d->tot_pages, tot - 1);
        EXPECT_EQ(hv_frames.nr_free, before + 1);
        EXPECT_EQ(fi(own)->owner, FRAME_OWNER_FREE);
    }
    EXPECT_EQ(fi(theirs)->owner, OTHER);
    EXPECT_EQ(o->tot_pages, 1);
    EXPECT_EQ(fi(mine[3])->owner, D);
    CU_ASSERT(fi(mine[3])->flags & FRAME_F_PINNED);
    EXPECT_EQ(fi(d->shared_info_mfn)->owner, D);
    EXPECT_EQ(fi(hv_virt_to_mfn(hvp))->owner, FRAME_OWNER_HV);
    /* An extent of order 1 must be wholly ours. */
    list[0] = mine[2];
    list[1] = mine[2] + 1;                            /* mine[3] if they are adjacent */
    bool whole = fi(list[1])->owner == D && !(fi(list[1])->flags & FRAME_F_PINNED);
    CU_ASSERT(!whole);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 1, 1), 0);
    EXPECT_EQ(fi(mine[2])->owner, D);                 /* nothing of it was freed */
    EXPECT_EQ(page_unpin(mine[3], d), 0);
    hv_free_pages(hvp, 1);
}

/* Given back while still mapped: out of the domain at once, freed with the last mapping. */
static void test_decrease_mapped(void)
{
    xen_pfn_t f[2];
    mfn_t before;
    u64 *l1;

    d = harness_domain(D, 1, false);
    d->max_pages = 2;
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, f, 2, 0), 2);
    l1 = hv_mfn_to_virt(f[0]);
    l1[0] = ((u64)f[1] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
    CU_ASSERT_EQUAL_FATAL(page_pin(f[0], PGT_l1, d), 0);
    before = hv_frames.nr_free;
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, f + 1, 1, 0), 1);
    EXPECT_EQ(hv_frames.nr_free, before);            /* still mapped */
    CU_ASSERT(fi(f[1])->flags & FRAME_F_ORPHAN);
    /* Still charged while mapped (as in Xen): no frame beyond max_pages. */
    EXPECT_EQ(d->tot_pages, 2);
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, f + 1, 1, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, f + 1, 1, 0), 0);  /* not again */
    EXPECT_EQ(page_unpin(f[0], d), 0);
    EXPECT_EQ(hv_frames.nr_free, before + 1);
    EXPECT_EQ(fi(f[1])->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(d->tot_pages, 1);                       /* uncharged when really freed */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, f + 1, 1, 0), 1);
}

/* XENMEM_exchange with the same input twice in a chunk: refused, nothing moves. */
static void test_exchange_duplicate_input(void)
{
    xen_pfn_t f[2], in[2], out[1] = { 0 };
    struct xen_memory_exchange x = {
        .in = { .nr_extents = 2, .extent_order = 0, .domid = DOMID_SELF },
        .out = { .nr_extents = 1, .extent_order = 1, .domid = DOMID_SELF },
    };
    mfn_t before;

    d = harness_domain(D, 1, false);
    d->max_pages = 2;
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, f, 2, 0), 2);
    in[0] = in[1] = f[0];
    set_xen_guest_handle(x.in.extent_start, in);
    set_xen_guest_handle(x.out.extent_start, out);
    harness_set_current(d);
    before = hv_frames.nr_free;
    EXPECT_EQ(do_memory_op(XENMEM_exchange, HANDLE(&x)), -EINVAL);
    EXPECT_EQ(x.nr_exchanged, 0);
    EXPECT_EQ(hv_frames.nr_free, before);
    EXPECT_EQ(fi(f[0])->owner, D);
    EXPECT_EQ(d->tot_pages, 2);
    in[1] = f[1];                                     /* two different frames: fine */
    EXPECT_EQ(do_memory_op(XENMEM_exchange, HANDLE(&x)), 0);
    EXPECT_EQ(x.nr_exchanged, 2);
    EXPECT_EQ(hv_frames.nr_free, before);
    EXPECT_EQ(d->tot_pages, 2);
}

/* XENMEM_exchange below out.address_bits: nothing that low is free, -ENOMEM and nothing moves. */
static void test_exchange_address_bits(void)
{
    xen_pfn_t f[2], out[1] = { 0 };
    struct xen_memory_exchange x = {
        .in = { .nr_extents = 2, .extent_order = 0, .domid = DOMID_SELF },
        .out = { .nr_extents = 1, .extent_order = 1, .domid = DOMID_SELF,
                 .mem_flags = XENMEMF_address_bits(PAGE_SHIFT + 1) },   /* frames 0 and 1 */
    };
    mfn_t before, low;

    d = harness_domain(D, 1, false);
    d->max_pages = 2;
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, f, 2, 0), 2);
    low = frame_alloc_below(&hv_frames, 2, 1, FRAME_OWNER_HV, 2);   /* frames 0-1 taken, if free */
    set_xen_guest_handle(x.in.extent_start, f);
    set_xen_guest_handle(x.out.extent_start, out);
    harness_set_current(d);
    before = hv_frames.nr_free;
    EXPECT_EQ(do_memory_op(XENMEM_exchange, HANDLE(&x)), -ENOMEM);
    EXPECT_EQ(x.nr_exchanged, 0);                     /* all or nothing: swiotlb-xen BUG()s else */
    EXPECT_EQ(hv_frames.nr_free, before);
    EXPECT_EQ(fi(f[0])->owner, D);
    EXPECT_EQ(fi(f[1])->owner, D);
    if (low != INVALID_MFN)
        EXPECT_EQ(frame_free(&hv_frames, low, 2), 0);
    x.out.mem_flags = XENMEMF_address_bits(PAGE_SHIFT + 40);
    EXPECT_EQ(do_memory_op(XENMEM_exchange, HANDLE(&x)), 0);
    EXPECT_EQ(x.nr_exchanged, 2);
    EXPECT_EQ(out[0] & 1, 0);                         /* order-1 extent: aligned */
    EXPECT_EQ(fi(out[0])->owner, D);
    EXPECT_EQ(fi(out[0] + 1)->owner, D);
}

static void test_populate_physmap(void)
{
    xen_pfn_t list[4] = { 0x10, 0x20, 0x30, 0x40 };

    d = harness_domain(D, 1, false);
    d->max_pages = 7;
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, DOMID_SELF, list, 3, 0), 3);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(fi(list[i])->owner, D);
        EXPECT_EQ(harness_m2p[list[i]], 0x10 * (i + 1));
    }
    EXPECT_EQ(list[3], 0x40);
    /* Order 1: consecutive gpfns for the extent's frames; stops at max_pages. */
    xen_pfn_t two[3] = { 0x100, 0x200, 0x300 };
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, DOMID_SELF, two, 3, 1), 2);
    EXPECT_EQ(harness_m2p[two[0]], 0x100);
    EXPECT_EQ(harness_m2p[two[0] + 1], 0x101);
    EXPECT_EQ(harness_m2p[two[1] + 1], 0x201);
    EXPECT_EQ(two[2], 0x300);
    EXPECT_EQ(d->tot_pages, 7);
    /* Decrease gives the M2P entries back. */
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, two, 1, 1), 1);
    EXPECT_EQ(harness_m2p[two[0]], ~0UL);
    EXPECT_EQ(harness_m2p[two[0] + 1], ~0UL);
}

/* An HVM domain's populate_physmap: frames at the gfns given, nothing written back. */
static void test_populate_hvm(void)
{
    static int fake_hvm;
    xen_pfn_t list[2] = { 0x800, 0x801 }, again = 0x800, big = 0x900;
    struct domain *d0 = harness_domain(0, 1, true);
    unsigned long tot;

    d = harness_domain(D, 1, false);
    d->hvm = (struct hvm_domain *)&fake_hvm;
    d->max_pages = 8;
    harness_physmap_nr = 0;
    EXPECT_EQ(resv(d0, XENMEM_populate_physmap, D, list, 2, 0), 2);
    EXPECT_EQ(list[0], 0x800);                        /* gfns in, nothing out */
    EXPECT_EQ(harness_physmap_nr, 2);
    EXPECT_EQ(harness_physmap_gfn[1], 0x801);
    EXPECT_EQ(fi(harness_physmap_mfn[1])->owner, D);
    EXPECT_EQ(harness_m2p[harness_physmap_mfn[0]], 0x800);
    tot = d->tot_pages;
    EXPECT_EQ(resv(d0, XENMEM_populate_physmap, D, &again, 1, 0), 0);   /* mapped already */
    EXPECT_EQ(d->tot_pages, tot);                     /* its frame went back */
    EXPECT_EQ(resv(d0, XENMEM_populate_physmap, D, &big, 1, 1), 0);     /* 4 KiB extents only */
    EXPECT_EQ(d->tot_pages, tot);
    d->hvm = NULL;
}

static void test_domains_and_privilege(void)
{
    struct domain *o, *d0;
    xen_pfn_t list[2] = { 0x1, 0x2 };
    domid_t id;

    d = harness_domain(D, 1, false);
    o = harness_domain(OTHER, 1, false);
    d0 = harness_domain(0, 1, true);
    d->max_pages = o->max_pages = 4;
    /* No such domain or no rights: 0 extents done, as Xen (never an error code). */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, NODOM, list, 1, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, DOMID_IO, list, 1, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, NODOM, list, 1, 0), 0);
    /* An unprivileged caller cannot touch another domain's reservation. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, OTHER, list, 1, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, OTHER, list, 1, 0), 0);
    EXPECT_EQ(o->tot_pages, 0);
    EXPECT_EQ(list[0], 0x1);
    /* A privileged one can: the frames are the target's. */
    EXPECT_EQ(resv(d0, XENMEM_increase_reservation, OTHER, list, 1, 0), 1);
    EXPECT_EQ(fi(list[0])->owner, OTHER);
    EXPECT_EQ(o->tot_pages, 1);
    EXPECT_EQ(d0->tot_pages, 0);
    /* ... and d cannot give o's frame back, even naming itself. */
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, OTHER, list, 1, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 0);
    EXPECT_EQ(resv(d0, XENMEM_decrease_reservation, OTHER, list, 1, 0), 1);
    EXPECT_EQ(o->tot_pages, 0);

    /* current/maximum_reservation. */
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 2, 0), 2);
    id = DOMID_SELF;
    harness_set_current(d);
    EXPECT_EQ(do_memory_op(XENMEM_current_reservation, HANDLE(&id)), 2);
    EXPECT_EQ(do_memory_op(XENMEM_maximum_reservation, HANDLE(&id)), 4);
    id = OTHER;
    EXPECT_EQ(do_memory_op(XENMEM_current_reservation, HANDLE(&id)), -EPERM);
    EXPECT_EQ(do_memory_op(XENMEM_maximum_reservation, HANDLE(&id)), -EPERM);
    id = NODOM;
    EXPECT_EQ(do_memory_op(XENMEM_current_reservation, HANDLE(&id)), -ESRCH);
    harness_set_current(d0);
    id = D;
    EXPECT_EQ(do_memory_op(XENMEM_current_reservation, HANDLE(&id)), 2);
    EXPECT_EQ(do_memory_op(XENMEM_maximum_reservation, HANDLE(&id)), 4);
    harness_set_current(d);
    EXPECT_EQ(do_memory_op(XENMEM_current_reservation, HANDLE(0xffff800000000000UL)), -EFAULT);
    harness_fault_range(&id, sizeof(id), FAULT_READ);
    EXPECT_EQ(do_memory_op(XENMEM_maximum_reservation, HANDLE(&id)), -EFAULT);
    harness_fault_clear();
    /* maximum_ram_page: the last frame of machine memory. */
    EXPECT_EQ(do_memory_op(XENMEM_maximum_ram_page, HANDLE(0)), HARNESS_ARENA_PAGES - 1);
}

static void test_faulting_pointers(void)
{
    struct xen_memory_reservation r = { .nr_extents = 3, .domid = DOMID_SELF };
    xen_pfn_t list[3];

    d = harness_domain(D, 1, false);
    d->max_pages = 16;
    harness_set_current(d);
    /* Xen never errors here: a fault means 0 extents done. */
    /* The reservation struct itself. */
    EXPECT_EQ(do_memory_op(XENMEM_increase_reservation, HANDLE(0xffff800000000000UL)), 0);
    harness_fault_range(&r, sizeof(r), FAULT_READ);
    set_xen_guest_handle(r.extent_start, list);
    EXPECT_EQ(do_memory_op(XENMEM_populate_physmap, HANDLE(&r)), 0);
    harness_fault_clear();
    EXPECT_EQ(d->tot_pages, 0);
    /* The list: unreadable (decrease, populate) or unwritable (increase) at the first extent. */
    harness_fault_range(list, sizeof(list), FAULT_READ | FAULT_WRITE);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 3, 0), 0);
    EXPECT_EQ(resv(d, XENMEM_populate_physmap, DOMID_SELF, list, 3, 0), 0);
    EXPECT_EQ(d->tot_pages, 0);
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 3, 0), 0);
    EXPECT_EQ(d->tot_pages, 1);                       /* allocated, then not reported */
    /* ... or later: the extents done so far are reported. */
    harness_fault_range(&list[1], sizeof(list[1]), FAULT_READ | FAULT_WRITE);
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, list, 3, 0), 1);
    EXPECT_EQ(fi(list[0])->owner, D);
    EXPECT_EQ(d->tot_pages, 3);
    EXPECT_EQ(resv(d, XENMEM_decrease_reservation, DOMID_SELF, list, 3, 0), 1);
    EXPECT_EQ(d->tot_pages, 2);
    harness_fault_clear();
    EXPECT_EQ(resv(d, XENMEM_increase_reservation, DOMID_SELF, (xen_pfn_t *)0x800000000000UL, 1, 0),
              0);
}

static void test_memory_map(void)
{
    struct xen_memory_map mm;
    struct { u64 addr, size; u32 type; } __attribute__((packed)) e[3];

    d = harness_domain(D, 1, false);
    d->max_pages = 0x1234;
    harness_set_current(d);
    memset(e, 0xcc, sizeof(e));
    mm.nr_entries = 3;
    set_xen_guest_handle(mm.buffer, e);
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), 0);
    EXPECT_EQ(mm.nr_entries, 1);
    EXPECT_EQ(e[0].addr, 0);
    EXPECT_EQ(e[0].size, 0x1234UL << PAGE_SHIFT);
    EXPECT_EQ(e[0].type, 1);                          /* E820_RAM */
    EXPECT_EQ(e[1].addr, 0xccccccccccccccccULL);      /* nothing past it */
    /* Room for exactly one. */
    mm.nr_entries = 1;
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), 0);
    EXPECT_EQ(mm.nr_entries, 1);
    /* No room. */
    mm.nr_entries = 0;
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), -EINVAL);
    EXPECT_EQ(mm.nr_entries, 0);
    /* Faults: the struct, the buffer, writing the count back. */
    mm.nr_entries = 1;
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(0x800000000000UL)), -EFAULT);
    harness_fault_range(e, sizeof(e), FAULT_WRITE);
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), -EFAULT);
    harness_fault_range(&mm, sizeof(mm), FAULT_WRITE);
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), -EFAULT);
    harness_fault_clear();
    set_xen_guest_handle(mm.buffer, (void *)0xffff800000000000UL);
    EXPECT_EQ(do_memory_op(XENMEM_memory_map, HANDLE(&mm)), -EFAULT);
}

static void test_dispatch(void)
{
    domid_t id = DOMID_SELF;

    d = harness_domain(D, 1, false);
    d->max_pages = 9;
    harness_set_current(d);
    /* The bits above the sub-op are a continuation index: ignored for the sub-op. */
    EXPECT_EQ(do_memory_op(XENMEM_maximum_reservation | (5UL << 6), HANDLE(&id)), 9);
    /* Sub-ops common/ does not know go to the arch. */
    EXPECT_EQ(do_memory_op(XENMEM_machphys_mfn_list, HANDLE(0x1234)), STUB_RET(__HYPERVISOR_memory_op));
    EXPECT_EQ(harness_stub_args[0], XENMEM_machphys_mfn_list);
    EXPECT_EQ(harness_stub_args[1], 0x1234);
    EXPECT_EQ(do_memory_op(XENMEM_add_to_physmap | (1UL << 6), HANDLE(7)), STUB_RET(__HYPERVISOR_memory_op));
    EXPECT_EQ(harness_stub_args[0], XENMEM_add_to_physmap);
}

/*
 * Preemption: with a timer due, every preempt check says yield, so each
 * (re-)execution does one unit of work and continues. The guest-visible
 * results are those of an uninterrupted call.
 */
static void nothing(void *data) { }

static void test_preempted_ops(void)
{
    struct xen_memory_reservation r = { .nr_extents = 16, .extent_order = 0, .domid = DOMID_SELF };
    static xen_pfn_t list[16];
    struct multicall_entry mc[3];
    struct hv_timer due;
    unsigned long args[5] = { XENMEM_increase_reservation, (unsigned long)&r }, before;

    d = harness_domain(D, 1, false);
    d->max_pages = 16;
    harness_set_current(d);
    set_xen_guest_handle(r.extent_start, list);
    harness_set_tsc(1000);
    timer_init(&due, nothing, NULL);
    timer_set(&due, 500);
    before = harness_restarts;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_memory_op, args), 16);
    EXPECT_EQ(harness_restarts - before, 15);
    EXPECT_EQ(d->tot_pages, 16);
    /* A multicall of three decreases (6 + 6 + 4 extents): continued entry by entry. */
    for (int i = 0; i < 3; i++) {
        static struct xen_memory_reservation part[3];

        part[i] = (struct xen_memory_reservation){ .nr_extents = i < 2 ? 6 : 4, .domid = DOMID_SELF };
        set_xen_guest_handle(part[i].extent_start, list + 6 * i);
        mc[i] = (struct multicall_entry){ .op = __HYPERVISOR_memory_op,
            .args = { XENMEM_decrease_reservation, (unsigned long)&part[i] } };
    }
    args[0] = (unsigned long)mc;
    args[1] = 3;
    before = harness_restarts;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_multicall, args), 0);
    EXPECT_EQ(mc[0].result, 6);
    EXPECT_EQ(mc[1].result, 6);
    EXPECT_EQ(mc[2].result, 4);
    CU_ASSERT(harness_restarts - before >= 15);
    EXPECT_EQ(d->tot_pages, 0);
    timer_stop(&due);
}

void suite_memory(void)
{
    static const struct unit_test tests[] = {
        { "increase_reservation", test_increase_reservation },
        { "increase_orders", test_increase_orders },
        { "decrease_reservation", test_decrease_reservation },
        { "decrease_refused", test_decrease_refused },
        { "decrease_mapped", test_decrease_mapped },
        { "exchange_duplicate_input", test_exchange_duplicate_input },
        { "exchange_address_bits", test_exchange_address_bits },
        { "populate_physmap", test_populate_physmap },
        { "populate_hvm", test_populate_hvm },
        { "domains_and_privilege", test_domains_and_privilege },
        { "faulting_pointers", test_faulting_pointers },
        { "memory_map", test_memory_map },
        { "dispatch", test_dispatch },
        { "preempted_ops", test_preempted_ops },
    };

    ADD_SUITE("memory", tests);
}
