/*
 * common/grant_table.c: grant tables v1 through do_grant_table_op, with the
 * real host mappings of arch/x86/pv/grant_map.c in the mapper's real L1
 * tables (the harness supplies only the page-table walk and the TLB).
 */
/* Host threads; libc's sched_yield would clash with hv/sched.h's. */
#define sched_yield host_libc_sched_yield
#include <pthread.h>
#undef sched_yield
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/timer.h>
#include <hv/tlb_mask.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define G 1                                          /* granter */
#define M 2                                          /* mapper */
#define X 3                                          /* a third domain */
#define NODOM 50                                     /* no such domain */
#define VA(n) (HARNESS_VA_BASE + (u64)(n) * PAGE_SIZE)  /* a mapper's host address */
#define PTE_OF_VA7 1UL                               /* map_cases: "the machine address of VA(7)'s entry" */

static struct domain *g, *m;

static struct frame_info *fi(mfn_t f) { return &hv_frames.info[f]; }
static u64 pte(mfn_t f, u64 flags) { return ((u64)f << PAGE_SHIFT) | flags; }

/* The frame the mapper's entry for va maps, or INVALID_MFN if none. */
static mfn_t mapped_at(struct domain *d, u64 va)
{
    u64 *p = harness_pte(d, va);

    return p && (*p & _PAGE_PRESENT) ? (*p & PTE_ADDR_MASK) >> PAGE_SHIFT : INVALID_MFN;
}

/* Present entries in d's harness L1 tables. */
static unsigned int ptes_of(struct domain *d)
{
    unsigned int n = 0;

    for (u64 va = HARNESS_VA_BASE; va < HARNESS_VA_BASE + HARNESS_L1S * (512UL << 12); va += PAGE_SIZE)
        n += mapped_at(d, va) != INVALID_MFN;
    return n;
}

/* d's maptrack record h, or NULL if the table never grew that far. */
static struct grant_mapping *rec(struct domain *d, grant_handle_t h)
{
    struct grant_table *gt = d->grant_table;

    return h < gt->maptrack_nr ? &gt->maptrack[h / GNTTAB_MAPTRACK_PER_PAGE][h % GNTTAB_MAPTRACK_PER_PAGE]
                               : NULL;
}

static bool rec_free(struct domain *d, grant_handle_t h)
{
    struct grant_mapping *r = rec(d, h);

    return !r || (!r->in_use && !r->reserved);
}

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

/* setup_table for `dom` as `caller`: returns the status; frames[] gets the frame list. */
static s16 setup(struct domain *caller, domid_t dom, unsigned int nr, xen_pfn_t *frames, long *rc)
{
    struct gnttab_setup_table op = { .dom = dom, .nr_frames = nr, .status = 99 };

    set_xen_guest_handle(op.frame_list, frames);
    *rc = op_as(caller, GNTTABOP_setup_table, &op, 1);
    return op.status;
}

static grant_entry_v1_t *entry(struct domain *d, grant_ref_t ref)
{
    return &d->grant_table->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static void grant(struct domain *d, grant_ref_t ref, domid_t to, mfn_t frame, u16 flags)
{
    grant_entry_v1_t *e = entry(d, ref);

    e->frame = (u32)frame;
    e->domid = to;
    e->flags = flags;
}

/* Two domains, the granter with one table frame, the mapper with VA(0..1023) mappable. */
static void pair(void)
{
    xen_pfn_t frames[1];
    long rc;

    g = harness_domain(G, 1, false);
    m = harness_domain(M, 1, false);
    harness_give_l1(m, 0);
    harness_give_l1(m, 1);
    CU_ASSERT_EQUAL_FATAL(setup(g, DOMID_SELF, 1, frames, &rc), GNTST_okay);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static s16 map_as(struct domain *d, domid_t dom, grant_ref_t ref, u32 flags, u64 addr,
                  grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = addr, .flags = flags, .ref = ref, .dom = dom, .status = 99, .handle = ~0u,
    };

    EXPECT_EQ(op_as(d, GNTTABOP_map_grant_ref, &op, 1), 0);
    if (handle)
        *handle = op.handle;
    return op.status;
}

static s16 unmap_as(struct domain *d, grant_handle_t handle, u64 addr)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .handle = handle, .status = 99 };

    EXPECT_EQ(op_as(d, GNTTABOP_unmap_grant_ref, &op, 1), 0);
    return op.status;
}

static u16 in_use(struct domain *d, grant_ref_t ref)
{
    return entry(d, ref)->flags & (GTF_reading | GTF_writing);
}

/* ------------------------------------------------------------ setup/query */

/* The hypercall as the guest's registers carry it: 64-bit values, converted
 * to the handler's declared types by the dispatcher (hv/hypercall-defs). */
static long gnttab_regs(unsigned long cmd, void *uop, unsigned long count)
{
    return hypercall_dispatch(__HYPERVISOR_grant_table_op,
                              (unsigned long[5]){ cmd, (unsigned long)uop, count }, false);
}

static void test_setup_table(void)
{
    xen_pfn_t frames[GNTTAB_MAX_FRAMES + 1];
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct domain *d0;
    xen_pfn_t first;
    long rc;

    g = harness_domain(G, 1, false);
    m = harness_domain(M, 1, false);
    d0 = harness_domain(0, 1, true);
    EXPECT_EQ(g->grant_table->nr_frames, 1);         /* as Xen: one frame from creation */
    EXPECT_EQ(fi(hv_virt_to_mfn(g->grant_table->shared[0]))->owner, G);
    EXPECT_EQ(op_as(g, GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_okay);
    EXPECT_EQ(q.nr_frames, 1);
    EXPECT_EQ(q.max_nr_frames, GNTTAB_MAX_FRAMES);

    memset(frames, 0xff, sizeof(frames));
    EXPECT_EQ(setup(g, DOMID_SELF, 1, frames, &rc), GNTST_okay);
    EXPECT_EQ(rc, 0);
    first = frames[0];
    EXPECT_EQ(fi(first)->owner, G);
    EXPECT_EQ(fi(first)->flags, FRAME_F_XENHEAP);
    CU_ASSERT_PTR_EQUAL(hv_mfn_to_virt(first), g->grant_table->shared[0]);
    EXPECT_EQ(frames[1], (xen_pfn_t)~0UL);           /* only nr_frames written */

    /* Growing keeps the first frames; every frame is the domain's, zeroed. */
    mfn_t before = hv_frames.nr_free;
    unsigned int active_before = g->grant_table->active_pages;
    EXPECT_EQ(setup(g, G, 4, frames, &rc), GNTST_okay);
#define ACT_PAGES(nr) (ALIGN_UP((nr) * 512 * sizeof(struct grant_active), PAGE_SIZE) / PAGE_SIZE)
    EXPECT_EQ(active_before, ACT_PAGES(1));          /* an active entry per v1 ref */
    EXPECT_EQ(g->grant_table->active_pages, ACT_PAGES(4));  /* grown with the table */
    EXPECT_EQ(hv_frames.nr_free, before - 3 - (ACT_PAGES(4) - ACT_PAGES(1)));
    EXPECT_EQ(frames[0], first);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(fi(frames[i])->owner, G);
        EXPECT_EQ(fi(frames[i])->flags, FRAME_F_XENHEAP);
        for (int j = 0; j < i; j++)
            CU_ASSERT(frames[i] != frames[j]);
    }
    q.nr_frames = 0;
    EXPECT_EQ(op_as(g, GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.nr_frames, 4);
    /* Asking for fewer returns the first ones; the table does not shrink. */
    memset(frames, 0xff, sizeof(frames));
    EXPECT_EQ(setup(g, DOMID_SELF, 2, frames, &rc), GNTST_okay);
    EXPECT_EQ(frames[0], first);
    EXPECT_EQ(frames[2], (xen_pfn_t)~0UL);
    EXPECT_EQ(g->grant_table->nr_frames, 4);

    /* More than the maximum fails and leaves the table as it was. */
    before = hv_frames.nr_free;
    EXPECT_EQ(setup(g, DOMID_SELF, GNTTAB_MAX_FRAMES + 1, frames, &rc), GNTST_general_error);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(g->grant_table->nr_frames, 4);
    EXPECT_EQ(hv_frames.nr_free, before);
    EXPECT_EQ(setup(g, DOMID_SELF, ~0u, frames, &rc), GNTST_general_error);
    /* The maximum itself is fine. */
    EXPECT_EQ(setup(g, DOMID_SELF, GNTTAB_MAX_FRAMES, frames, &rc), GNTST_okay);
    EXPECT_EQ(g->grant_table->nr_frames, GNTTAB_MAX_FRAMES);
    EXPECT_EQ(fi(frames[GNTTAB_MAX_FRAMES - 1])->owner, G);

    /* Other domains: bad domain, no privilege, or privileged. */
    EXPECT_EQ(setup(m, NODOM, 1, frames, &rc), GNTST_bad_domain);
    EXPECT_EQ(setup(m, G, 1, frames, &rc), GNTST_permission_denied);
    EXPECT_EQ(m->grant_table->nr_frames, 1);
    EXPECT_EQ(setup(d0, M, 2, frames, &rc), GNTST_okay);
    EXPECT_EQ(m->grant_table->nr_frames, 2);
    EXPECT_EQ(fi(frames[1])->owner, M);
    q = (struct gnttab_query_size){ .dom = NODOM };
    EXPECT_EQ(op_as(m, GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_bad_domain);
    q = (struct gnttab_query_size){ .dom = G };
    EXPECT_EQ(op_as(m, GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_permission_denied);
    q = (struct gnttab_query_size){ .dom = G };
    EXPECT_EQ(op_as(d0, GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_okay);
    EXPECT_EQ(q.nr_frames, GNTTAB_MAX_FRAMES);

    /* A frame list the hypervisor cannot write: bad_virt_addr (Xen); one in its area: -EFAULT. */
    harness_fault_range(frames, sizeof(frames), FAULT_WRITE);
    EXPECT_EQ(setup(m, DOMID_SELF, 1, frames, &rc), GNTST_bad_virt_addr);
    EXPECT_EQ(rc, 0);
    harness_fault_clear();
    EXPECT_EQ(setup(m, DOMID_SELF, 1, (xen_pfn_t *)0xffff800000001000UL, &rc), 99);
    EXPECT_EQ(rc, -EFAULT);
}

/* ----------------------------------------------------------------- mapping */

enum map_setup { MS_NONE, MS_OTHER_DOMID, MS_INVALID, MS_TRANSFER, MS_READONLY, MS_MAPPER_FRAME,
                 MS_HV_FRAME, MS_OUT_OF_RANGE, MS_TABLE_FRAME, MS_ORPHAN, MS_XENHEAP };

struct map_case {
    const char *what;
    enum map_setup setup;
    domid_t dom;
    grant_ref_t ref;
    u32 flags;
    u64 addr;
    s16 status;
};

#define HM GNTMAP_host_map
#define RO (GNTMAP_host_map | GNTMAP_readonly)
static const struct map_case map_cases[] = {
    { "rw map", MS_NONE, G, 5, HM, VA(1), GNTST_okay },
    { "ro map", MS_NONE, G, 5, RO, VA(1), GNTST_okay },
    { "ro map of a readonly grant", MS_READONLY, G, 5, RO, VA(1), GNTST_okay },
    { "map with contains_pte", MS_NONE, G, 5, HM | GNTMAP_contains_pte, PTE_OF_VA7, GNTST_okay },
    { "contains_pte: not an L1 entry", MS_NONE, G, 5, HM | GNTMAP_contains_pte, 0x1238, GNTST_general_error },
    { "host address with no L1", MS_NONE, G, 5, HM, VA(3000), GNTST_general_error },
    { "non-canonical host address", MS_NONE, G, 5, HM, 0x800000000000UL, GNTST_general_error },
    { "ro map of the granter's shared_info", MS_XENHEAP, G, 5, RO, VA(1), GNTST_okay },
    { "no such domain", MS_NONE, NODOM, 5, HM, VA(1), GNTST_bad_domain },
    /* Xen: every table has its first frame, so ref 5 exists and is unused. */
    { "DOMID_SELF: our own unused ref", MS_NONE, DOMID_SELF, 5, HM, VA(1), GNTST_general_error },
    { "ref past the table", MS_NONE, G, GNTTAB_ENTRIES_PER_FRAME, HM, VA(1), GNTST_bad_gntref },
    { "ref ~0", MS_NONE, G, ~0u, RO, VA(1), GNTST_bad_gntref },
    { "entry for another domain", MS_OTHER_DOMID, G, 5, RO, VA(1), GNTST_general_error },
    { "invalid entry", MS_INVALID, G, 5, RO, VA(1), GNTST_general_error },
    { "accept_transfer entry", MS_TRANSFER, G, 5, RO, VA(1), GNTST_general_error },
    { "rw map of a readonly grant", MS_READONLY, G, 5, HM, VA(1), GNTST_general_error },
    { "frame of the mapper", MS_MAPPER_FRAME, G, 5, RO, VA(1), GNTST_bad_page },
    { "hypervisor frame", MS_HV_FRAME, G, 5, RO, VA(1), GNTST_bad_page },
    { "frame past the frame table", MS_OUT_OF_RANGE, G, 5, RO, VA(1), GNTST_bad_page },
    /* Xen: neither host nor device map pins nothing = bad_gntref. */
    { "no GNTMAP_host_map", MS_NONE, G, 5, GNTMAP_readonly, VA(1), GNTST_bad_gntref },
    { "host PTE refused", MS_NONE, G, 5, HM, HARNESS_BAD_HOST_ADDR, GNTST_general_error },
    { "rw map of a page table", MS_TABLE_FRAME, G, 5, HM, VA(1), GNTST_general_error },
    { "ro map of a page table", MS_TABLE_FRAME, G, 5, RO, VA(1), GNTST_okay },
    { "rw map of shared_info", MS_XENHEAP, G, 5, HM, VA(1), GNTST_general_error },
    { "orphaned frame", MS_ORPHAN, G, 5, RO, VA(1), GNTST_bad_page },
};
#undef HM
#undef RO

static void test_map_cases(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(map_cases); i++) {
        const struct map_case *c = &map_cases[i];
        mfn_t frame, other = INVALID_MFN;
        void *hvp = NULL;
        grant_handle_t h = ~0u;
        u16 flags = GTF_permit_access;
        domid_t to = M;
        u32 count0;
        s16 st;
        char msg[200];

        pair();
        frame = frame_of(g);
        switch (c->setup) {
        case MS_NONE: break;
        case MS_OTHER_DOMID: to = X; break;
        case MS_INVALID: flags = GTF_invalid; break;
        case MS_TRANSFER: flags = GTF_accept_transfer; break;
        case MS_READONLY: flags |= GTF_readonly; break;
        case MS_MAPPER_FRAME: frame = other = frame_of(m); break;
        case MS_HV_FRAME: hvp = hv_alloc_pages(1); frame = hv_virt_to_mfn(hvp); break;
        case MS_OUT_OF_RANGE: frame = HARNESS_ARENA_PAGES + 3; break;
        case MS_TABLE_FRAME: CU_ASSERT_FATAL(page_pin(frame, PGT_l1, g) == 0); break;
        case MS_XENHEAP: frame = g->shared_info_mfn; break;
        case MS_ORPHAN:
            CU_ASSERT_FATAL(page_get(frame, g) == 0);
            arch_release_frame(frame);
            break;
        }
        grant(g, 5, to, frame, flags);
        count0 = frame_valid(&hv_frames, frame) ? fi(frame)->count : 0;
        u64 addr = c->addr == PTE_OF_VA7 ? harness_pte_maddr(m, VA(7)) : c->addr;
        u64 va = c->addr == PTE_OF_VA7 ? VA(7) : c->addr;

        st = map_as(m, c->dom, c->ref, c->flags, addr, &h);
        if (st != c->status) {
            snprintf(msg, sizeof(msg), "map case '%s': status %d, want %d", c->what, st, c->status);
            FAIL_MSG(msg);
        }
        if (st == GNTST_okay) {
            bool rw = !(c->flags & GNTMAP_readonly);

            EXPECT_EQ(h, 0);
            EXPECT_EQ(in_use(g, 5), GTF_reading | (rw ? GTF_writing : 0));
            EXPECT_EQ(entry(g, 5)->flags & ~(GTF_reading | GTF_writing), flags);
            EXPECT_EQ(fi(frame)->count, count0 + 1);  /* the PTE's reference */
            EXPECT_EQ(ptes_of(m), 1);
            EXPECT_EQ(mapped_at(m, va), frame);
            EXPECT_EQ(!!(*harness_pte(m, va) & _PAGE_RW), rw);
            EXPECT_EQ(unmap_as(m, h, addr), GNTST_okay);
        } else {
            CU_ASSERT(rec_free(m, 0));
        }
        if (in_use(g, 5)) {
            snprintf(msg, sizeof(msg), "map case '%s': in-use flags %#x left", c->what, in_use(g, 5));
            FAIL_MSG(msg);
        }
        EXPECT_EQ(entry(g, 5)->flags, flags);
        EXPECT_EQ(ptes_of(m), 0);
        if (frame_valid(&hv_frames, frame) && fi(frame)->count != count0) {
            snprintf(msg, sizeof(msg), "map case '%s': frame count %u, want %u", c->what,
                     fi(frame)->count, count0);
            FAIL_MSG(msg);
        }
        if (c->setup == MS_HV_FRAME)
            hv_free_pages(hvp, 1);
        if (c->setup == MS_TABLE_FRAME)
            CU_ASSERT(page_unpin(frame, g) == 0);
        if (c->setup == MS_ORPHAN)
            page_put(frame);                        /* frees it */
        (void)other;
        harness_teardown();                         /* one pair of domains per case */
        harness_setup();
    }
}

/* In-use flags follow the mappings; the last unmap clears them. */
/*
 * An unmap flushes every CPU the mapper's vCPUs may have cached the entry on
 * (its dirty mask), not this CPU alone; a map over an empty slot needs none.
 */
static void test_unmap_flushes_mapper_cpus(void)
{
    grant_handle_t h;
    mfn_t frame;

    pair();
    frame = frame_of(g);
    grant(g, 7, M, frame, GTF_permit_access);
    tlb_dirty_enter(m, 0);
    tlb_dirty_enter(m, 4);                            /* m's other vCPU ran on CPU 4 */
    harness_flushed = cpumask_none();
    harness_flush_ipis = 0;
    EXPECT_EQ(map_as(m, G, 7, GNTMAP_host_map, VA(1), &h), GNTST_okay);
    EXPECT_EQ(harness_flush_ipis, 0);
    EXPECT_EQ(unmap_as(m, h, VA(1)), GNTST_okay);
    EXPECT_EQ(harness_flushed.bits, 0x10);
    tlb_dirty_leave(m, 4);
    tlb_dirty_leave(m, 0);
}

static void test_map_unmap_flags(void)
{
    grant_handle_t h_ro, h_rw, h_ro2, h_other;
    mfn_t frame, frame2;

    pair();
    frame = frame_of(g);
    frame2 = frame_of(g);
    grant(g, 7, M, frame, GTF_permit_access);
    grant(g, 8, M, frame2, GTF_permit_access | GTF_readonly);

    EXPECT_EQ(map_as(m, G, 7, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h_ro), GNTST_okay);
    EXPECT_EQ(in_use(g, 7), GTF_reading);
    EXPECT_EQ(fi(frame)->count, 1);
    EXPECT_EQ(fi(frame)->type_count, 0);
    EXPECT_EQ(map_as(m, G, 7, GNTMAP_host_map, VA(2), &h_rw), GNTST_okay);
    EXPECT_EQ(in_use(g, 7), GTF_reading | GTF_writing);
    EXPECT_EQ(fi(frame)->count, 2);
    EXPECT_EQ(fi(frame)->type, PGT_writable);        /* so the granter cannot make it a table */
    EXPECT_EQ(page_pin(frame, PGT_l1, g), -EINVAL);
    EXPECT_EQ(map_as(m, G, 7, GNTMAP_host_map | GNTMAP_readonly, VA(3), &h_ro2), GNTST_okay);
    EXPECT_EQ(map_as(m, G, 8, GNTMAP_host_map | GNTMAP_readonly, VA(4), &h_other), GNTST_okay);
    CU_ASSERT(h_ro != h_rw && h_rw != h_ro2 && h_ro2 != h_other && h_ro != h_ro2);
    EXPECT_EQ(g->grant_table->active[7].readers, 2);
    EXPECT_EQ(g->grant_table->active[7].writers, 1);
    EXPECT_EQ(in_use(g, 8), GTF_reading);

    /* Unmap: wrong address, bad handles. */
    EXPECT_EQ(unmap_as(m, h_rw, VA(9)), GNTST_general_error);
    EXPECT_EQ(in_use(g, 7), GTF_reading | GTF_writing);
    EXPECT_EQ(unmap_as(m, GNTTAB_MAPTRACK_MAX, 0), GNTST_bad_handle);
    EXPECT_EQ(unmap_as(m, ~0u, 0), GNTST_bad_handle);
    EXPECT_EQ(unmap_as(m, 100, 0), GNTST_bad_handle);  /* never used */
    EXPECT_EQ(unmap_as(g, h_rw, VA(2)), GNTST_bad_handle);  /* the granter has no mappings */

    /* As Xen: host_addr 0 leaves the host mapping alone (nothing to do: okay). */
    EXPECT_EQ(unmap_as(m, h_rw, 0), GNTST_okay);
    EXPECT_EQ(in_use(g, 7), GTF_reading | GTF_writing);
    EXPECT_EQ(mapped_at(m, VA(2)), frame);
    /* The writer goes: writing clears, reading stays. */
    EXPECT_EQ(unmap_as(m, h_rw, VA(2)), GNTST_okay);
    EXPECT_EQ(mapped_at(m, VA(2)), INVALID_MFN);
    EXPECT_EQ(in_use(g, 7), GTF_reading);
    EXPECT_EQ(fi(frame)->type_count, 0);
    EXPECT_EQ(unmap_as(m, h_rw, VA(2)), GNTST_bad_handle);  /* twice */
    EXPECT_EQ(unmap_as(m, h_ro, VA(1)), GNTST_okay);
    EXPECT_EQ(in_use(g, 7), GTF_reading);             /* one reader left */
    EXPECT_EQ(unmap_as(m, h_ro2, VA(3)), GNTST_okay);
    EXPECT_EQ(in_use(g, 7), 0);
    EXPECT_EQ(entry(g, 7)->flags, GTF_permit_access);
    EXPECT_EQ(in_use(g, 8), GTF_reading);             /* other refs untouched */
    EXPECT_EQ(unmap_as(m, h_other, VA(4)), GNTST_okay);
    EXPECT_EQ(entry(g, 8)->flags, GTF_permit_access | GTF_readonly);
    EXPECT_EQ(fi(frame)->count, 0);
    EXPECT_EQ(fi(frame2)->count, 0);
    /* Handles are reused (a freed one: the free list's order is the table's own). */
    EXPECT_EQ(map_as(m, G, 7, GNTMAP_host_map, VA(1), &h_rw), GNTST_okay);
    CU_ASSERT(h_rw <= 3);
    EXPECT_EQ(unmap_as(m, h_rw, VA(1)), GNTST_okay);
}

/* A batch: every op is done and gets its own status; the call itself succeeds. */
static void test_map_batch(void)
{
    struct gnttab_map_grant_ref ops[3] = {
        { .host_addr = VA(1), .flags = GNTMAP_host_map, .ref = 1, .dom = G },
        { .host_addr = VA(2), .flags = GNTMAP_host_map, .ref = 9999, .dom = G },
        { .host_addr = VA(3), .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 2, .dom = G },
    };
    struct gnttab_unmap_grant_ref un[2];

    pair();
    grant(g, 1, M, frame_of(g), GTF_permit_access);
    grant(g, 2, M, frame_of(g), GTF_permit_access);
    EXPECT_EQ(op_as(m, GNTTABOP_map_grant_ref, ops, 3), 0);
    EXPECT_EQ(ops[0].status, GNTST_okay);
    EXPECT_EQ(ops[1].status, GNTST_bad_gntref);
    EXPECT_EQ(ops[2].status, GNTST_okay);
    EXPECT_EQ(ops[0].dev_bus_addr, (u64)entry(g, 1)->frame << PAGE_SHIFT);
    EXPECT_EQ(in_use(g, 1), GTF_reading | GTF_writing);
    EXPECT_EQ(in_use(g, 2), GTF_reading);
    un[0] = (struct gnttab_unmap_grant_ref){ .host_addr = VA(1), .handle = ops[0].handle };
    un[1] = (struct gnttab_unmap_grant_ref){ .host_addr = VA(3), .handle = ops[2].handle };
    EXPECT_EQ(op_as(m, GNTTABOP_unmap_grant_ref, un, 2), 0);
    EXPECT_EQ(un[0].status, GNTST_okay);
    EXPECT_EQ(un[1].status, GNTST_okay);
    EXPECT_EQ(in_use(g, 1) | in_use(g, 2), 0);
}

/* Maps n grants of ref 3 from handle `first` on, host mappings at VA(first + i) or device ones. */
static void map_many(int first, int n, bool host)
{
    static struct gnttab_map_grant_ref ops[512];

    for (int done = 0; done < n; done += 512) {
        int k = n - done < 512 ? n - done : 512;

        for (int i = 0; i < k; i++)
            ops[i] = (struct gnttab_map_grant_ref){
                .host_addr = host ? VA(first + done + i) : 0, .ref = 3, .dom = G, .status = 99,
                .flags = (host ? GNTMAP_host_map : GNTMAP_device_map) | GNTMAP_readonly };
        EXPECT_EQ(op_as(m, GNTTABOP_map_grant_ref, ops, k), 0);
        for (int i = 0; i < k; i++)
            if (ops[i].status != GNTST_okay || ops[i].handle != (grant_handle_t)(first + done + i))
                FAIL_MSG("maptrack: a mapping below the limit failed");
    }
}

/* Unmaps handles first..first+n-1 as map_many made them (host: at host_addr; else the device). */
static void unmap_many(int first, int n, bool host, u64 dev_addr)
{
    static struct gnttab_unmap_grant_ref un[512];

    for (int done = 0; done < n; done += 512) {
        int k = n - done < 512 ? n - done : 512;

        for (int i = 0; i < k; i++)
            un[i] = (struct gnttab_unmap_grant_ref){ .handle = first + done + i, .status = 99,
                .host_addr = host ? VA(first + done + i) : 0, .dev_bus_addr = host ? 0 : dev_addr };
        EXPECT_EQ(op_as(m, GNTTABOP_unmap_grant_ref, un, k), 0);
        for (int i = 0; i < k; i++)
            if (un[i].status != GNTST_okay)
                FAIL_MSG("maptrack: unmap failed");
    }
}

/*
 * The mapper's table grows with use, a page of records at a time, well past
 * 1024 (blkback holds a ring's persistent grants and its requests in flight:
 * over a thousand host mappings), up to GNTTAB_MAPTRACK_MAX, where a map is
 * refused before anything is taken; a freed record is the next one used.
 */
static void test_maptrack_exhaustion(void)
{
    const int nhost = 3 * 512, max = (int)GNTTAB_MAPTRACK_MAX;
    grant_handle_t h;
    mfn_t frame;

    pair();
    harness_give_l1(m, 2);
    EXPECT_EQ(m->grant_table->maptrack_nr, GNTTAB_MAPTRACK_PER_PAGE); /* one page before the first map */
    frame = frame_of(g);
    grant(g, 3, M, frame, GTF_permit_access | GTF_readonly);
    map_many(0, nhost, true);
    CU_ASSERT(m->grant_table->maptrack_nr >= (unsigned int)nhost &&
              m->grant_table->maptrack_nr < (unsigned int)nhost + GNTTAB_MAPTRACK_PER_PAGE);
    EXPECT_EQ(ptes_of(m), nhost);
    map_many(nhost, max - nhost, false);
    EXPECT_EQ(m->grant_table->maptrack_nr, GNTTAB_MAPTRACK_MAX);
    EXPECT_EQ(fi(frame)->count, max);
    EXPECT_EQ(g->grant_table->active[3].readers, nhost);
    EXPECT_EQ(g->grant_table->active[3].dev_readers, max - nhost);
    /* Full: refused before anything is taken. */
    EXPECT_EQ(map_as(m, G, 3, GNTMAP_host_map | GNTMAP_readonly, VA(nhost), &h), GNTST_no_space);
    EXPECT_EQ(fi(frame)->count, max);
    EXPECT_EQ(ptes_of(m), nhost);
    /* One freed: one more fits, in that slot. */
    EXPECT_EQ(unmap_as(m, 700, VA(700)), GNTST_okay);
    EXPECT_EQ(map_as(m, G, 3, GNTMAP_host_map | GNTMAP_readonly, VA(700), &h), GNTST_okay);
    EXPECT_EQ(h, 700);
    EXPECT_EQ(map_as(m, G, 3, GNTMAP_host_map | GNTMAP_readonly, VA(nhost), &h), GNTST_no_space);
    /* A handle past the table, and one never handed out, are refused. */
    EXPECT_EQ(unmap_as(m, GNTTAB_MAPTRACK_MAX, VA(0)), GNTST_bad_handle);
    /* Unmap everything: the flags clear with the last one. */
    unmap_many(0, nhost, true, 0);
    EXPECT_EQ(in_use(g, 3), GTF_reading);
    unmap_many(nhost, max - nhost, false, (u64)frame << PAGE_SHIFT);
    EXPECT_EQ(in_use(g, 3), 0);
    EXPECT_EQ(fi(frame)->count, 0);
    EXPECT_EQ(ptes_of(m), 0);
    for (unsigned int i = 0; i < m->grant_table->maptrack_nr; i++)
        CU_ASSERT(rec_free(m, i));
}

/* -------------------------------------------------------------------- copy */

static s16 copy_as(struct domain *d, struct gnttab_copy *op)
{
    op->status = 99;
    EXPECT_EQ(op_as(d, GNTTABOP_copy, op, 1), 0);
    return op->status;
}

static struct gnttab_copy_ptr gref(domid_t dom, grant_ref_t ref, u16 off)
{
    return (struct gnttab_copy_ptr){ .u.ref = ref, .domid = dom, .offset = off };
}

static struct gnttab_copy_ptr gmfn(domid_t dom, mfn_t f, u16 off)
{
    return (struct gnttab_copy_ptr){ .u.gmfn = f, .domid = dom, .offset = off };
}

static void test_copy(void)
{
    mfn_t gf, gro, mine, mine2, table, gtable, foreign;
    struct domain *d0;
    unsigned char *gp, *mp;
    struct gnttab_copy op;

    pair();
    d0 = harness_domain(0, 1, true);
    gf = frame_of(g);
    gro = frame_of(g);
    gtable = frame_of(g);
    mine = frame_of(m);
    mine2 = frame_of(m);
    table = frame_of(m);
    foreign = frame_of(g);
    gp = hv_mfn_to_virt(gf);
    mp = hv_mfn_to_virt(mine);
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        gp[i] = (unsigned char)(i * 7 + 1);
    grant(g, 1, M, gf, GTF_permit_access);
    grant(g, 2, M, gro, GTF_permit_access | GTF_readonly);
    grant(g, 3, M, gtable, GTF_permit_access);
    CU_ASSERT_FATAL(page_pin(gtable, PGT_l1, g) == 0);
    CU_ASSERT_FATAL(page_pin(table, PGT_l1, m) == 0);

    /* gref -> own gmfn. */
    op = (struct gnttab_copy){ .source = gref(G, 1, 100), .dest = gmfn(DOMID_SELF, mine, 200),
                               .len = 300, .flags = GNTCOPY_source_gref };
    EXPECT_EQ(copy_as(m, &op), GNTST_okay);
    CU_ASSERT(memcmp(mp + 200, gp + 100, 300) == 0);
    EXPECT_EQ(mp[199], 0);
    EXPECT_EQ(mp[500], 0);
    EXPECT_EQ(in_use(g, 1), 0);                       /* no mapping left behind */
    EXPECT_EQ(fi(gf)->count, 0);
    /* Own gmfn -> gref, up to the very end of both pages. */
    memset(mp, 0x5a, PAGE_SIZE);
    op = (struct gnttab_copy){ .source = gmfn(M, mine, PAGE_SIZE - 96), .dest = gref(G, 1, PAGE_SIZE - 96),
                               .len = 96, .flags = GNTCOPY_dest_gref };
    EXPECT_EQ(copy_as(m, &op), GNTST_okay);
    EXPECT_EQ(gp[PAGE_SIZE - 1], 0x5a);
    EXPECT_EQ(gp[PAGE_SIZE - 97], (unsigned char)((PAGE_SIZE - 97) * 7 + 1));
    /* gref -> gref, and from a read-only grant. */
    op = (struct gnttab_copy){ .source = gref(G, 2, 0), .dest = gref(G, 1, 0), .len = PAGE_SIZE,
                               .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref };
    EXPECT_EQ(copy_as(m, &op), GNTST_okay);
    EXPECT_EQ(gp[0], 0);
    /* Reading a page table is fine. */
    op = (struct gnttab_copy){ .source = gmfn(M, table, 0), .dest = gmfn(M, mine2, 0), .len = 8 };
    EXPECT_EQ(copy_as(m, &op), GNTST_okay);

    static const struct {
        const char *what;
        struct gnttab_copy op;
        s16 status;
    } bad[] = {
        { "source offset+len past the page", { .source = { .u.ref = 1, .domid = G, .offset = 4000 },
          .dest = { .domid = DOMID_SELF }, .len = 97, .flags = GNTCOPY_source_gref }, GNTST_bad_copy_arg },
        { "dest offset+len past the page", { .source = { .u.ref = 1, .domid = G },
          .dest = { .domid = DOMID_SELF, .offset = 1 }, .len = 4096, .flags = GNTCOPY_source_gref },
          GNTST_bad_copy_arg },
        { "huge len", { .source = { .u.ref = 1, .domid = G }, .dest = { .domid = DOMID_SELF },
          .len = 0xffff, .flags = GNTCOPY_source_gref }, GNTST_bad_copy_arg },
        { "huge offset", { .source = { .u.ref = 1, .domid = G, .offset = 0xffff },
          .dest = { .domid = DOMID_SELF }, .len = 1, .flags = GNTCOPY_source_gref }, GNTST_bad_copy_arg },
        { "write through a readonly grant", { .source = { .domid = DOMID_SELF },
          .dest = { .u.ref = 2, .domid = G }, .len = 8, .flags = GNTCOPY_dest_gref },
          GNTST_general_error },
        { "bad gref", { .source = { .u.ref = 4096, .domid = G }, .dest = { .domid = DOMID_SELF },
          .len = 8, .flags = GNTCOPY_source_gref }, GNTST_bad_gntref },
        { "gref of no domain", { .source = { .u.ref = 1, .domid = NODOM },
          .dest = { .domid = DOMID_SELF }, .len = 8, .flags = GNTCOPY_source_gref }, GNTST_bad_domain },
        { "gmfn of another domain", { .source = { .domid = G }, .dest = { .domid = DOMID_SELF },
          .len = 8 }, GNTST_permission_denied },
        { "gmfn not ours", { .source = { .domid = DOMID_SELF }, .dest = { .domid = DOMID_SELF },
          .len = 8 }, GNTST_bad_page },
        { "gmfn past the frame table", { .source = { .u.gmfn = HARNESS_ARENA_PAGES, .domid = DOMID_SELF },
          .dest = { .domid = DOMID_SELF }, .len = 8 }, GNTST_bad_page },
        { "gmfn ~0", { .source = { .u.gmfn = ~0UL, .domid = DOMID_SELF },
          .dest = { .domid = DOMID_SELF }, .len = 8 }, GNTST_bad_page },
        { "into a page table", { .source = { .domid = DOMID_SELF }, .dest = { .domid = DOMID_SELF },
          .len = 8 }, GNTST_general_error },
        { "into a granted page table", { .source = { .domid = DOMID_SELF },
          .dest = { .u.ref = 3, .domid = G }, .len = 8, .flags = GNTCOPY_dest_gref }, GNTST_general_error },
        { "into shared_info by gmfn", { .source = { .domid = DOMID_SELF },
          .dest = { .domid = DOMID_SELF }, .len = 8 }, GNTST_bad_page },
        { "from no domain", { .source = { .domid = NODOM }, .dest = { .domid = DOMID_SELF }, .len = 8 },
          GNTST_bad_domain },
    };
    u8 *tp = hv_mfn_to_virt(table), *gtp = hv_mfn_to_virt(gtable), *sp = (u8 *)m->shared_info;
    u8 snap_mine[PAGE_SIZE], snap_gp[PAGE_SIZE];

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char msg[200];
        s16 st;

        op = bad[i].op;
        /* Fill in the frames the table cannot name statically. */
        if (!(op.flags & GNTCOPY_source_gref) && op.source.u.gmfn == 0)
            op.source.u.gmfn = strstr(bad[i].what, "not ours") ? foreign :
                               strstr(bad[i].what, "another") ? gf : mine2;
        if (!(op.flags & GNTCOPY_dest_gref))
            op.dest.u.gmfn = strstr(bad[i].what, "into a page table") ? table :
                             strstr(bad[i].what, "shared_info") ? m->shared_info_mfn : mine;
        memset(tp, 0, 16);
        memset(gtp, 0, 16);
        memcpy(snap_mine, mp, PAGE_SIZE);
        memcpy(snap_gp, gp, PAGE_SIZE);
        ((u8 *)hv_mfn_to_virt(mine2))[0] = 0x01;      /* a present-looking PTE */
        st = copy_as(m, &op);
        if (st != bad[i].status) {
            snprintf(msg, sizeof(msg), "copy '%s': status %d, want %d", bad[i].what, st, bad[i].status);
            FAIL_MSG(msg);
        }
        if (memcmp(snap_mine, mp, PAGE_SIZE) || memcmp(snap_gp, gp, PAGE_SIZE) ||
            tp[0] || gtp[0] || sp[0] == 0x01) {
            snprintf(msg, sizeof(msg), "copy '%s': memory was written", bad[i].what);
            FAIL_MSG(msg);
        }
    }
    /* A privileged caller may name any domain's frames. */
    op = (struct gnttab_copy){ .source = gmfn(G, gf, 0), .dest = gmfn(M, mine, 0), .len = 16 };
    EXPECT_EQ(copy_as(d0, &op), GNTST_okay);
    CU_ASSERT(memcmp(mp, gp, 16) == 0);
    /* ... but still not write into a page table. */
    op = (struct gnttab_copy){ .source = gmfn(G, gf, 0), .dest = gmfn(M, table, 0), .len = 16 };
    EXPECT_EQ(copy_as(d0, &op), GNTST_general_error);
    EXPECT_EQ(page_unpin(table, m), 0);
    EXPECT_EQ(page_unpin(gtable, g), 0);
}

/* ------------------------------------------------------------- lifetimes */

static void map_three(grant_handle_t h[3], mfn_t f[2])
{
    f[0] = frame_of(g);
    f[1] = frame_of(g);
    grant(g, 10, M, f[0], GTF_permit_access);
    grant(g, 11, M, f[1], GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 10, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h[0]), GNTST_okay);
    EXPECT_EQ(map_as(m, G, 10, GNTMAP_host_map | GNTMAP_readonly, VA(2), &h[1]), GNTST_okay);
    EXPECT_EQ(map_as(m, G, 11, GNTMAP_host_map, VA(3), &h[2]), GNTST_okay);
    EXPECT_EQ(in_use(g, 10), GTF_reading);
    EXPECT_EQ(in_use(g, 11), GTF_reading | GTF_writing);
    EXPECT_EQ(fi(f[1])->type, PGT_writable);
}

/* The mapper dies: its mappings go, the granter's entries are free again. */
static void test_destroy_mapper(void)
{
    grant_handle_t h[3];
    mfn_t f[2];

    pair();
    map_three(h, f);
    harness_set_current(NULL);
    domain_shutdown(m, SHUTDOWN_crash);
    CU_ASSERT(m->grant_table->dead);                  /* emptied; the struct goes when m is freed */
    CU_ASSERT_PTR_NULL(m->grant_table->maptrack);
    EXPECT_EQ(in_use(g, 10), 0);
    EXPECT_EQ(in_use(g, 11), 0);
    EXPECT_EQ(g->grant_table->active[10].readers, 0);
    EXPECT_EQ(g->grant_table->active[11].writers, 0);
    EXPECT_EQ(fi(f[0])->count, 0);
    EXPECT_EQ(fi(f[1])->count, 0);
    EXPECT_EQ(fi(f[1])->type_count, 0);
    /* The granter can now make the frame a table. */
    EXPECT_EQ(page_pin(f[1], PGT_l1, g), 0);
    EXPECT_EQ(page_unpin(f[1], g), 0);
}

/*
 * The mapper rewired its L1 after mapping (the grant PTEs overwritten through
 * mmu_update): the references went with the entries, the unmaps then fail,
 * and its death still clears the records and the granter's flags.
 */
static void test_destroy_mapper_unmap_fails(void)
{
    grant_handle_t h[3];
    mfn_t f[2], l1;

    pair();
    map_three(h, f);
    l1 = hv_virt_to_mfn(harness_pte(m, VA(1)));
    EXPECT_EQ(pt_mod_entry(l1, 1, 0, 1, m, false), 0);
    EXPECT_EQ(pt_mod_entry(l1, 3, 0, 1, m, false), 0);
    EXPECT_EQ(fi(f[0])->count, 1);                   /* VA(2)'s entry still holds one */
    EXPECT_EQ(fi(f[1])->count, 0);
    EXPECT_EQ(fi(f[1])->type_count, 0);
    EXPECT_EQ(unmap_as(m, h[0], VA(1)), GNTST_general_error);
    EXPECT_EQ(in_use(g, 11), GTF_reading | GTF_writing);
    harness_set_current(NULL);
    domain_shutdown(m, SHUTDOWN_crash);
    EXPECT_EQ(in_use(g, 10), 0);
    EXPECT_EQ(in_use(g, 11), 0);
    EXPECT_EQ(g->grant_table->active[10].readers, 0);
    EXPECT_EQ(g->grant_table->active[11].writers, 0);
    EXPECT_EQ(fi(f[0])->count, 0);
    EXPECT_EQ(fi(f[1])->count, 0);
}

/* The granter dies first: mapped frames live on until the mapper unmaps them. */
static void test_destroy_granter(void)
{
    grant_handle_t h[3];
    mfn_t f[2], before;

    pair();
    map_three(h, f);
    harness_set_current(NULL);
    domain_shutdown(g, SHUTDOWN_poweroff);
    harness_reap();
    CU_ASSERT_PTR_NULL(hv_domains[G]);
    EXPECT_EQ(fi(f[0])->owner, G);                    /* orphaned, not freed */
    CU_ASSERT(fi(f[0])->flags & FRAME_F_ORPHAN);
    EXPECT_EQ(fi(f[0])->count, 2);
    /* A new domain gets the dead granter's id and maps out its own ref 10 ... */
    struct domain *g2 = harness_domain(G, 1, false);
    grant_handle_t h2;

    grant(g2, 10, M, frame_of(g2), GTF_permit_access);
    EXPECT_EQ(map_as(m, G, 10, GNTMAP_host_map | GNTMAP_readonly, VA(4), &h2), GNTST_okay);
    EXPECT_EQ(in_use(g2, 10), GTF_reading);
    before = hv_frames.nr_free;
    unsigned long charged = g2->tot_pages = 5;        /* as if it had frames of its own */
    EXPECT_EQ(unmap_as(m, h[2], VA(3)), GNTST_okay);
    EXPECT_EQ(hv_frames.nr_free, before + 1);         /* the last mapping freed it */
    EXPECT_EQ(fi(f[1])->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(unmap_as(m, h[0], VA(1)), GNTST_okay);
    EXPECT_EQ(fi(f[0])->owner, G);
    EXPECT_EQ(unmap_as(m, h[1], VA(2)), GNTST_okay);
    EXPECT_EQ(fi(f[0])->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(hv_frames.nr_free, before + 2);
    /* ... and the old mappings' unmaps did not touch the new table's counts,
     * nor uncharge the new domain for the dead one's frames. */
    EXPECT_EQ(g2->tot_pages, charged);
    EXPECT_EQ(in_use(g2, 10), GTF_reading);
    EXPECT_EQ(g2->grant_table->active[10].readers, 1);
    EXPECT_EQ(unmap_as(m, h2, VA(4)), GNTST_okay);
    EXPECT_EQ(in_use(g2, 10), 0);
}

/*
 * A domain's own page tables map its grant frames (as every PV guest does);
 * shutting it down must not free them under those mappings: the frames go
 * when the tables release them at reap.
 */
static void test_grant_frames_outlive_mappings(void)
{
    xen_pfn_t frames[2];
    mfn_t l1, si;
    long rc;

    g = harness_domain(G, 1, false);
    m = harness_domain(M, 1, false);
    harness_give_l1(m, 0);
    si = g->shared_info_mfn;
    CU_ASSERT_EQUAL_FATAL(setup(g, DOMID_SELF, 2, frames, &rc), GNTST_okay);
    l1 = frame_of(g);
    ((u64 *)hv_mfn_to_virt(l1))[0] = pte(frames[0], _PAGE_PRESENT | _PAGE_RW);
    ((u64 *)hv_mfn_to_virt(l1))[1] = pte(g->shared_info_mfn, _PAGE_PRESENT | _PAGE_RW);
    CU_ASSERT_EQUAL_FATAL(page_pin(l1, PGT_l1, g), 0);
    /* Also granted to and mapped by another domain: its own shared_info, read-only. */
    grant(g, 1, M, g->shared_info_mfn, GTF_permit_access | GTF_readonly);
    EXPECT_EQ(map_as(m, G, 1, GNTMAP_host_map | GNTMAP_readonly, VA(1), NULL), GNTST_okay);
    EXPECT_EQ(fi(g->shared_info_mfn)->count, 2);
    EXPECT_EQ(fi(frames[0])->count, 1);
    harness_set_current(NULL);
    domain_shutdown(g, SHUTDOWN_poweroff);
    /* Grant frame 0 is still mapped by g's L1: not free, and never handed out again. */
    CU_ASSERT(fi(frames[0])->owner != FRAME_OWNER_FREE);
    EXPECT_EQ(fi(frames[0])->count, 1);
    EXPECT_EQ(fi(frames[1])->owner, FRAME_OWNER_FREE);  /* frame 1 was not mapped */
    harness_reap();
    EXPECT_EQ(fi(frames[0])->owner, FRAME_OWNER_FREE);  /* the L1 went, and the frame with it */
    /* shared_info is still mapped by m: orphaned until m lets it go. */
    CU_ASSERT(fi(si)->owner != FRAME_OWNER_FREE);
    CU_ASSERT(fi(si)->flags & FRAME_F_ORPHAN);
    EXPECT_EQ(fi(si)->count, 1);
    EXPECT_EQ(unmap_as(m, 0, VA(1)), GNTST_okay);
    EXPECT_EQ(fi(si)->owner, FRAME_OWNER_FREE);
}

/* --------------------------------------------------------- hypercall edge */

static void test_hypercall_edge(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_set_version sv = { .version = 3 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF, .version = 0 };
    static struct gnttab_unmap_grant_ref many[513];

    pair();
    harness_set_current(g);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_dump_table, HANDLE(&q), 1), -ENOSYS);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_transfer, HANDLE(&q), 1), -ENOSYS);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_swap_grant_ref, HANDLE(&q), 1), -ENOSYS);
    EXPECT_EQ(do_grant_table_op(11 + 100, HANDLE(&q), 1), -ENOSYS);
    /* Xen takes cmd as 32 bits; bits above the command are for cache_flush only. */
    EXPECT_EQ(gnttab_regs(~0UL, &q, 1), -EINVAL);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size | (1UL << 12), HANDLE(&q), 1), -EINVAL);
    EXPECT_EQ(q.status, 0);
    EXPECT_EQ(gnttab_regs(GNTTABOP_query_size | (1UL << 32), &q, 1), 0);
    /* Count: one struct for query_size and setup_table (Xen); batches of any length (an int). */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(&q), 2), -EINVAL);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(&q), 0), -EINVAL);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_setup_table, HANDLE(&q), 2), -EINVAL);
    EXPECT_EQ(q.status, 0);                           /* nothing done */
    for (int i = 0; i < 513; i++)
        many[i] = (struct gnttab_unmap_grant_ref){ .handle = 0xffff, .status = 99 };
    EXPECT_EQ(gnttab_regs(GNTTABOP_unmap_grant_ref, many, ~0UL), -EINVAL);
    EXPECT_EQ(gnttab_regs(GNTTABOP_unmap_grant_ref, many, 0x80000000UL), -EINVAL);
    /* An array that leaves guest space: -EFAULT before any op (Xen's guest_handle_okay). */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(0x7fffffff0000UL), 0x10000), -EFAULT);
    EXPECT_EQ(many[0].status, 99);                    /* nothing done */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(many), 512), 0);
    EXPECT_EQ(many[511].status, GNTST_bad_handle);
    EXPECT_EQ(many[512].status, 99);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(many), 513), 0);
    EXPECT_EQ(many[512].status, GNTST_bad_handle);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(0xffff800000000000UL), 0), 0);  /* nothing */
    /* Faulting pointers, reading and writing. */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(0xffff800000000000UL), 1), -EFAULT);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(0x800000000000UL), 1), -EFAULT);
    harness_fault_range(&q, sizeof(q), FAULT_READ);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(&q), 1), -EFAULT);
    harness_fault_range(&q, sizeof(q), FAULT_WRITE);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_query_size, HANDLE(&q), 1), -EFAULT);
    harness_fault_range(&many[1], sizeof(many[1]), FAULT_READ);
    many[0].status = 99;
    EXPECT_EQ(do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(many), 2), -EFAULT);
    EXPECT_EQ(many[0].status, GNTST_bad_handle);      /* the first was done */
    harness_fault_clear();
    /* Versions: 1 or 2 (more in test_grant_v2.c). */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_set_version, HANDLE(&sv), 1), -EINVAL);
    EXPECT_EQ(sv.version, 1);
    sv.version = 0;
    EXPECT_EQ(do_grant_table_op(GNTTABOP_set_version, HANDLE(&sv), 1), -EINVAL);
    sv.version = 1;
    EXPECT_EQ(do_grant_table_op(GNTTABOP_set_version, HANDLE(&sv), 1), 0);
    EXPECT_EQ(sv.version, 1);
    EXPECT_EQ(do_grant_table_op(GNTTABOP_get_version, HANDLE(&gv), 1), 0);
    EXPECT_EQ(gv.version, 1);
}

/*
 * Batches are preemptible between ops: with a timer due every check says
 * yield, so each (re-)execution does one op and continues with the array
 * advanced and the count reduced (Xen's encoding); the results are those
 * of an uninterrupted call, in a multicall too.
 */
static void nothing(void *data) { }

static void test_preempted_batch(void)
{
    static struct gnttab_map_grant_ref maps[40];
    static struct gnttab_unmap_grant_ref un[40];
    struct multicall_entry mc[2];
    struct hv_timer due;
    unsigned long args[5], before;

    pair();
    harness_set_current(m);
    grant(g, 1, M, frame_of(g), GTF_permit_access);
    for (int i = 0; i < 40; i++)
        maps[i] = (struct gnttab_map_grant_ref){ .host_addr = VA(i + 1), .flags = GNTMAP_host_map,
                                                 .ref = i % 2 ? 9999 : 1, .dom = G, .status = 99 };
    harness_set_tsc(1000);
    timer_init(&due, nothing, NULL);
    timer_set(&due, 500);
    /* The continuation's arguments: the op after the first, 39 left. */
    EXPECT_EQ(do_grant_table_op(GNTTABOP_map_grant_ref, HANDLE(maps), 40), -ERESTART);
    CU_ASSERT(current->cont.pending);
    EXPECT_EQ(current->cont.nr, __HYPERVISOR_grant_table_op);
    EXPECT_EQ(current->cont.args[0], GNTTABOP_map_grant_ref);
    EXPECT_EQ(current->cont.args[1], (unsigned long)&maps[1]);
    EXPECT_EQ(current->cont.args[2], 39);
    EXPECT_EQ(maps[0].status, GNTST_okay);
    EXPECT_EQ(maps[1].status, 99);                    /* not yet */
    current->cont.pending = false;
    args[0] = GNTTABOP_map_grant_ref;
    args[1] = (unsigned long)&maps[1];
    args[2] = 39;
    before = harness_restarts;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_grant_table_op, args), 0);
    EXPECT_EQ(harness_restarts - before, 38);
    for (int i = 0; i < 40; i++)
        EXPECT_EQ(maps[i].status, i % 2 ? GNTST_bad_gntref : GNTST_okay);
    /* The unmaps, as two entries of one multicall (20 + 20): each continued in place. */
    for (int i = 0; i < 40; i++)
        un[i] = (struct gnttab_unmap_grant_ref){ .host_addr = VA(i + 1),
                                                 .handle = i % 2 ? 0xffff : maps[i].handle, .status = 99 };
    for (int k = 0; k < 2; k++)
        mc[k] = (struct multicall_entry){ .op = __HYPERVISOR_grant_table_op,
            .args = { GNTTABOP_unmap_grant_ref, (unsigned long)&un[20 * k], 20 }, .result = 99 };
    args[0] = (unsigned long)mc;
    args[1] = 2;
    before = harness_restarts;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_multicall, args), 0);
    CU_ASSERT(harness_restarts - before >= 38);
    EXPECT_EQ(mc[0].result, 0);
    EXPECT_EQ(mc[1].result, 0);
    for (int i = 0; i < 40; i++)
        EXPECT_EQ(un[i].status, i % 2 ? GNTST_bad_handle : GNTST_okay);
    EXPECT_EQ(in_use(g, 1), 0);
    timer_stop(&due);
}


/*
 * Host threads as CPUs of the mapper: two map and unmap device mappings of
 * one ref (one frame), a third of another ref, a fourth copies from the
 * first ref. The pin counts, in-use flags and frame references must balance
 * afterwards: their updates are under the entry's active lock, the records
 * under the maptrack lock.
 */
#define GRACE_ROUNDS 2000
static unsigned int grace_errors;
static mfn_t grace_frame[2];

static void *grace_mapper(void *arg)
{
    unsigned long id = (unsigned long)arg;
    grant_ref_t ref = id == 3 ? 11 : 10;

    host_test_pcpu.id = (unsigned int)id;
    current = m->vcpus[0];
    for (unsigned int i = 0; i < GRACE_ROUNDS; i++) {
        struct gnttab_map_grant_ref mp = { .flags = GNTMAP_device_map | (ref == 10 ? GNTMAP_readonly : 0),
                                           .ref = ref, .dom = G };
        struct gnttab_unmap_grant_ref um = { 0 };

        if (do_grant_table_op(GNTTABOP_map_grant_ref, HANDLE(&mp), 1) || mp.status != GNTST_okay) {
            __atomic_fetch_add(&grace_errors, 1, __ATOMIC_RELAXED);
            continue;
        }
        um = (struct gnttab_unmap_grant_ref){ .dev_bus_addr = mp.dev_bus_addr, .handle = mp.handle };
        if (do_grant_table_op(GNTTABOP_unmap_grant_ref, HANDLE(&um), 1) || um.status != GNTST_okay)
            __atomic_fetch_add(&grace_errors, 1, __ATOMIC_RELAXED);
    }
    if (lock_check_nr_held())
        __atomic_fetch_add(&grace_errors, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void *grace_copier(void *arg)
{
    static u8 buf[64];

    host_test_pcpu.id = 4;
    current = m->vcpus[0];
    for (unsigned int i = 0; i < GRACE_ROUNDS; i++) {
        struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = 8 };

        c.source.u.ref = 10;
        c.source.domid = G;
        c.dest.domid = DOMID_SELF;
        c.dest.u.gmfn = grace_frame[1];
        c.dest.offset = 64;
        (void)buf;
        if (do_grant_table_op(GNTTABOP_copy, HANDLE(&c), 1) || c.status != GNTST_okay)
            __atomic_fetch_add(&grace_errors, 1, __ATOMIC_RELAXED);
    }
    if (lock_check_nr_held())
        __atomic_fetch_add(&grace_errors, 1, __ATOMIC_RELAXED);
    return arg;
}

static void test_race_map_unmap(void)
{
    pthread_t t[4];
    mfn_t f10, f11;

    pair();
    f10 = frame_of(g);
    f11 = frame_of(g);
    grace_frame[1] = frame_of(m);
    grant(g, 10, M, f10, GTF_permit_access | GTF_readonly);
    grant(g, 11, M, f11, GTF_permit_access);
    grace_errors = 0;
    for (unsigned long i = 0; i < 3; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, grace_mapper, (void *)(i + 1)) == 0);
    CU_ASSERT_FATAL(pthread_create(&t[3], NULL, grace_copier, NULL) == 0);
    for (unsigned int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(grace_errors, 0);
    EXPECT_EQ(g->grant_table->active[10].dev_readers, 0);
    EXPECT_EQ(g->grant_table->active[11].dev_writers, 0);
    EXPECT_EQ(in_use(g, 10), 0);
    EXPECT_EQ(in_use(g, 11), 0);
    EXPECT_EQ(fi(f10)->count, 0);
    EXPECT_EQ(fi(f11)->count, 0);
    EXPECT_EQ(fi(f11)->type_count, 0);
    EXPECT_EQ(fi(grace_frame[1])->count, 0);
    for (unsigned int h = 0; h < m->grant_table->maptrack_nr; h++)
        CU_ASSERT(rec_free(m, h));
    current = NULL;
}

void suite_grant(void)
{
    static const struct unit_test tests[] = {
        { "setup_table", test_setup_table },
        { "map_cases", test_map_cases },
        { "map_unmap_flags", test_map_unmap_flags },
        { "map_batch", test_map_batch },
        { "maptrack_exhaustion", test_maptrack_exhaustion },
        { "copy", test_copy },
        { "destroy_mapper", test_destroy_mapper },
        { "race_map_unmap", test_race_map_unmap },
        { "destroy_mapper_unmap_fails", test_destroy_mapper_unmap_fails },
        { "destroy_granter", test_destroy_granter },
        { "unmap_flushes_mapper_cpus", test_unmap_flushes_mapper_cpus },
        { "grant_frames_outlive_mappings", test_grant_frames_outlive_mappings },
        { "hypercall_edge", test_hypercall_edge },
        { "preempted_batch", test_preempted_batch },
    };

    ADD_SUITE("grant", tests);
}
