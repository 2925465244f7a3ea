/* common/frame_alloc.c: a private pool per test, checked against its own bitmap. */
#include <hv/frame.h>

#include "harness.h"

#define NR 256
static u64 bm[NR / 64];
static struct frame_info info[NR];
static struct frame_pool pool;

static bool used(mfn_t i) { return bm[i / 64] & (1ULL << (i % 64)); }

/* Invariant: nr_free is the number of clear bits, and free frames are owned by FREE. */
static void check_consistent(void)
{
    mfn_t clear = 0;

    for (mfn_t i = 0; i < NR; i++) {
        clear += !used(i);
        if (!used(i)) {
            CU_ASSERT_EQUAL(info[i].owner, FRAME_OWNER_FREE);
        } else {
            CU_ASSERT_NOT_EQUAL(info[i].owner, FRAME_OWNER_FREE);
        }
    }
    EXPECT_EQ(clear, pool.nr_free);
}

static void fresh(mfn_t free_first, mfn_t free_count)
{
    memset(bm, 0, sizeof(bm));
    memset(info, 0, sizeof(info));
    frame_pool_init(&pool, bm, info, NR);
    frame_pool_free_range(&pool, free_first, free_count);
}

static void test_init_all_reserved(void)
{
    fresh(0, 0);
    EXPECT_EQ(pool.nr_free, 0);
    EXPECT_EQ(pool.nr_frames, NR);
    for (mfn_t i = 0; i < NR; i++) {
        CU_ASSERT(used(i));
        CU_ASSERT_EQUAL(frame_owner(&pool, i), FRAME_OWNER_RESERVED);
    }
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 1, 1), INVALID_MFN);
    check_consistent();
}

static void test_free_range(void)
{
    fresh(16, 100);
    EXPECT_EQ(pool.nr_free, 100);
    CU_ASSERT(used(15));
    CU_ASSERT(!used(16));
    CU_ASSERT(!used(115));
    CU_ASSERT(used(116));
    CU_ASSERT_EQUAL(frame_owner(&pool, 16), FRAME_OWNER_FREE);
    frame_pool_free_range(&pool, 100, 30);            /* overlapping: only 116..129 are new */
    EXPECT_EQ(pool.nr_free, 114);
    frame_pool_free_range(&pool, NR - 4, 100);        /* clipped at the end of the pool */
    EXPECT_EQ(pool.nr_free, 118);
    check_consistent();
}

static void test_reserve_range(void)
{
    fresh(0, NR);
    frame_pool_reserve_range(&pool, 10, 6);
    EXPECT_EQ(pool.nr_free, NR - 6);
    CU_ASSERT_EQUAL(frame_owner(&pool, 10), FRAME_OWNER_RESERVED);
    CU_ASSERT_EQUAL(frame_owner(&pool, 15), FRAME_OWNER_RESERVED);
    CU_ASSERT_EQUAL(frame_owner(&pool, 16), FRAME_OWNER_FREE);
    frame_pool_reserve_range(&pool, 8, 4);            /* 10, 11 already reserved */
    EXPECT_EQ(pool.nr_free, NR - 8);
    frame_pool_reserve_range(&pool, NR - 2, 50);      /* clipped */
    EXPECT_EQ(pool.nr_free, NR - 10);
    /* The allocator never hands out reserved frames. */
    for (mfn_t m; (m = frame_alloc(&pool, 1, 1, 3)) != INVALID_MFN;)
        CU_ASSERT(m < 8 || (m >= 16 && m < NR - 2));
    EXPECT_EQ(pool.nr_free, 0);
    check_consistent();
}

static void test_alloc_aligned_contiguous(void)
{
    static const struct { mfn_t count, align; } cases[] = {
        { 1, 1 }, { 3, 1 }, { 4, 4 }, { 5, 8 }, { 16, 16 }, { 2, 64 }, { 1, 128 },
    };

    for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
        fresh(1, NR - 1);                             /* frame 0 unusable: nothing aligned at 0 */
        mfn_t m = frame_alloc(&pool, cases[c].count, cases[c].align, 7);

        CU_ASSERT_NOT_EQUAL_FATAL(m, INVALID_MFN);
        EXPECT_EQ(m % cases[c].align, 0);
        CU_ASSERT(m >= 1 && m + cases[c].count <= NR);
        for (mfn_t i = m; i < m + cases[c].count; i++) {
            CU_ASSERT(used(i));
            CU_ASSERT_EQUAL(frame_owner(&pool, i), 7);
        }
        CU_ASSERT_EQUAL(frame_owner(&pool, m + cases[c].count), m + cases[c].count < NR ?
                        FRAME_OWNER_FREE : FRAME_OWNER_RESERVED);
        EXPECT_EQ(pool.nr_free, NR - 1 - cases[c].count);
        check_consistent();
    }
}

static void test_alloc_bad_args(void)
{
    fresh(0, NR);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 0, 1, 1), INVALID_MFN);     /* nothing */
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 0, 1), INVALID_MFN);     /* align 0 */
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 3, 1), INVALID_MFN);     /* not a power of two */
    CU_ASSERT_EQUAL(frame_alloc(&pool, NR + 1, 1, 1), INVALID_MFN);
    EXPECT_EQ(pool.nr_free, NR);
}

static void test_fragmented_no_run(void)
{
    fresh(0, 0);
    for (mfn_t i = 0; i < NR; i += 2)
        frame_pool_free_range(&pool, i, 1);           /* every other frame */
    EXPECT_EQ(pool.nr_free, NR / 2);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 2, 1, 1), INVALID_MFN);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 2, 1), 0);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 4, 1), 4);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 1, 1), 6);  /* next fit after the last one */
    check_consistent();
}

static void test_wraps_to_start(void)
{
    fresh(0, 8);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 4, 1, 1), 0);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 4, 1, 1), 4);
    CU_ASSERT_EQUAL(frame_free(&pool, 0, 2), 0);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 2, 1, 2), 0);  /* search past the hint wraps */
    CU_ASSERT_EQUAL(frame_owner(&pool, 1), 2);
    check_consistent();
}

static void test_exhaustion(void)
{
    fresh(0, 64);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 65, 1, 1), INVALID_MFN);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 60, 1, 1), 0);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 8, 1, 1), INVALID_MFN);     /* only 4 left */
    CU_ASSERT_EQUAL(frame_alloc(&pool, 4, 1, 1), 60);
    EXPECT_EQ(pool.nr_free, 0);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 1, 1, 1), INVALID_MFN);
    check_consistent();
}

static void test_free_errors(void)
{
    static const struct { const char *what; mfn_t first, count; } bad[] = {
        { "first past the end", NR, 1 },
        { "far past the end", ~0UL - 1, 1 },
        { "count past the end", NR - 2, 3 },
        { "count wraps", 10, ~0UL - 5 },
        { "a free frame", 40, 1 },
        { "run ending in a free frame", 36, 5 },
        { "a reserved frame", NR - 1, 1 },
        { "run ending in a reserved frame", 30, NR - 30 },
    };

    fresh(0, NR);
    frame_pool_reserve_range(&pool, NR - 1, 1);
    CU_ASSERT_EQUAL(frame_alloc(&pool, 40, 1, 9), 0);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        CU_ASSERT_EQUAL(frame_free(&pool, bad[i].first, bad[i].count), -EINVAL);
        EXPECT_EQ(pool.nr_free, NR - 41);
    }
    /* The partly free run above must not have freed its allocated part. */
    CU_ASSERT_EQUAL(frame_owner(&pool, 36), 9);
    CU_ASSERT_EQUAL(frame_free(&pool, 0, 40), 0);
    CU_ASSERT_EQUAL(frame_free(&pool, 0, 40), -EINVAL);           /* double free */
    CU_ASSERT_EQUAL(frame_free(&pool, 5, 1), -EINVAL);
    EXPECT_EQ(pool.nr_free, NR - 1);
    check_consistent();
}

static void test_cycles_return_to_baseline(void)
{
    struct { mfn_t m, n; } live[32];
    unsigned int nlive = 0;
    u32 seed = 12345;
    u64 before[NR / 64];

    fresh(3, NR - 20);
    memcpy(before, bm, sizeof(bm));
    for (int round = 0; round < 2000; round++) {
        seed = seed * 1103515245 + 12345;
        if (nlive < ARRAY_SIZE(live) && (seed >> 16) % 3) {
            mfn_t n = 1 + (seed >> 8) % 7, align = 1UL << ((seed >> 4) % 4);
            mfn_t m = frame_alloc(&pool, n, align, 4);

            if (m != INVALID_MFN) {
                CU_ASSERT_EQUAL(m % align, 0);
                live[nlive].m = m;
                live[nlive++].n = n;
            }
        } else if (nlive) {
            unsigned int k = (seed >> 16) % nlive;

            CU_ASSERT_EQUAL(frame_free(&pool, live[k].m, live[k].n), 0);
            live[k] = live[--nlive];
        }
    }
    check_consistent();
    while (nlive--)
        CU_ASSERT_EQUAL(frame_free(&pool, live[nlive].m, live[nlive].n), 0);
    EXPECT_EQ(pool.nr_free, NR - 20);
    CU_ASSERT(!memcmp(before, bm, sizeof(bm)));
    check_consistent();
}

/* Every frame an owner is handed lies in its span, until a reset empties it. */
static void test_span_covers_every_alloc(void)
{
    mfn_t lo, hi, a, b, c;

    fresh(0, NR);
    frame_span_get(&pool, 7, &lo, &hi);
    CU_ASSERT(lo >= hi);                              /* empty */
    a = frame_alloc(&pool, 3, 1, 7);                  /* 0..2 */
    b = frame_alloc(&pool, 10, 1, 8);                 /* another owner between */
    c = frame_alloc(&pool, 4, 4, 7);
    CU_ASSERT(a != INVALID_MFN && b != INVALID_MFN && c != INVALID_MFN);
    frame_span_get(&pool, 7, &lo, &hi);
    EXPECT_EQ(lo, a);
    EXPECT_EQ(hi, c + 4);
    CU_ASSERT_EQUAL(frame_free(&pool, a, 3), 0);      /* a superset: a free keeps it */
    frame_span_get(&pool, 7, &lo, &hi);
    EXPECT_EQ(lo, a);
    frame_span_reset(&pool, 7);
    frame_span_get(&pool, 7, &lo, &hi);
    CU_ASSERT(lo >= hi);
    frame_span_get(&pool, 8, &lo, &hi);               /* the other owner's is its own */
    EXPECT_EQ(lo, b);
    EXPECT_EQ(hi, b + 10);
    CU_ASSERT(frame_alloc(&pool, 1, 1, FRAME_OWNER_HV) != INVALID_MFN);   /* no span: no harm */
    CU_ASSERT_EQUAL(frame_free(&pool, b, 10), 0);
    CU_ASSERT_EQUAL(frame_free(&pool, c, 4), 0);
}

static const struct unit_test tests[] = {
    { "init_all_reserved", test_init_all_reserved },
    { "free_range", test_free_range },
    { "reserve_range", test_reserve_range },
    { "alloc_aligned_contiguous", test_alloc_aligned_contiguous },
    { "alloc_bad_args", test_alloc_bad_args },
    { "fragmented_no_run", test_fragmented_no_run },
    { "search_wraps_to_start", test_wraps_to_start },
    { "exhaustion", test_exhaustion },
    { "free_errors", test_free_errors },
    { "cycles_return_to_baseline", test_cycles_return_to_baseline },
    { "span_covers_every_alloc", test_span_covers_every_alloc },
};

void suite_frame(void)
{
    ADD_SUITE("frame", tests);
}
