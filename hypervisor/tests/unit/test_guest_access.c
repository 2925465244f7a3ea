/* include/hv/guest_access.h: range checks and the checked copies. */
#include <hv/guest_access.h>

#include "harness.h"

static void test_range_ok_table(void)
{
    static const struct { const char *what; unsigned long va; size_t len; bool ok; } cases[] = {
        { "low user page", 0x400000UL, 4096, true },
        { "zero length anywhere", 0xffff800000000000UL, 0, true },
        { "zero length non-canonical", 0x800000000000UL, 0, true },
        { "last byte of the low half", 0x7fffffffffffUL, 1, true },
        { "low half up to its end", 0x7ffffffff000UL, 0x1000, true },
        { "one past the low half", 0x7ffffffff000UL, 0x1001, false },
        { "non-canonical start", 0x800000000000UL, 1, false },
        { "non-canonical middle", 0x0000900000000000UL, 8, false },
        { "spanning the canonical gap", 0x7ffffffff000UL, 0xffff800000000000UL - 0x7ffffffff000UL + 1, false },
        { "first hypervisor byte", 0xffff800000000000UL, 1, false },
        { "inside the hole", 0xffff830000000000UL, 4096, false },
        { "last hole byte", 0xffff87ffffffffffUL, 1, false },
        { "ending in the hole", 0xffff87fffffff000UL, 0x2000, false },
        { "first byte after the hole", 0xffff880000000000UL, 1, true },
        { "kernel text", 0xffffffff80000000UL, 0x100000, true },
        { "last byte of memory", 0xffffffffffffffffUL, 1, true },
        { "wraps around", 0xfffffffffffff000UL, 0x2000, false },
        { "wraps to the same va", 0x1000UL, ~0UL, false },
        { "huge length", 0x1000UL, ~0UL - 0x2000, false },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        if (guest_range_ok(cases[i].va, cases[i].len) != cases[i].ok) {
            char msg[160];

            snprintf(msg, sizeof(msg), "%s: %#lx+%#zx should be %s", cases[i].what, cases[i].va,
                     cases[i].len, cases[i].ok ? "ok" : "refused");
            FAIL_MSG(msg);
        }
    }
}

/* The check as it was first written, one condition at a time: the branch-free
 * guest_range_ok must agree with it at and around every boundary. */
static bool range_ok_reference(unsigned long va, size_t len)
{
    unsigned long last = va + len - 1;
    bool va_canon = ((long)va >> 47) == 0 || ((long)va >> 47) == -1;
    bool last_canon = ((long)last >> 47) == 0 || ((long)last >> 47) == -1;

    if (len == 0)
        return true;
    if (last < va || !va_canon || !last_canon)
        return false;
    if ((va < 0x800000000000UL) != (last < 0x800000000000UL))
        return false;
    return last < GUEST_HOLE_START || va >= GUEST_HOLE_END;
}

static void test_range_ok_matches_reference(void)
{
    static const unsigned long edges[] = {
        0, 0x800000000000UL, 0xffff800000000000UL, 0xffff880000000000UL, 0x1000UL,
        0xffffffff80000000UL, 0x0000900000000000UL,
    };
    unsigned long points[ARRAY_SIZE(edges) * 5];
    size_t n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(edges); i++)
        for (long d = -2; d <= 2; d++)
            points[n++] = edges[i] + (unsigned long)d;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            unsigned long va = points[i], len = points[j] - points[i] + 1;   /* up to points[j] */

            if (guest_range_ok(va, len) != range_ok_reference(va, len) ||
                guest_range_ok(va, points[j]) != range_ok_reference(va, points[j])) {
                char msg[96];

                snprintf(msg, sizeof(msg), "%#lx, last %#lx / len %#lx", va, points[j], points[j]);
                FAIL_MSG(msg);
                return;
            }
        }
    }
}

static void test_bad_ranges_not_copied(void)
{
    static const unsigned long bad[] = {
        0x800000000000UL, 0xffff800000000000UL, 0xffff87fffffffff8UL, 0xfffffffffffffffcUL,
        0x7ffffffffffcUL,
    };
    u64 v = 0x1122334455667788ULL;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        EXPECT_EQ(copy_from_guest(&v, bad[i], sizeof(v)), -EFAULT);
        EXPECT_EQ(copy_to_guest(bad[i], &v, sizeof(v)), -EFAULT);
    }
    EXPECT_EQ(harness_copy_calls, 0);                 /* refused before touching memory */
    EXPECT_EQ(v, 0x1122334455667788ULL);
}

static void test_copies(void)
{
    char guest[64], hv[64];

    memset(guest, 'g', sizeof(guest));
    memset(hv, 'h', sizeof(hv));
    CU_ASSERT_EQUAL(copy_from_guest(hv, (unsigned long)guest, 16), 0);
    CU_ASSERT(!memcmp(hv, "gggggggggggggggghh", 18));
    memset(hv, 'x', 8);
    CU_ASSERT_EQUAL(copy_to_guest((unsigned long)guest + 4, hv, 8), 0);
    CU_ASSERT(!memcmp(guest, "ggggxxxxxxxxgggg", 16));
    CU_ASSERT_EQUAL(copy_to_guest((unsigned long)guest, hv, 0), 0);      /* zero length */
    CU_ASSERT_EQUAL(copy_from_guest(hv, 0xffff800000000000UL, 0), 0);
    CU_ASSERT(!memcmp(guest, "gggg", 4));
}

static void test_faulting_copy(void)
{
    char guest[64], hv[64];

    memset(guest, 'g', sizeof(guest));
    memset(hv, 'h', sizeof(hv));
    harness_fault_range(guest + 32, 32, FAULT_READ | FAULT_WRITE);
    CU_ASSERT_EQUAL(copy_from_guest(hv, (unsigned long)guest, 32), 0);   /* just before */
    CU_ASSERT_EQUAL(copy_from_guest(hv, (unsigned long)guest + 8, 32), -EFAULT);
    CU_ASSERT_EQUAL(copy_to_guest((unsigned long)guest + 31, hv, 2), -EFAULT);
    CU_ASSERT_EQUAL(copy_to_guest((unsigned long)guest + 40, hv, 1), -EFAULT);
    harness_fault_range(guest, 64, FAULT_WRITE);      /* read-only guest page */
    CU_ASSERT_EQUAL(copy_from_guest(hv, (unsigned long)guest, 64), 0);
    CU_ASSERT_EQUAL(copy_to_guest((unsigned long)guest, hv, 1), -EFAULT);
}

/* The handle forms: the same checks, and array offsets that cannot wrap. */
static void test_handles(void)
{
    u32 guest[8] = { 10, 11, 12, 13, 14, 15, 16, 17 }, v = 0;
    guest_handle_t h = guest_handle((unsigned long)guest);

    CU_ASSERT(!guest_handle_is_null(h));
    CU_ASSERT(guest_handle_is_null(guest_handle(0)));
    EXPECT_EQ(copy_from_handle(&v, h, sizeof(v)), 0);
    EXPECT_EQ(v, 10);
    EXPECT_EQ(copy_from_handle(&v, guest_handle_add_offset(h, 3 * sizeof(u32)), sizeof(v)), 0);
    EXPECT_EQ(v, 13);
    EXPECT_EQ(copy_from_handle_offset(&v, h, 7, sizeof(v)), 0);
    EXPECT_EQ(v, 17);
    v = 99;
    EXPECT_EQ(copy_to_handle_offset(h, 2, &v, sizeof(v)), 0);
    EXPECT_EQ(guest[2], 99);
    EXPECT_EQ(copy_to_handle(h, &v, sizeof(v)), 0);
    EXPECT_EQ(guest[0], 99);
    /* An index whose offset overflows, or wraps the address: refused untouched. */
    harness_copy_calls = 0;
    EXPECT_EQ(copy_from_handle_offset(&v, h, ~0UL / 2, sizeof(v)), -EFAULT);
    EXPECT_EQ(copy_to_handle_offset(h, ~0UL / 4, &v, sizeof(v)), -EFAULT);
    EXPECT_EQ(copy_from_handle_offset(&v, guest_handle(0xfffffffffffff000UL), 0x400, 4), -EFAULT);
    EXPECT_EQ(copy_from_handle(&v, guest_handle(0xffff800000000000UL), 4), -EFAULT);
    EXPECT_EQ(copy_to_handle(guest_handle(0x800000000000UL), &v, 4), -EFAULT);
    EXPECT_EQ(harness_copy_calls, 0);
    CU_ASSERT(guest_handle_okay(h, 8, sizeof(u32)));
    CU_ASSERT(!guest_handle_okay(h, ~0UL / 2, sizeof(u32)));        /* nr * size overflows */
    CU_ASSERT(!guest_handle_okay(guest_handle(0xffff800000000000UL), 1, 1));
}

static const struct unit_test tests[] = {
    { "handles", test_handles },
    { "range_ok_table", test_range_ok_table },
    { "range_ok_matches_reference", test_range_ok_matches_reference },
    { "bad_ranges_not_copied", test_bad_ranges_not_copied },
    { "copies", test_copies },
    { "faulting_copy", test_faulting_copy },
};

void suite_guest_access(void)
{
    ADD_SUITE("guest_access", tests);
}
