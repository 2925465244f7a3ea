/* test_layout.c: the PV start-of-day layout (hypervisor/arch/x86/pv/pv_layout.c). */
#include <CUnit/CUnit.h>
#include <asm/pv_layout.h>

#define VB 0xffffffff80000000ULL

static void test_small_guest(void)
{
    struct pv_layout l;

    /* 8 MiB, a 200 KiB kernel, no initrd: p2m one page, four tables, region 4 MiB. */
    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB + 200 * 1024, 2048, 0, &l), 0);
    CU_ASSERT_EQUAL(l.kernel_end, 50);
    CU_ASSERT_EQUAL(l.initrd, 50);
    CU_ASSERT_EQUAL(l.p2m, 50);
    CU_ASSERT_EQUAL(l.p2m_pages, 4);
    CU_ASSERT_EQUAL(l.start_info, 54);
    CU_ASSERT_EQUAL(l.xenstore, 55);
    CU_ASSERT_EQUAL(l.console, 56);
    CU_ASSERT_EQUAL(l.pt, 57);
    CU_ASSERT_EQUAL(l.nr_pt, 5);                     /* L4, L3, L2, two L1s for 4 MiB */
    CU_ASSERT_EQUAL(l.stack, 62);
    CU_ASSERT_EQUAL(l.v_end, VB + (4ULL << 20));
    CU_ASSERT_EQUAL(pv_layout_pages(&l), 1024);
}

static void test_region_covers_everything(void)
{
    struct pv_layout l;

    /* A Linux-sized kernel (40 MiB image) with a 3 MiB initrd in 512 MiB. */
    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB + (40ULL << 20), 131072, 3 << 20, &l), 0);
    CU_ASSERT_EQUAL(l.initrd_pages, 768);
    CU_ASSERT_EQUAL(l.p2m_pages, 256);
    CU_ASSERT(l.stack < pv_layout_pages(&l));
    CU_ASSERT(((l.stack + 1) << PV_PAGE_SHIFT) + (512 << 10) <= l.v_end - l.v_start);
    CU_ASSERT(l.nr_pt >= 3 + pv_layout_pages(&l) / 512);   /* one L1 per 2 MiB mapped */
    CU_ASSERT_EQUAL(l.v_end % (4ULL << 20), 0);
}

static void test_refusals(void)
{
    struct pv_layout l;

    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB + (6ULL << 20), 1024, 0, &l), -12);  /* 4 MiB */
    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB - 1, 2048, 0, &l), -22);
    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB + (2ULL << 30), 1 << 20, 0, &l), -22);
    CU_ASSERT_EQUAL(pv_layout_compute(VB, VB + 4096, 2048, 2ULL << 30, &l), -22);
    /* the region would cross a 1 GiB boundary */
    CU_ASSERT_EQUAL(pv_layout_compute(VB + (1ULL << 30) - (2ULL << 20), VB + (1ULL << 30) - 4096,
                                      4096, 0, &l), -22);
}

void register_layout_tests(void)
{
    CU_pSuite s = CU_add_suite("layout", NULL, NULL);

    CU_add_test(s, "small_guest", test_small_guest);
    CU_add_test(s, "region_covers_everything", test_region_covers_everything);
    CU_add_test(s, "refusals", test_refusals);
}
