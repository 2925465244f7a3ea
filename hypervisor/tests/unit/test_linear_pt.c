/*
 * Linear (recursive) page tables in arch/x86/pv/page_type.c, with Xen's
 * restrictions: read-only, same level, self-maps without a reference, other
 * tables only when validated and one step deep; every reference comes back.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define DOM   3
#define OTHER 4
#define RO    (_PAGE_PRESENT | _PAGE_USER)
#define RW    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

static struct domain *dom, *other;

static struct frame_info *fi(mfn_t m) { return &hv_frames.info[m]; }
static u64 *tab(mfn_t m) { return hv_mfn_to_virt(m); }
static u64 pte(mfn_t m, u64 flags) { return ((u64)m << PAGE_SHIFT) | flags; }
static enum frame_type type_of(unsigned int level) { return PGT_l1 + level - 1; }

static mfn_t frame_of(domid_t owner)
{
    mfn_t m = frame_alloc(&hv_frames, 1, 1, owner);

    CU_ASSERT_FATAL(m != INVALID_MFN);
    memset(hv_mfn_to_virt(m), 0, PAGE_SIZE);
    return m;
}

/* A table of `level` pinned by dom (or `owner`). */
static mfn_t pinned(unsigned int level, struct domain *owner)
{
    mfn_t m = frame_of(owner->id);

    CU_ASSERT_FATAL(page_pin(m, type_of(level), owner) == 0);
    return m;
}

static void setup(void)
{
    dom = harness_domain(DOM, 1, false);
    other = harness_domain(OTHER, 1, false);
}

#define EXPECT_REFS(m, c, tc, lin)                                                \
    do {                                                                          \
        EXPECT_EQ(fi(m)->count, (c));                                             \
        EXPECT_EQ(fi(m)->type_count, (tc));                                       \
        EXPECT_EQ(fi(m)->linear, (lin));                                          \
    } while (0)

#define EXPECT_UNREF(m)                                                           \
    do {                                                                          \
        EXPECT_REFS(m, 0, 0, 0);                                                  \
        EXPECT_EQ(fi(m)->type, PGT_none);                                         \
    } while (0)

/* A read-only self-map takes no reference; a writable one is refused. */
static void test_self_map(void)
{
    setup();
    for (unsigned int level = 2; level <= 4; level++) {
        mfn_t t = frame_of(DOM);

        tab(t)[300] = pte(t, RO);
        EXPECT_EQ(page_pin(t, type_of(level), dom), 0);
        EXPECT_REFS(t, 1, 1, 0);
        EXPECT_EQ(pt_mod_entry(t, 5, pte(t, RW), level, dom, false), -EINVAL);
        EXPECT_EQ(pt_mod_entry(t, 300, pte(t, RW), level, dom, false), -EINVAL);
        EXPECT_EQ(tab(t)[300] & _PAGE_RW, 0);
        EXPECT_EQ(pt_mod_entry(t, 5, pte(t, RO), level, dom, false), 0);
        EXPECT_REFS(t, 1, 1, 0);
        EXPECT_EQ(pt_mod_entry(t, 5, 0, level, dom, false), 0);
        EXPECT_REFS(t, 1, 1, 0);
        EXPECT_EQ(page_unpin(t, dom), 0);
        EXPECT_UNREF(t);
        tab(t)[300] = pte(t, RW);
        EXPECT_EQ(page_pin(t, type_of(level), dom), -EINVAL);
        EXPECT_UNREF(t);
    }
}

/* Another validated table of the same level: one type reference, counted both ways. */
static void test_other_table(void)
{
    setup();
    for (unsigned int level = 2; level <= 4; level++) {
        mfn_t a = pinned(level, dom), b = pinned(level, dom);

        EXPECT_EQ(pt_mod_entry(a, 3, pte(b, RW), level, dom, false), -EINVAL);
        EXPECT_EQ(pt_mod_entry(a, 3, pte(b, RO), level, dom, false), 0);
        EXPECT_REFS(a, 1, 1, 1);
        EXPECT_REFS(b, 2, 2, -1);
        EXPECT_EQ(pt_mod_entry(a, 4, pte(b, RO), level, dom, false), 0);
        EXPECT_REFS(a, 1, 1, 2);
        EXPECT_REFS(b, 3, 3, -2);
        /* Unpinned, b stays typed while a's entries hold it. */
        EXPECT_EQ(page_unpin(b, dom), 0);
        EXPECT_REFS(b, 2, 2, -2);
        EXPECT_EQ(pt_mod_entry(a, 3, 0, level, dom, false), 0);
        EXPECT_EQ(pt_mod_entry(a, 4, 0, level, dom, false), 0);
        EXPECT_UNREF(b);
        EXPECT_REFS(a, 1, 1, 0);
        EXPECT_EQ(page_unpin(a, dom), 0);
        EXPECT_UNREF(a);
    }
}

/* One step only: no chains, in either direction; self-maps are not steps. */
static void test_one_step(void)
{
    setup();
    for (unsigned int level = 2; level <= 4; level++) {
        mfn_t a = pinned(level, dom), b = pinned(level, dom), c = pinned(level, dom);

        EXPECT_EQ(pt_mod_entry(a, 1, pte(b, RO), level, dom, false), 0);
        EXPECT_EQ(pt_mod_entry(c, 1, pte(a, RO), level, dom, false), -EINVAL);  /* a holds one */
        EXPECT_EQ(pt_mod_entry(b, 1, pte(c, RO), level, dom, false), -EINVAL);  /* b is a target */
        EXPECT_EQ(pt_mod_entry(b, 2, pte(b, RO), level, dom, false), 0);        /* self: fine */
        EXPECT_EQ(pt_mod_entry(a, 2, pte(c, RO), level, dom, false), 0);        /* a fans out */
        EXPECT_REFS(a, 1, 1, 2);
        EXPECT_REFS(b, 2, 2, -1);
        EXPECT_REFS(c, 2, 2, -1);
        /* Unpinning a releases its linear entries. */
        EXPECT_EQ(page_unpin(a, dom), 0);
        EXPECT_UNREF(a);
        EXPECT_REFS(b, 1, 1, 0);
        EXPECT_REFS(c, 1, 1, 0);
        EXPECT_EQ(page_unpin(b, dom), 0);
        EXPECT_EQ(page_unpin(c, dom), 0);
        EXPECT_UNREF(b);
        EXPECT_UNREF(c);
    }
}

/* Not the same level, not validated, not ours, or a count at its limit: refused. */
static void test_refusals(void)
{
    mfn_t l2, l4, theirs, untyped, a, b;

    setup();
    l2 = pinned(2, dom);
    l4 = pinned(4, dom);
    EXPECT_EQ(pt_mod_entry(l4, 1, pte(l2, RO), 4, dom, false), -EINVAL);   /* L4 -> L2 */
    EXPECT_REFS(l2, 1, 1, 0);
    theirs = pinned(4, other);
    EXPECT_EQ(pt_mod_entry(l4, 1, pte(theirs, RO), 4, dom, false), -EINVAL);
    EXPECT_REFS(theirs, 1, 1, 0);
    untyped = frame_of(DOM);
    tab(untyped)[0] = pte(untyped, RW);               /* no L3, no L4: refused both ways */
    EXPECT_EQ(pt_mod_entry(l4, 1, pte(untyped, RO), 4, dom, false), -EINVAL);
    EXPECT_UNREF(untyped);
    a = pinned(3, dom);
    b = pinned(3, dom);
    fi(b)->linear = -0x7fff;
    EXPECT_EQ(pt_mod_entry(a, 1, pte(b, RO), 3, dom, false), -EINVAL);
    fi(b)->linear = 0;
    fi(a)->linear = 0x7fff;
    EXPECT_EQ(pt_mod_entry(a, 1, pte(b, RO), 3, dom, false), -EINVAL);
    fi(a)->linear = 0;
    EXPECT_REFS(a, 1, 1, 0);
    EXPECT_REFS(b, 1, 1, 0);
    mfn_t all[] = { l2, l4, a, b };
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        EXPECT_EQ(page_unpin(all[i], dom), 0);
        EXPECT_UNREF(all[i]);
    }
    EXPECT_EQ(page_unpin(theirs, other), 0);
}

/* Validation takes linear entries as mod does, and a failed validation gives them back. */
static void test_validate_and_rollback(void)
{
    mfn_t a, b, bad;

    setup();
    b = pinned(3, dom);
    a = frame_of(DOM);
    tab(a)[0] = pte(a, RO);
    tab(a)[1] = pte(b, RO);
    EXPECT_EQ(page_pin(a, PGT_l3, dom), 0);
    EXPECT_REFS(a, 1, 1, 1);
    EXPECT_REFS(b, 2, 2, -1);
    EXPECT_EQ(page_unpin(a, dom), 0);
    EXPECT_UNREF(a);
    EXPECT_REFS(b, 1, 1, 0);
    bad = frame_of(DOM);
    tab(a)[2] = pte(bad, _PAGE_PRESENT | _PAGE_PSE);  /* after the linear entries: refused */
    EXPECT_EQ(page_pin(a, PGT_l3, dom), -EINVAL);
    EXPECT_UNREF(a);
    EXPECT_REFS(b, 1, 1, 0);
    EXPECT_EQ(page_unpin(b, dom), 0);
    EXPECT_UNREF(b);
    EXPECT_UNREF(bad);
}

void suite_linear_pt(void)
{
    static const struct unit_test tests[] = {
        { "self_map", test_self_map },
        { "other_table", test_other_table },
        { "one_step", test_one_step },
        { "refusals", test_refusals },
        { "validate_and_rollback", test_validate_and_rollback },
    };

    ADD_SUITE("linear_pt", tests);
}
