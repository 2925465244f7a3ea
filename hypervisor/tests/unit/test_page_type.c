/*
 * arch/x86/pv/page_type.c: page types, reference counts and the validation
 * rules of direct paging, on hand-made tables in the harness arena.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/sched.h>
#include <hv/timer.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define DOM   3
#define OTHER 4
#define PTE_RESERVED_BIT(b) (1UL << (b))               /* b in 52..62 */

static struct domain *dom, *other;

static struct frame_info *fi(mfn_t m) { return &hv_frames.info[m]; }
static u64 *tab(mfn_t m) { return hv_mfn_to_virt(m); }
static u64 pte(mfn_t m, u64 flags) { return ((u64)m << PAGE_SHIFT) | flags; }

/* A zeroed frame owned by `owner`. */
static mfn_t frame_of(domid_t owner)
{
    mfn_t m = frame_alloc(&hv_frames, 1, 1, owner);

    CU_ASSERT_FATAL(m != INVALID_MFN);
    memset(hv_mfn_to_virt(m), 0, PAGE_SIZE);
    return m;
}

static mfn_t page(void) { return frame_of(DOM); }

static void two_domains(void)
{
    dom = harness_domain(DOM, 1, false);
    other = harness_domain(OTHER, 1, false);
}

/* Asserts a frame holds no references and no type. */
#define EXPECT_UNREF(m)                                                           \
    do {                                                                          \
        EXPECT_EQ(fi(m)->count, 0);                                               \
        EXPECT_EQ(fi(m)->type_count, 0);                                          \
        EXPECT_EQ(fi(m)->type, PGT_none);                                         \
    } while (0)

/* A frame that was allocated and given back: free, so nobody's. */
static mfn_t free_frame(void)
{
    mfn_t m = frame_alloc(&hv_frames, 1, 1, DOM);

    CU_ASSERT_FATAL(m != INVALID_MFN);
    CU_ASSERT_FATAL(frame_free(&hv_frames, m, 1) == 0);
    return m;
}

/* ------------------------------------------------------------- L1 entries */

enum target {
    T_OWN, T_OTHER, T_HV, T_FREE, T_OUT_OF_RANGE, T_HUGE_MFN, T_XENHEAP, T_L1, T_L2,
    T_SEG, T_ORPHAN, T_SELF, T_IO,
};

static const char *const target_names[] = {
    "own", "other domain's", "hypervisor", "free", "out-of-range", "huge mfn", "xenheap",
    "L1 table", "L2 table", "seg_desc", "orphan", "the table itself", "I/O",
};

/* Sets up a target frame of the kind asked; *undo says what to release afterwards. */
static mfn_t make_target(enum target t, mfn_t self, void **hv_page)
{
    mfn_t m;

    *hv_page = NULL;
    switch (t) {
    case T_OWN: return page();
    case T_OTHER: return frame_of(OTHER);
    case T_HV:
        *hv_page = hv_alloc_pages(1);
        CU_ASSERT_FATAL(*hv_page != NULL);
        return hv_virt_to_mfn(*hv_page);
    case T_FREE: return free_frame();
    case T_OUT_OF_RANGE: return HARNESS_ARENA_PAGES + 7;
    case T_HUGE_MFN: return PTE_ADDR_MASK >> PAGE_SHIFT;
    case T_XENHEAP: return dom->shared_info_mfn;
    case T_L1:
        m = page();
        CU_ASSERT_FATAL(page_pin(m, PGT_l1, dom) == 0);
        return m;
    case T_L2:
        m = page();
        CU_ASSERT_FATAL(page_pin(m, PGT_l2, dom) == 0);
        return m;
    case T_SEG:
        m = page();
        CU_ASSERT_FATAL(page_get_and_type(m, PGT_seg_desc, dom) == 0);
        return m;
    case T_ORPHAN:
        m = page();
        CU_ASSERT_FATAL(page_get(m, dom) == 0);      /* a reference keeps it alive ... */
        arch_release_frame(m);                      /* ... after its owner gave it back */
        CU_ASSERT_FATAL(fi(m)->flags & FRAME_F_ORPHAN);
        return m;
    case T_SELF: return self;
    case T_IO:
        m = frame_of(FRAME_OWNER_RESERVED);         /* what mm_init makes of a RAM hole */
        fi(m)->flags |= FRAME_F_IO;
        return m;
    }
    return INVALID_MFN;
}

static void drop_target(enum target t, mfn_t m, void *hv_page)
{
    switch (t) {
    case T_HV: hv_free_pages(hv_page, 1); break;
    case T_IO: fi(m)->flags = 0; fi(m)->owner = FRAME_OWNER_HV; frame_free(&hv_frames, m, 1); break;
    case T_L1: case T_L2: CU_ASSERT(page_unpin(m, dom) == 0); break;
    case T_SEG: page_put_and_type(m); break;
    case T_ORPHAN: page_put(m); CU_ASSERT(fi(m)->owner == FRAME_OWNER_FREE); break;
    default: break;
    }
}

struct entry_case {
    const char *what;
    enum target target;
    u64 flags;
    int rc;
};

static const struct entry_case l1_cases[] = {
    { "RO entry to own frame", T_OWN, _PAGE_PRESENT, 0 },
    { "RW entry to own frame", T_OWN, _PAGE_PRESENT | _PAGE_RW, 0 },
    { "RW user NX accessed dirty", T_OWN,
      _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_NX | _PAGE_ACCESSED | _PAGE_DIRTY, 0 },
    { "RO kernel global", T_OWN, _PAGE_PRESENT | _PAGE_GLOBAL, 0 },
    { "RW to xenheap frame (no type)", T_XENHEAP, _PAGE_PRESENT | _PAGE_RW, 0 },
    { "RO to xenheap frame", T_XENHEAP, _PAGE_PRESENT, 0 },
    { "RO to an L1 table", T_L1, _PAGE_PRESENT, 0 },
    { "RO to an L2 table", T_L2, _PAGE_PRESENT, 0 },
    { "RO to itself (read-only self map)", T_SELF, _PAGE_PRESENT, 0 },
    { "not present, every other bit", T_OTHER, ~(u64)_PAGE_PRESENT, 0 },
    { "not present, reserved+PAT bits", T_OUT_OF_RANGE,
      0x7ff0000000000000UL | _PAGE_PSE | _PAGE_PWT | _PAGE_PCD | _PAGE_RW, 0 },
    /* Xen's codes: RAM that is not the owner's = -EBUSY, not RAM = -EPERM, INVALID_MFN = -EINVAL */
    { "RO to another domain's frame", T_OTHER, _PAGE_PRESENT, -EBUSY },
    { "RW to another domain's frame", T_OTHER, _PAGE_PRESENT | _PAGE_RW, -EBUSY },
    { "to a hypervisor frame", T_HV, _PAGE_PRESENT, -EBUSY },
    { "to a free frame", T_FREE, _PAGE_PRESENT, -EBUSY },
    { "to an mfn past the frame table (I/O)", T_OUT_OF_RANGE, _PAGE_PRESENT, -EPERM },
    { "to a non-RAM frame (I/O)", T_IO, _PAGE_PRESENT, -EPERM },
    { "to the largest mfn (INVALID_MFN)", T_HUGE_MFN, _PAGE_PRESENT | _PAGE_RW, -EINVAL },
    { "to an orphaned frame", T_ORPHAN, _PAGE_PRESENT, -EBUSY },
    { "RW to an L1 table", T_L1, _PAGE_PRESENT | _PAGE_RW, -EBUSY },
    { "RW to an L2 table", T_L2, _PAGE_PRESENT | _PAGE_RW, -EBUSY },
    { "RW to a descriptor page", T_SEG, _PAGE_PRESENT | _PAGE_RW, -EBUSY },
    { "RW to itself", T_SELF, _PAGE_PRESENT | _PAGE_RW, -EBUSY },
    { "PWT", T_OWN, _PAGE_PRESENT | _PAGE_PWT, -EINVAL },
    { "PCD", T_OWN, _PAGE_PRESENT | _PAGE_PCD, -EINVAL },
    { "PAT (bit 7)", T_OWN, _PAGE_PRESENT | _PAGE_PSE, -EINVAL },
    { "available bit 52 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(52), 0 },
    { "available bit 53 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(53), 0 },
    { "available bit 54 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(54), 0 },
    { "available bit 55 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(55), 0 },
    { "available bit 56 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(56), 0 },
    { "available bit 57 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(57), 0 },
    { "available bit 58 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(58), 0 },
    { "available bit 59 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(59), 0 },
    { "available bit 60 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(60), 0 },
    { "available bit 61 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(61), 0 },
    { "available bit 62 (release Xen)", T_OWN, _PAGE_PRESENT | PTE_RESERVED_BIT(62), 0 },
    { "RW bit 62 to own (debug Xen's _PAGE_GNTTAB)", T_OWN, _PAGE_PRESENT | _PAGE_RW | PTE_RESERVED_BIT(62), 0 },
};

static void case_fail(const char *how, const struct entry_case *c, long got)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "%s: %s (target %s, flags %#lx): got %ld, want %d", how, c->what,
             target_names[c->target], (unsigned long)c->flags, got, c->rc);
    FAIL_MSG(msg);
}

/* Checks the references an accepted L1 entry holds on its target. */
static void check_l1_refs(const struct entry_case *c, mfn_t target, u32 count0, u32 tc0)
{
    bool present = c->flags & _PAGE_PRESENT;
    bool typed = present && (c->flags & _PAGE_RW) && !(fi(target)->flags & FRAME_F_XENHEAP);

    if (!frame_valid(&hv_frames, target))
        return;
    if (fi(target)->count != count0 + present || fi(target)->type_count != tc0 + typed)
        case_fail("references", c, fi(target)->count);
    if (typed && fi(target)->type != PGT_writable)
        case_fail("type", c, fi(target)->type);
}

/* Each L1 rule through full-table validation (page_get_and_type of the L1). */
static void test_l1_validate_table(void)
{
    two_domains();
    for (size_t i = 0; i < ARRAY_SIZE(l1_cases); i++) {
        const struct entry_case *c = &l1_cases[i];
        mfn_t l1 = page(), target;
        void *hvp;
        u32 count0 = 0, tc0 = 0;
        int rc;

        target = make_target(c->target, l1, &hvp);
        if (frame_valid(&hv_frames, target)) {
            count0 = fi(target)->count;
            tc0 = fi(target)->type_count;
        }
        tab(l1)[7] = pte(target, c->flags);
        rc = page_get_and_type(l1, PGT_l1, dom);
        if (rc != c->rc)
            case_fail("validate", c, rc);
        if (rc == 0) {
            EXPECT_EQ(fi(l1)->type, PGT_l1);
            EXPECT_EQ(fi(l1)->type_count, 1);
            if (c->target != T_SELF)
                check_l1_refs(c, target, count0, tc0);
            page_put_and_type(l1);
        } else {
            EXPECT_UNREF(l1);
        }
        EXPECT_UNREF(l1);
        if (frame_valid(&hv_frames, target) && c->target != T_SELF &&
            (fi(target)->count != count0 || fi(target)->type_count != tc0))
            case_fail("references after release", c, fi(target)->count);
        drop_target(c->target, target, hvp);
    }
}

/* The same rules for one entry written with pt_mod_entry into a validated L1. */
static void test_l1_mod_entry(void)
{
    two_domains();
    for (size_t i = 0; i < ARRAY_SIZE(l1_cases); i++) {
        const struct entry_case *c = &l1_cases[i];
        mfn_t l1 = page(), target;
        void *hvp;
        u32 count0 = 0, tc0 = 0;
        int rc;

        CU_ASSERT_FATAL(page_get_and_type(l1, PGT_l1, dom) == 0);
        target = make_target(c->target, l1, &hvp);
        if (frame_valid(&hv_frames, target)) {
            count0 = fi(target)->count;
            tc0 = fi(target)->type_count;
        }
        tab(l1)[9] = pte(l1, 0x7fe);                  /* old entry: not present */
        rc = pt_mod_entry(l1, 9, pte(target, c->flags), 1, dom, false);
        if (rc != c->rc)
            case_fail("pt_mod_entry", c, rc);
        if (rc == 0) {
            EXPECT_EQ(tab(l1)[9], pt_adjust_entry(pte(target, c->flags), 1));
            if (c->target != T_SELF)
                check_l1_refs(c, target, count0, tc0);
            CU_ASSERT_EQUAL(pt_mod_entry(l1, 9, 0, 1, dom, false), 0);
        } else {
            EXPECT_EQ(tab(l1)[9], pte(l1, 0x7fe));     /* refused: the slot is unchanged */
        }
        if (frame_valid(&hv_frames, target) && c->target != T_SELF &&
            (fi(target)->count != count0 || fi(target)->type_count != tc0))
            case_fail("references after clearing", c, fi(target)->count);
        page_put_and_type(l1);
        EXPECT_UNREF(l1);
        drop_target(c->target, target, hvp);
    }
}

/* ------------------------------------------------------------ L2-L4 entries */

enum ln_target {
    LN_NEXT, LN_OTHER, LN_FREE, LN_OUT, LN_SAME, LN_SELF, LN_WRITABLE, LN_SKIP, LN_XENHEAP,
};

struct ln_case {
    const char *what;
    enum ln_target target;
    u64 flags;
    int rc;
};

#define P (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
static const struct ln_case ln_cases[] = {
    { "to a next-level table", LN_NEXT, P, 0 },
    { "read-only, kernel", LN_NEXT, _PAGE_PRESENT, 0 },
    { "NX accessed dirty", LN_NEXT, P | _PAGE_NX | _PAGE_ACCESSED | _PAGE_DIRTY, 0 },
    { "next level table mapped by two entries", LN_SKIP, P, 0 },
    { "not present, every other bit", LN_OTHER, ~(u64)_PAGE_PRESENT, 0 },
    { "PSE (superpage)", LN_NEXT, P | _PAGE_PSE, -EINVAL },
    { "GLOBAL", LN_NEXT, P | _PAGE_GLOBAL, -EINVAL },
    { "PWT", LN_NEXT, P | _PAGE_PWT, -EINVAL },
    { "PCD", LN_NEXT, P | _PAGE_PCD, -EINVAL },
    { "available bit 52 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(52), 0 },
    { "available bit 53 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(53), 0 },
    { "available bit 54 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(54), 0 },
    { "available bit 55 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(55), 0 },
    { "available bit 56 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(56), 0 },
    { "available bit 57 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(57), 0 },
    { "available bit 58 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(58), 0 },
    { "available bit 59 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(59), 0 },
    { "available bit 60 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(60), 0 },
    { "available bit 61 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(61), 0 },
    { "available bit 62 (release Xen)", LN_NEXT, P | PTE_RESERVED_BIT(62), 0 },
    { "to another domain's frame", LN_OTHER, P, -EINVAL },
    { "to a free frame", LN_FREE, P, -EINVAL },
    { "to an mfn past the frame table", LN_OUT, P, -EINVAL },
    { "to a table of the same level (linear)", LN_SAME, P, -EINVAL },
    { "to itself (recursive)", LN_SELF, P, -EINVAL },
    { "to a frame mapped writable", LN_WRITABLE, P, -EINVAL },
    { "to a xenheap frame (shared_info)", LN_XENHEAP, P, -EINVAL },
};
#undef P

static void ln_fail(const char *how, unsigned int level, const struct ln_case *c, long got)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "%s: L%u %s (flags %#lx): got %ld, want %d", how, level, c->what,
             (unsigned long)c->flags, got, c->rc);
    FAIL_MSG(msg);
}

/*
 * An L2/L3/L4 at `level` with one entry (slot 3) of each case. The next-level
 * target is an empty table, or, for level 3 and 4, a table that itself holds
 * a valid chain down to a data page, so acceptance takes the whole chain.
 */
static void run_ln_case(unsigned int level, const struct ln_case *c, bool via_mod)
{
    mfn_t t = page(), target = INVALID_MFN, data = page(), writer = INVALID_MFN, same = INVALID_MFN;
    enum frame_type type = PGT_l1 + level - 1, next = PGT_l1 + level - 2;
    int rc;

    switch (c->target) {
    case LN_NEXT: case LN_SKIP: target = page(); break;
    case LN_OTHER: target = frame_of(OTHER); break;
    case LN_FREE: target = free_frame(); break;
    case LN_OUT: target = HARNESS_ARENA_PAGES + 1; break;
    case LN_SAME:
        same = page();
        CU_ASSERT_FATAL(page_pin(same, type, dom) == 0);
        target = same;
        break;
    case LN_SELF: target = t; break;
    case LN_XENHEAP: target = dom->shared_info_mfn; break;
    case LN_WRITABLE:
        target = page();
        writer = page();
        tab(writer)[0] = pte(target, _PAGE_PRESENT | _PAGE_RW);
        CU_ASSERT_FATAL(page_pin(writer, PGT_l1, dom) == 0);
        break;
    }
    if (c->target == LN_NEXT && level == 2)
        tab(target)[1] = pte(data, _PAGE_PRESENT | _PAGE_RW);   /* an L1 mapping data RW */
    if (via_mod) {
        CU_ASSERT_FATAL(page_get_and_type(t, type, dom) == 0);
    } else {
        tab(t)[3] = pte(target, c->flags);
        if (c->target == LN_SKIP)
            tab(t)[4] = pte(target, _PAGE_PRESENT);
    }
    rc = via_mod ? pt_mod_entry(t, 3, pte(target, c->flags), level, dom, false)
                 : page_get_and_type(t, type, dom);
    if (via_mod && rc == 0 && c->target == LN_SKIP)
        rc = pt_mod_entry(t, 4, pte(target, _PAGE_PRESENT), level, dom, false);
    if (rc != c->rc)
        ln_fail(via_mod ? "pt_mod_entry" : "validate", level, c, rc);
    if (rc == 0 && (c->flags & _PAGE_PRESENT)) {
        unsigned int refs = c->target == LN_SKIP ? 2 : 1;

        if (fi(target)->type != next || fi(target)->type_count != refs || fi(target)->count != refs)
            ln_fail("target references", level, c, fi(target)->type_count);
        EXPECT_EQ(tab(t)[3], pt_adjust_entry(pte(target, c->flags), level));
        if (level == 2 && c->target == LN_NEXT) {
            EXPECT_EQ(fi(data)->count, 1);
            EXPECT_EQ(fi(data)->type, PGT_writable);
        }
    }
    if (rc && via_mod) {
        EXPECT_EQ(tab(t)[3], 0);                    /* refused: slot untouched */
    }
    if (via_mod || rc == 0)
        page_put_and_type(t);
    EXPECT_UNREF(t);
    if (c->target != LN_OTHER && c->target != LN_OUT && c->target != LN_FREE &&
        c->target != LN_SAME && c->target != LN_WRITABLE) {
        if (fi(target)->count || fi(target)->type_count)
            ln_fail("target references after release", level, c, fi(target)->count);
    }
    EXPECT_UNREF(data);
    if (same != INVALID_MFN) {
        CU_ASSERT(page_unpin(same, dom) == 0);
        EXPECT_UNREF(same);
    }
    if (writer != INVALID_MFN) {
        EXPECT_EQ(fi(target)->type, PGT_writable);  /* the failed attempt left it alone */
        CU_ASSERT(page_unpin(writer, dom) == 0);
        EXPECT_UNREF(target);
    }
}

static void test_ln_validate_table(void)
{
    two_domains();
    for (unsigned int level = 2; level <= 4; level++)
        for (size_t i = 0; i < ARRAY_SIZE(ln_cases); i++)
            run_ln_case(level, &ln_cases[i], false);
}

static void test_ln_mod_entry(void)
{
    two_domains();
    for (unsigned int level = 2; level <= 4; level++)
        for (size_t i = 0; i < ARRAY_SIZE(ln_cases); i++)
            run_ln_case(level, &ln_cases[i], true);
}

/* ------------------------------------------------------------ L4 hypervisor slots */

static void test_l4_hv_slots(void)
{
    mfn_t l4, l3;

    dom = harness_domain(DOM, 1, false);
    l4 = page();
    l3 = page();
    for (unsigned int i = 256; i <= 271; i++)
        tab(l4)[i] = pte(HARNESS_ARENA_PAGES + 99, _PAGE_PRESENT | _PAGE_PSE); /* ignored */
    tab(l4)[0] = pte(l3, _PAGE_PRESENT | _PAGE_RW);
    CU_ASSERT_EQUAL_FATAL(page_pin(l4, PGT_l4, dom), 0);
    /* Guest junk never survives validation: ours installed, the rest cleared. */
    for (unsigned int i = 256; i <= 271; i++) {
        EXPECT_EQ(tab(l4)[i], (i == 256 || i == 262) ? HARNESS_HV_SLOT(i) : 0);
        CU_ASSERT(pt_l4_slot_is_hv(i));
    }
    CU_ASSERT(!pt_l4_slot_is_hv(255));
    CU_ASSERT(!pt_l4_slot_is_hv(272));
    EXPECT_EQ(fi(l3)->type, PGT_l3);
    /* No update can touch them: not even clearing, nor with a valid L3. */
    for (unsigned int i = 256; i <= 271; i++) {
        EXPECT_EQ(pt_mod_entry(l4, i, pte(l3, _PAGE_PRESENT), 4, dom, false), -EINVAL);
        EXPECT_EQ(pt_mod_entry(l4, i, 0, 4, dom, false), -EINVAL);
        EXPECT_EQ(pt_mod_entry(l4, i, 0, 4, dom, true), -EINVAL);
        EXPECT_EQ(tab(l4)[i], (i == 256 || i == 262) ? HARNESS_HV_SLOT(i) : 0);
    }
    EXPECT_EQ(fi(l3)->type_count, 1);
    /* Their neighbours are the guest's. */
    EXPECT_EQ(pt_mod_entry(l4, 255, pte(l3, _PAGE_PRESENT), 4, dom, false), 0);
    EXPECT_EQ(pt_mod_entry(l4, 272, pte(l3, _PAGE_PRESENT), 4, dom, false), 0);
    EXPECT_EQ(fi(l3)->type_count, 3);
    /* Slot 256-271 contents are never released as guest entries. */
    CU_ASSERT_EQUAL(page_unpin(l4, dom), 0);
    EXPECT_UNREF(l4);
    EXPECT_UNREF(l3);
}

/* --------------------------------------------------------- adjusting entries */

static void test_adjust_entry(void)
{
    static const struct { unsigned int level; u64 in, out; } cases[] = {
        { 1, 0x5000 | _PAGE_PRESENT, 0x5000 | _PAGE_PRESENT | _PAGE_USER },
        { 1, 0x5000 | _PAGE_PRESENT | _PAGE_GLOBAL | _PAGE_RW,
          0x5000 | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW },               /* kernel: not global */
        { 1, 0x5000 | _PAGE_PRESENT | _PAGE_USER | _PAGE_GLOBAL,
          0x5000 | _PAGE_PRESENT | _PAGE_USER | _PAGE_GLOBAL },           /* user: stays global */
        { 1, 0x5000 | _PAGE_GLOBAL, 0x5000 | _PAGE_GLOBAL },           /* not present: as is */
        { 1, 0, 0 },
        { 2, 0x5000 | _PAGE_PRESENT, 0x5000 | _PAGE_PRESENT | _PAGE_USER },
        { 3, 0x5000 | _PAGE_PRESENT | _PAGE_RW, 0x5000 | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER },
        { 4, 0x5000 | _PAGE_PRESENT | _PAGE_NX, 0x5000 | _PAGE_PRESENT | _PAGE_NX | _PAGE_USER },
        { 4, 0x5000 | _PAGE_RW, 0x5000 | _PAGE_RW },
    };
    mfn_t l1, l2, data;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        EXPECT_EQ(pt_adjust_entry(cases[i].in, cases[i].level), cases[i].out);

    /* Validation stores the adjusted entries. */
    dom = harness_domain(DOM, 1, false);
    l1 = page();
    l2 = page();
    data = page();
    tab(l1)[0] = pte(data, _PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL);
    tab(l1)[1] = pte(data, _PAGE_PRESENT | _PAGE_USER | _PAGE_GLOBAL);
    tab(l1)[2] = pte(data, _PAGE_GLOBAL);
    tab(l2)[0] = pte(l1, _PAGE_PRESENT | _PAGE_RW);
    CU_ASSERT_EQUAL_FATAL(page_pin(l2, PGT_l2, dom), 0);
    EXPECT_EQ(tab(l1)[0], pte(data, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    EXPECT_EQ(tab(l1)[1], pte(data, _PAGE_PRESENT | _PAGE_USER | _PAGE_GLOBAL));
    EXPECT_EQ(tab(l1)[2], pte(data, _PAGE_GLOBAL));
    EXPECT_EQ(tab(l2)[0], pte(l1, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    /* And so does an update. */
    CU_ASSERT_EQUAL(pt_mod_entry(l1, 3, pte(data, _PAGE_PRESENT | _PAGE_GLOBAL), 1, dom, false), 0);
    EXPECT_EQ(tab(l1)[3], pte(data, _PAGE_PRESENT | _PAGE_USER));
    EXPECT_EQ(fi(data)->count, 3);
    EXPECT_EQ(fi(data)->type_count, 1);
    CU_ASSERT_EQUAL(page_unpin(l2, dom), 0);
    EXPECT_UNREF(l2);
    EXPECT_UNREF(l1);
    EXPECT_UNREF(data);
}

static void test_preserve_ad(void)
{
    mfn_t l1, a, b;

    dom = harness_domain(DOM, 1, false);
    l1 = page();
    a = page();
    b = page();
    tab(l1)[5] = pte(a, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    CU_ASSERT_EQUAL_FATAL(page_pin(l1, PGT_l1, dom), 0);
    /* preserve_ad: the new entry keeps the hardware's A/D bits of the old one. */
    EXPECT_EQ(pt_mod_entry(l1, 5, pte(b, _PAGE_PRESENT | _PAGE_USER), 1, dom, true), 0);
    EXPECT_EQ(tab(l1)[5], pte(b, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY));
    EXPECT_UNREF(a);                                  /* the old entry's references went */
    EXPECT_EQ(fi(b)->count, 1);
    EXPECT_EQ(fi(b)->type_count, 0);                  /* read-only now */
    /* Without it they are the caller's. */
    EXPECT_EQ(pt_mod_entry(l1, 5, pte(b, _PAGE_PRESENT | _PAGE_USER | _PAGE_RW), 1, dom, false), 0);
    EXPECT_EQ(tab(l1)[5], pte(b, _PAGE_PRESENT | _PAGE_USER | _PAGE_RW));
    EXPECT_EQ(fi(b)->count, 1);
    EXPECT_EQ(fi(b)->type, PGT_writable);
    /* Only A and D are kept. */
    tab(l1)[6] = _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_RW | _PAGE_NX | _PAGE_USER;  /* not present */
    EXPECT_EQ(pt_mod_entry(l1, 6, pte(a, _PAGE_PRESENT | _PAGE_USER), 1, dom, true), 0);
    EXPECT_EQ(tab(l1)[6], pte(a, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY));
    EXPECT_EQ(fi(a)->type_count, 0);
    /* A refused update with preserve_ad changes nothing. */
    EXPECT_EQ(pt_mod_entry(l1, 6, pte(a, _PAGE_PRESENT | _PAGE_PCD), 1, dom, true), -EINVAL);
    EXPECT_EQ(tab(l1)[6], pte(a, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY));
    CU_ASSERT_EQUAL(page_unpin(l1, dom), 0);
    EXPECT_UNREF(a);
    EXPECT_UNREF(b);
}

/* pt_mod_entry swaps references: the new target's are taken before the old's go. */
static void test_mod_entry_swaps_references(void)
{
    mfn_t l1, a, b;

    dom = harness_domain(DOM, 1, false);
    l1 = page();
    a = page();
    b = page();
    CU_ASSERT_EQUAL_FATAL(page_pin(l1, PGT_l1, dom), 0);
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(a, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), 0);
    EXPECT_EQ(fi(a)->count, 1);
    EXPECT_EQ(fi(a)->type_count, 1);
    /* Same mapping again: the counts do not grow. */
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(a, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), 0);
    EXPECT_EQ(fi(a)->count, 1);
    EXPECT_EQ(fi(a)->type_count, 1);
    /* RW -> RO of the same frame drops the writable type. */
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(a, _PAGE_PRESENT), 1, dom, false), 0);
    EXPECT_EQ(fi(a)->count, 1);
    EXPECT_EQ(fi(a)->type_count, 0);
    /* Now a can be typed as a table and then not be mapped RW. */
    EXPECT_EQ(page_pin(a, PGT_l1, dom), 0);
    EXPECT_EQ(pt_mod_entry(l1, 1, pte(a, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), -EBUSY);
    EXPECT_EQ(tab(l1)[1], 0);
    EXPECT_EQ(fi(a)->count, 2);                       /* the RO map and the pin */
    EXPECT_EQ(page_unpin(a, dom), 0);
    /* To another frame. */
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(b, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), 0);
    EXPECT_UNREF(a);
    EXPECT_EQ(fi(b)->count, 1);
    /* A refused update leaves the old mapping and its references. */
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(a, _PAGE_PRESENT | _PAGE_PWT), 1, dom, false), -EINVAL);
    EXPECT_EQ(tab(l1)[0], pte(b, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    EXPECT_EQ(fi(b)->count, 1);
    EXPECT_EQ(fi(b)->type_count, 1);
    EXPECT_UNREF(a);
    CU_ASSERT_EQUAL(page_unpin(l1, dom), 0);
    EXPECT_UNREF(b);
}

/* ---------------------------------------------------------------- rollback */

/* A bad entry after many good ones: every reference the good ones took is given back. */
static void test_validation_rollback(void)
{
    static const unsigned int bad_slots[] = { 0, 1, 100, 511 };
    mfn_t data[4];

    two_domains();
    for (int i = 0; i < 4; i++)
        data[i] = page();
    for (size_t b = 0; b < ARRAY_SIZE(bad_slots); b++) {
        mfn_t l1 = page(), l1b = page(), l2 = page(), l3 = page(), l4 = page();
        mfn_t foreign = frame_of(OTHER);
        unsigned int bad = bad_slots[b];

        /* L1: entries to data[], RW and RO, several to the same frame, then a bad one. */
        for (unsigned int i = 0; i < 512; i++)
            tab(l1)[i] = pte(data[i % 4], _PAGE_PRESENT | (i % 3 ? _PAGE_RW : 0));
        tab(l1)[bad] = pte(foreign, _PAGE_PRESENT);
        EXPECT_EQ(page_get_and_type(l1, PGT_l1, dom), -EBUSY);
        EXPECT_UNREF(l1);
        for (int i = 0; i < 4; i++)
            EXPECT_UNREF(data[i]);

        /* The same, one level up: an L2 of good L1s (each taking data refs) and a bad L1. */
        tab(l1)[bad] = pte(data[0], _PAGE_PRESENT);
        tab(l1b)[0] = pte(data[1], _PAGE_PRESENT | _PAGE_RW);
        tab(l1b)[1] = pte(data[2], _PAGE_PRESENT | _PAGE_PCD);           /* bad */
        for (unsigned int i = 0; i < 512; i++)
            tab(l2)[i] = i == bad ? pte(l1b, _PAGE_PRESENT) : (i % 2 ? pte(l1, _PAGE_PRESENT) : 0);
        EXPECT_EQ(page_get_and_type(l2, PGT_l2, dom), -EINVAL);
        EXPECT_UNREF(l2);
        EXPECT_UNREF(l1);
        EXPECT_UNREF(l1b);
        for (int i = 0; i < 4; i++)
            EXPECT_UNREF(data[i]);

        /* And from the top: L4 -> L3 -> (good L2, L2 with a bad L1). */
        memset(tab(l2), 0, PAGE_SIZE);
        tab(l2)[0] = pte(l1, _PAGE_PRESENT | _PAGE_RW);
        {
            mfn_t l2b = page();

            tab(l2b)[5] = pte(l1b, _PAGE_PRESENT);
            tab(l3)[0] = pte(l2, _PAGE_PRESENT);
            tab(l3)[1] = pte(l2b, _PAGE_PRESENT);
            tab(l4)[bad == 511 ? 255 : 0] = pte(l3, _PAGE_PRESENT);
            EXPECT_EQ(page_pin(l4, PGT_l4, dom), -EINVAL);
            CU_ASSERT(!(fi(l4)->flags & FRAME_F_PINNED));
            EXPECT_UNREF(l4);
            EXPECT_UNREF(l3);
            EXPECT_UNREF(l2);
            EXPECT_UNREF(l2b);
            EXPECT_UNREF(l1);
            EXPECT_UNREF(l1b);
            /* Fixed, the same tree is accepted, then released whole. */
            tab(l1b)[1] = pte(data[2], _PAGE_PRESENT);
            EXPECT_EQ(page_pin(l4, PGT_l4, dom), 0);
            EXPECT_EQ(fi(l1b)->type, PGT_l1);
            EXPECT_EQ(fi(data[1])->type, PGT_writable);
            EXPECT_EQ(page_unpin(l4, dom), 0);
            EXPECT_UNREF(l2b);
        }
        EXPECT_UNREF(l4);
        EXPECT_UNREF(l1);
        EXPECT_UNREF(l1b);
        for (int i = 0; i < 4; i++)
            EXPECT_UNREF(data[i]);
    }
}

/* ---------------------------------------------------------------- pin/unpin */

/* A full tree L4 -> L3 -> L2 -> L1 -> data (RW, RO, shared), shared tables counted once per entry. */
static void test_unpin_releases_tree(void)
{
    mfn_t l4, l3, l2, l1a, l1b, rw, ro;

    dom = harness_domain(DOM, 1, false);
    l4 = page(); l3 = page(); l2 = page(); l1a = page(); l1b = page(); rw = page(); ro = page();
    tab(l1a)[0] = pte(rw, _PAGE_PRESENT | _PAGE_RW);
    tab(l1a)[1] = pte(ro, _PAGE_PRESENT);
    tab(l1a)[2] = pte(dom->shared_info_mfn, _PAGE_PRESENT | _PAGE_RW);
    tab(l1b)[0] = pte(rw, _PAGE_PRESENT | _PAGE_RW);
    tab(l1b)[1] = pte(l1a, _PAGE_PRESENT);            /* a table mapped read-only */
    tab(l2)[0] = pte(l1a, _PAGE_PRESENT | _PAGE_RW);
    tab(l2)[1] = pte(l1b, _PAGE_PRESENT | _PAGE_RW);
    tab(l2)[2] = pte(l1a, _PAGE_PRESENT);
    tab(l3)[0] = pte(l2, _PAGE_PRESENT | _PAGE_RW);
    tab(l4)[0] = pte(l3, _PAGE_PRESENT | _PAGE_RW);
    tab(l4)[511] = pte(l3, _PAGE_PRESENT | _PAGE_RW);

    EXPECT_EQ(page_pin(l4, PGT_l4, dom), 0);
    CU_ASSERT(fi(l4)->flags & FRAME_F_PINNED);
    EXPECT_EQ(fi(l4)->type, PGT_l4);   EXPECT_EQ(fi(l4)->count, 1);  EXPECT_EQ(fi(l4)->type_count, 1);
    EXPECT_EQ(fi(l3)->type, PGT_l3);   EXPECT_EQ(fi(l3)->count, 2);  EXPECT_EQ(fi(l3)->type_count, 2);
    EXPECT_EQ(fi(l2)->type, PGT_l2);   EXPECT_EQ(fi(l2)->count, 1);  EXPECT_EQ(fi(l2)->type_count, 1);
    EXPECT_EQ(fi(l1a)->type, PGT_l1);  EXPECT_EQ(fi(l1a)->count, 3); EXPECT_EQ(fi(l1a)->type_count, 2);
    EXPECT_EQ(fi(l1b)->type, PGT_l1);  EXPECT_EQ(fi(l1b)->count, 1); EXPECT_EQ(fi(l1b)->type_count, 1);
    EXPECT_EQ(fi(rw)->type, PGT_writable); EXPECT_EQ(fi(rw)->count, 2); EXPECT_EQ(fi(rw)->type_count, 2);
    EXPECT_EQ(fi(ro)->count, 1);       EXPECT_EQ(fi(ro)->type_count, 0);
    EXPECT_EQ(fi(dom->shared_info_mfn)->count, 1);
    EXPECT_EQ(fi(dom->shared_info_mfn)->type_count, 0);

    /* Pin rules. */
    EXPECT_EQ(page_pin(l4, PGT_l4, dom), -EINVAL);    /* already pinned */
    EXPECT_EQ(fi(l4)->count, 1);
    EXPECT_EQ(page_unpin(l3, dom), -EINVAL);          /* in use, but not pinned */
    EXPECT_EQ(page_pin(rw, PGT_l1, dom), -EINVAL);    /* mapped writable */
    CU_ASSERT(!(fi(rw)->flags & FRAME_F_PINNED));
    EXPECT_EQ(fi(rw)->count, 2);
    EXPECT_EQ(page_pin(l2, PGT_l1, dom), -EINVAL);    /* it is an L2 */
    EXPECT_EQ(page_pin(l2, PGT_l2, dom), 0);          /* as what it is: fine */
    EXPECT_EQ(fi(l2)->type_count, 2);
    EXPECT_EQ(page_unpin(l2, dom), 0);
    EXPECT_EQ(page_pin(HARNESS_ARENA_PAGES, PGT_l1, dom), -EINVAL);
    EXPECT_EQ(page_unpin(HARNESS_ARENA_PAGES, dom), -EINVAL);

    /* Unpinning the root releases the whole tree. */
    EXPECT_EQ(page_unpin(l4, dom), 0);
    CU_ASSERT(!(fi(l4)->flags & FRAME_F_PINNED));
    EXPECT_EQ(page_unpin(l4, dom), -EINVAL);          /* not pinned any more */
    mfn_t all[] = { l4, l3, l2, l1a, l1b, rw, ro, dom->shared_info_mfn };
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        EXPECT_UNREF(all[i]);
    /* Now rw may become a table. */
    EXPECT_EQ(page_pin(rw, PGT_l1, dom), 0);
    EXPECT_EQ(page_unpin(rw, dom), 0);
}

static void test_pin_foreign_and_unpin_foreign(void)
{
    mfn_t mine, theirs;

    two_domains();
    mine = page();
    theirs = frame_of(OTHER);
    EXPECT_EQ(page_pin(theirs, PGT_l1, dom), -EINVAL);
    EXPECT_UNREF(theirs);
    EXPECT_EQ(page_pin(mine, PGT_l1, dom), 0);
    EXPECT_EQ(page_unpin(mine, other), -EINVAL);      /* not theirs to unpin */
    CU_ASSERT(fi(mine)->flags & FRAME_F_PINNED);
    /*
     * A xenheap page is mapped writable without a type, so it must never
     * become a table (or descriptor page): the guest could write its entries.
     */
    for (enum frame_type t = PGT_l1; t <= PGT_seg_desc; t++) {
        EXPECT_EQ(page_pin(dom->shared_info_mfn, t, dom), -EINVAL);
        EXPECT_EQ(page_get_and_type(dom->shared_info_mfn, t, dom), -EINVAL);
    }
    EXPECT_UNREF(dom->shared_info_mfn);
    CU_ASSERT(!(fi(dom->shared_info_mfn)->flags & FRAME_F_PINNED));
    EXPECT_EQ(page_unpin(mine, dom), 0);
    EXPECT_UNREF(mine);
}

/* ---------------------------------------------------------------- overflow */

static void test_count_overflow(void)
{
    mfn_t l1, l2, data;

    dom = harness_domain(DOM, 1, false);
    l1 = page();
    l2 = page();
    data = page();
    CU_ASSERT_EQUAL_FATAL(page_pin(l1, PGT_l1, dom), 0);
    CU_ASSERT_EQUAL_FATAL(page_pin(l2, PGT_l2, dom), 0);

    /* Type count at its maximum: one more writable mapping is refused. */
    fi(data)->type = PGT_writable;
    fi(data)->type_count = PGT_COUNT_MAX;
    fi(data)->count = PGT_COUNT_MAX - 1;
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(data, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), -EBUSY);
    EXPECT_EQ(fi(data)->count, PGT_COUNT_MAX - 1);    /* the general ref was given back */
    EXPECT_EQ(fi(data)->type_count, PGT_COUNT_MAX);
    EXPECT_EQ(tab(l1)[0], 0);
    /* One below: accepted, and then it is full. */
    fi(data)->type_count = PGT_COUNT_MAX - 1;
    EXPECT_EQ(pt_mod_entry(l1, 0, pte(data, _PAGE_PRESENT | _PAGE_RW), 1, dom, false), 0);
    EXPECT_EQ(fi(data)->type_count, PGT_COUNT_MAX);
    EXPECT_EQ(fi(data)->count, PGT_COUNT_MAX);
    /* General count full: even read-only mappings are refused. */
    EXPECT_EQ(pt_mod_entry(l1, 1, pte(data, _PAGE_PRESENT), 1, dom, false), -EBUSY);
    EXPECT_EQ(page_get(data, dom), -EINVAL);
    EXPECT_EQ(page_get_foreign(data, DOM), -EINVAL);
    EXPECT_EQ(fi(data)->count, PGT_COUNT_MAX);
    EXPECT_EQ(pt_mod_entry(l1, 0, 0, 1, dom, false), 0);
    EXPECT_EQ(fi(data)->type_count, PGT_COUNT_MAX - 1);
    EXPECT_EQ(fi(data)->count, PGT_COUNT_MAX - 1);
    fi(data)->type_count = 0;
    fi(data)->type = PGT_none;
    fi(data)->count = 0;

    /* A table's type count at its maximum: no further entry may point at it. */
    fi(l1)->type_count = PGT_COUNT_MAX;
    EXPECT_EQ(pt_mod_entry(l2, 0, pte(l1, _PAGE_PRESENT), 2, dom, false), -EINVAL);
    EXPECT_EQ(fi(l1)->type_count, PGT_COUNT_MAX);
    EXPECT_EQ(fi(l1)->count, 1);
    fi(l1)->type_count = 1;
    EXPECT_EQ(pt_mod_entry(l2, 0, pte(l1, _PAGE_PRESENT), 2, dom, false), 0);
    EXPECT_EQ(fi(l1)->type_count, 2);
    EXPECT_EQ(page_unpin(l2, dom), 0);
    EXPECT_EQ(fi(l1)->type_count, 1);
    EXPECT_EQ(page_unpin(l1, dom), 0);
    EXPECT_UNREF(l1);
    EXPECT_UNREF(l2);
    EXPECT_UNREF(data);
}

/* ---------------------------------------------------------------- release */

static void test_release_frame(void)
{
    mfn_t free_now, mapped, l1;
    mfn_t before;

    dom = harness_domain(DOM, 1, false);
    free_now = page();
    mapped = page();
    l1 = page();
    harness_m2p[free_now] = 0x100;
    harness_m2p[mapped] = 0x101;

    /* No references: back to the pool at once, M2P invalid. */
    before = hv_frames.nr_free;
    arch_release_frame(free_now);
    EXPECT_EQ(hv_frames.nr_free, before + 1);
    EXPECT_EQ(fi(free_now)->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(harness_m2p[free_now], ~0UL);

    /* Still mapped (writable) by a pinned L1: orphaned, freed on the last put. */
    tab(l1)[0] = pte(mapped, _PAGE_PRESENT | _PAGE_RW);
    tab(l1)[1] = pte(mapped, _PAGE_PRESENT);
    CU_ASSERT_EQUAL_FATAL(page_pin(l1, PGT_l1, dom), 0);
    EXPECT_EQ(fi(mapped)->count, 2);
    before = hv_frames.nr_free;
    arch_release_frame(mapped);
    EXPECT_EQ(hv_frames.nr_free, before);
    CU_ASSERT(fi(mapped)->flags & FRAME_F_ORPHAN);
    EXPECT_EQ(fi(mapped)->owner, DOM);
    EXPECT_EQ(harness_m2p[mapped], ~0UL);
    EXPECT_EQ(page_get(mapped, dom), -EINVAL);        /* no new references */
    EXPECT_EQ(page_get_foreign(mapped, DOM), -EINVAL);
    EXPECT_EQ(pt_mod_entry(l1, 2, pte(mapped, _PAGE_PRESENT), 1, dom, false), -EBUSY);
    EXPECT_EQ(pt_mod_entry(l1, 0, 0, 1, dom, false), 0);
    EXPECT_EQ(fi(mapped)->count, 1);
    EXPECT_EQ(hv_frames.nr_free, before);             /* one left */
    EXPECT_EQ(page_unpin(l1, dom), 0);
    EXPECT_EQ(hv_frames.nr_free, before + 1);         /* the last one freed it */
    EXPECT_EQ(fi(mapped)->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(fi(mapped)->flags, 0);
    EXPECT_EQ(fi(mapped)->type_count, 0);
    EXPECT_UNREF(l1);
    EXPECT_EQ(fi(l1)->owner, DOM);
    /* A put without a reference is a bug: an ASSERT here (and in debug builds),
     * a no-op in a release build. */
}

static void test_get_foreign(void)
{
    mfn_t m;

    two_domains();
    m = page();
    EXPECT_EQ(page_get_foreign(m, OTHER), -EINVAL);
    EXPECT_EQ(page_get(m, other), -EINVAL);
    EXPECT_EQ(page_get_foreign(m, DOM), 0);
    EXPECT_EQ(fi(m)->count, 1);
    EXPECT_EQ(page_get_foreign(HARNESS_ARENA_PAGES, DOM), -EINVAL);
    EXPECT_EQ(page_get_foreign(free_frame(), DOM), -EINVAL);
    page_put(m);
    EXPECT_UNREF(m);
}

/*
 * guest_frame.c: a frame the hypervisor holds can become no page table and
 * is not freed when the guest gives it back; only frames of the domain's
 * own that can be writable are held.
 */
static void test_guest_frame_hold(void)
{
    mfn_t m, l1;

    two_domains();
    m = page();
    CU_ASSERT_PTR_EQUAL(arch_guest_frame_hold(dom, m), hv_mfn_to_virt(m));
    EXPECT_EQ(fi(m)->count, 1);
    EXPECT_EQ(fi(m)->type, PGT_writable);
    EXPECT_EQ(page_get_and_type(m, PGT_l1, dom), -EINVAL);     /* no page table */
    CU_ASSERT_FALSE(arch_release_frame(m));                    /* given back: kept */
    EXPECT_EQ(fi(m)->owner, DOM);
    arch_guest_frame_release(m);                               /* last reference: freed */
    EXPECT_UNREF(m);
    CU_ASSERT_PTR_NULL(arch_guest_frame_hold(dom, frame_of(OTHER)));
    CU_ASSERT_PTR_NULL(arch_guest_frame_hold(dom, free_frame()));
    CU_ASSERT_PTR_NULL(arch_guest_frame_hold(dom, HARNESS_ARENA_PAGES));
    l1 = page();
    EXPECT_EQ(page_get_and_type(l1, PGT_l1, dom), 0);
    CU_ASSERT_PTR_NULL(arch_guest_frame_hold(dom, l1));        /* a table: never writable */
    EXPECT_EQ(fi(l1)->count, 1);
    page_put_and_type(l1);
    EXPECT_UNREF(l1);
}

/* ------------------------------------------------- preemptible (de)validation */

/*
 * With a timer due every preempt check says yield: each call does one unit
 * (an L1, or one entry of an L2-L4) and leaves the tree partial. A tree:
 * l4 -> l3 -> l2a, l2b; l2a -> 3 L1s, l2b -> 2 L1s + the first again.
 */
static struct hv_timer due;
static mfn_t t_l4, t_l3, t_l2[2], t_l1[5], t_data;

static void nothing(void *data) { }

static void preempt_on(bool on)
{
    if (on) {
        harness_set_tsc(1000);
        timer_init(&due, nothing, NULL);
        timer_set(&due, 500);
    } else {
        timer_stop(&due);
    }
}

static void build_tree(void)
{
    dom = harness_domain(DOM, 1, false);
    harness_set_current(dom);
    t_l4 = page(); t_l3 = page(); t_l2[0] = page(); t_l2[1] = page(); t_data = page();
    for (int i = 0; i < 5; i++) {
        t_l1[i] = page();
        for (int j = 0; j < 8; j++)
            tab(t_l1[i])[j] = pte(t_data, _PAGE_PRESENT);
    }
    for (int i = 0; i < 3; i++)
        tab(t_l2[0])[i] = pte(t_l1[i], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l2[1])[0] = pte(t_l1[3], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l2[1])[1] = pte(t_l1[4], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l2[1])[2] = pte(t_l1[0], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l3)[0] = pte(t_l2[0], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l3)[1] = pte(t_l2[1], _PAGE_PRESENT | _PAGE_RW);
    tab(t_l4)[0] = pte(t_l3, _PAGE_PRESENT | _PAGE_RW);
    tab(t_l4)[1] = pte(t_l3, _PAGE_PRESENT | _PAGE_RW);
}

static void expect_tree_free(void)
{
    mfn_t all[] = { t_l4, t_l3, t_l2[0], t_l2[1], t_l1[0], t_l1[1], t_l1[2], t_l1[3], t_l1[4], t_data };

    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        EXPECT_UNREF(all[i]);
        CU_ASSERT(!(fi(all[i])->flags & (FRAME_F_PARTIAL | FRAME_F_PARTIAL_PTE)));
    }
}

/* The half-validated L4 refuses every other use; nothing it holds changes. */
static void attack_partial(void)
{
    u32 count = fi(t_l4)->count;

    CU_ASSERT(fi(t_l4)->flags & FRAME_F_PARTIAL);
    EXPECT_EQ(fi(t_l4)->type, PGT_l4);
    EXPECT_EQ(fi(t_l4)->type_count, 1);
    EXPECT_EQ(page_get_type(t_l4, PGT_writable, dom), -EBUSY);
    EXPECT_EQ(page_pin(t_l4, PGT_l3, dom), -EINVAL);
    EXPECT_EQ(page_unpin(t_l4, dom), -EINVAL);
    EXPECT_EQ(pt_mod_entry(t_l4, 5, 0, 4, dom, false), -EINVAL);
    EXPECT_EQ(pt_mod_entry_preemptible(t_l3, 0, 0, 3, dom, DOM, false), -EINVAL);
    EXPECT_EQ(fi(t_l4)->count, count);
}

static void test_preempted_pin_and_unpin(void)
{
    unsigned int calls = 1;
    int rc;

    build_tree();
    preempt_on(true);
    rc = page_pin_preemptible(t_l4, PGT_l4, dom);
    EXPECT_EQ(rc, -ERESTART);
    EXPECT_EQ(fi(t_l4)->count, 1);                   /* the partial state's own reference */
    attack_partial();
    for (; rc == -ERESTART && calls < 100; calls++)
        rc = page_pin_preemptible(t_l4, PGT_l4, dom);
    EXPECT_EQ(rc, 0);
    CU_ASSERT(calls > 5);
    CU_ASSERT(fi(t_l4)->flags & FRAME_F_PINNED);
    EXPECT_EQ(fi(t_l4)->count, 1);  EXPECT_EQ(fi(t_l4)->type_count, 1);
    EXPECT_EQ(fi(t_l3)->count, 2);  EXPECT_EQ(fi(t_l3)->type_count, 2);
    EXPECT_EQ(fi(t_l1[0])->type_count, 2);
    EXPECT_EQ(fi(t_data)->count, 5 * 8);
    for (int i = 0; i < 2; i++)
        CU_ASSERT(!(fi(t_l2[i])->flags & FRAME_F_PARTIAL));

    /* The release: the unpin is done, the rest pending in the vCPU until resumed. */
    EXPECT_EQ(page_unpin_preemptible(t_l4, dom), 0);
    EXPECT_EQ(current->arch.pt_release_pending, t_l4);
    CU_ASSERT(fi(t_l4)->flags & FRAME_F_PARTIAL);
    EXPECT_EQ(page_get_type(t_l4, PGT_writable, dom), -EBUSY);
    for (calls = 0; page_release_resume(t_l4, dom) == -ERESTART && calls < 100; calls++)
        ;
    CU_ASSERT(calls > 3 && calls < 100);
    current->arch.pt_release_pending = 0;
    preempt_on(false);
    expect_tree_free();
}

/* A bad entry found late: the error, and the release of what was taken is preemptible too. */
static void test_preempted_pin_fails_late(void)
{
    int rc = -ERESTART;

    build_tree();
    tab(t_l1[4])[9] = pte(t_data, _PAGE_PRESENT | _PAGE_PWT);    /* no cache bits in an L1 */
    preempt_on(true);
    for (unsigned int calls = 0; rc == -ERESTART && calls < 100; calls++)
        rc = page_pin_preemptible(t_l4, PGT_l4, dom);
    EXPECT_EQ(rc, -EINVAL);
    CU_ASSERT(!(fi(t_l4)->flags & FRAME_F_PINNED));
    if (current->arch.pt_release_pending)
        while (page_release_resume(current->arch.pt_release_pending, dom) == -ERESTART)
            ;
    current->arch.pt_release_pending = 0;
    preempt_on(false);
    tab(t_l1[4])[9] = 0;
    expect_tree_free();
    EXPECT_EQ(page_pin(t_l4, PGT_l4, dom), 0);      /* the same tree, fixed: fine */
    EXPECT_EQ(page_unpin(t_l4, dom), 0);
    expect_tree_free();
}

/* A domain that dies with a tree half validated gives every frame back. */
static void test_partial_tree_at_death(void)
{
    build_tree();
    preempt_on(true);
    EXPECT_EQ(page_pin_preemptible(t_l4, PGT_l4, dom), -ERESTART);
    EXPECT_EQ(page_pin_preemptible(t_l4, PGT_l4, dom), -ERESTART);
    preempt_on(false);
    CU_ASSERT(fi(t_l4)->flags & FRAME_F_PARTIAL);
    harness_reap_all();
    EXPECT_EQ(hv_frames.nr_free, harness_baseline_free);
}

/* Frames DOM owns, orphans aside: a frame leaves it only by being freed. */
static unsigned long frames_owned(void)
{
    unsigned long n = 0;

    for (mfn_t m = 0; m < hv_frames.nr_frames; m++)
        n += fi(m)->owner == DOM && !(fi(m)->flags & FRAME_F_ORPHAN);
    return n;
}

/*
 * Destruction in bounded steps (arch_domain_relinquish): a domain with a
 * pinned tree, the same tree as its base pointer, one pin left half done
 * and hundreds of frames dies while a timer is due. Every reap does a
 * bounded step and stops; meanwhile the domain stays and a frame stops
 * being its own only by going back to the free pool; in the end all do.
 */
static void test_destruction_in_steps(void)
{
    unsigned long free0, owned0, steps = 0;
    mfn_t half = page(), extra;

    build_tree();
    for (unsigned int i = 0; i < 600; i++)
        extra = page();
    tab(half)[0] = pte(t_l3, _PAGE_PRESENT | _PAGE_RW);
    tab(half)[1] = pte(t_l3, _PAGE_PRESENT | _PAGE_RW);
    EXPECT_EQ(page_pin(t_l4, PGT_l4, dom), 0);
    EXPECT_EQ(page_get_and_type(t_l4, PGT_l4, dom), 0);
    current->arch.cr3_kernel = t_l4;
    preempt_on(true);
    EXPECT_EQ(page_pin_preemptible(half, PGT_l4, dom), -ERESTART);
    CU_ASSERT(fi(half)->flags & FRAME_F_PARTIAL);
    domain_shutdown(dom, SHUTDOWN_crash);
    current = NULL;
    free0 = hv_frames.nr_free;
    owned0 = frames_owned();
    CU_ASSERT(owned0 > 600);
    while (domain_reap() && steps < 10000) {
        steps++;
        CU_ASSERT_PTR_EQUAL(hv_domains[DOM], dom);
        EXPECT_EQ(hv_frames.nr_free, free0 + (owned0 - frames_owned()));
    }
    CU_ASSERT(steps >= 5 && steps < 10000);
    CU_ASSERT_PTR_NULL(hv_domains[DOM]);
    preempt_on(false);
    EXPECT_EQ(fi(extra)->owner, FRAME_OWNER_FREE);
    EXPECT_EQ(hv_frames.nr_free, harness_baseline_free);
}

void suite_page_type(void)
{
    static const struct unit_test tests[] = {
        { "l1_validate_table", test_l1_validate_table },
        { "l1_mod_entry", test_l1_mod_entry },
        { "ln_validate_table", test_ln_validate_table },
        { "ln_mod_entry", test_ln_mod_entry },
        { "l4_hv_slots", test_l4_hv_slots },
        { "adjust_entry", test_adjust_entry },
        { "preserve_ad", test_preserve_ad },
        { "mod_entry_swaps_references", test_mod_entry_swaps_references },
        { "validation_rollback", test_validation_rollback },
        { "unpin_releases_tree", test_unpin_releases_tree },
        { "pin_foreign", test_pin_foreign_and_unpin_foreign },
        { "count_overflow", test_count_overflow },
        { "release_frame", test_release_frame },
        { "get_foreign", test_get_foreign },
        { "guest_frame_hold", test_guest_frame_hold },
        { "preempted_pin_and_unpin", test_preempted_pin_and_unpin },
        { "preempted_pin_fails_late", test_preempted_pin_fails_late },
        { "partial_tree_at_death", test_partial_tree_at_death },
        { "destruction_in_steps", test_destruction_in_steps },
    };

    ADD_SUITE("page_type", tests);
}
