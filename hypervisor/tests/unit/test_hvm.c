/*
 * The HVM code's pure logic (arch/x86/hvm/): the nested page table built
 * over the harness's frame pool, the exit-dispatch table, and the bits of
 * the MSR and I/O permission maps.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <asm/npt.h>
#include <asm/svm.h>
#include <asm/hvm_exit.h>
#include <asm/hvm_maps.h>

#include "harness.h"

/* Every guest frame maps where it should; lookups elsewhere find nothing. */
static void test_npt_maps_and_looks_up(void)
{
    struct npt n;
    mfn_t free0 = hv_frames.nr_free;

    EXPECT_EQ(npt_init(&n), 0);
    for (u64 pfn = 0; pfn < 1024; pfn++)
        EXPECT_EQ(npt_map(&n, pfn << 12, 0x5000 + pfn), 0);
    /* One L4, one L3, one L2, two L1s (512 entries each). */
    EXPECT_EQ(n.nr_tables, 5);
    EXPECT_EQ(npt_lookup(&n, 0), 0x5000);
    EXPECT_EQ(npt_lookup(&n, 1023ULL << 12), 0x5000 + 1023);
    EXPECT_EQ(npt_lookup(&n, (1023ULL << 12) + 0xabc), 0x5000 + 1023);
    EXPECT_EQ(npt_lookup(&n, 1024ULL << 12), INVALID_MFN);
    EXPECT_EQ(npt_lookup(&n, 0xfee00000ULL), INVALID_MFN);
    EXPECT_EQ(npt_lookup(&n, 1ULL << 48), INVALID_MFN);
    EXPECT_EQ(hv_frames.nr_free, free0 - 5);
    npt_destroy(&n);
    EXPECT_EQ(hv_frames.nr_free, free0);              /* every table back */
    EXPECT_EQ(n.nr_tables, 0);
}

/* Every level of a far address gets its own table; entries are user, writable, present. */
static void test_npt_entries_and_refusals(void)
{
    struct npt n;
    u64 gpa = 0x7fffffff000ULL;                      /* high in the 48-bit space */
    const u64 *t;

    EXPECT_EQ(npt_init(&n), 0);
    EXPECT_EQ(npt_map(&n, gpa, 42), 0);
    EXPECT_EQ(n.nr_tables, 4);
    t = n.root;
    for (int level = 4; level > 1; level--) {
        u64 e = t[(gpa >> (12 + 9 * (level - 1))) & 511];

        EXPECT_EQ(e & 0x7, NPT_PTE_FLAGS);
        t = hv_mfn_to_virt((e & NPT_ADDR_MASK) >> 12);
    }
    EXPECT_EQ(t[(gpa >> 12) & 511], (42ULL << 12) | NPT_PTE_FLAGS);
    EXPECT_EQ(npt_map(&n, gpa, 43), -EEXIST);        /* never silently remapped */
    EXPECT_EQ(npt_map(&n, gpa + 1, 43), -EINVAL);    /* unaligned */
    EXPECT_EQ(npt_map(&n, 1ULL << 48, 43), -EINVAL); /* beyond four levels */
    EXPECT_EQ(npt_lookup(&n, gpa), 42);
    npt_destroy(&n);
}

/* The table sends each intercepted exit to its kind; anything else crashes the domain. */
static void test_exit_table(void)
{
    static const struct { u64 code; enum hvm_exit_kind kind; } cases[] = {
        { SVM_EXIT_INTR, HVM_EXIT_INTR }, { SVM_EXIT_NMI, HVM_EXIT_NMI },
        { SVM_EXIT_CPUID, HVM_EXIT_CPUID }, { SVM_EXIT_MSR, HVM_EXIT_MSR },
        { SVM_EXIT_IOIO, HVM_EXIT_IO }, { SVM_EXIT_HLT, HVM_EXIT_HLT },
        { SVM_EXIT_NPF, HVM_EXIT_NPF }, { SVM_EXIT_SHUTDOWN, HVM_EXIT_SHUTDOWN },
        { SVM_EXIT_TASK_SWITCH, HVM_EXIT_TASK_SWITCH }, { SVM_EXIT_INVALID, HVM_EXIT_INVALID },
        { SVM_EXIT_VMRUN, HVM_EXIT_UD }, { SVM_EXIT_VMMCALL, HVM_EXIT_UD },
        { SVM_EXIT_VMLOAD, HVM_EXIT_UD }, { SVM_EXIT_VMSAVE, HVM_EXIT_UD },
        { SVM_EXIT_STGI, HVM_EXIT_UD }, { SVM_EXIT_CLGI, HVM_EXIT_UD },
        { SVM_EXIT_SKINIT, HVM_EXIT_UD }, { SVM_EXIT_XSETBV, HVM_EXIT_UD },
        { SVM_EXIT_WBINVD, HVM_EXIT_SKIP },
        { 0x000, HVM_EXIT_UNHANDLED },               /* CR0 read: not intercepted */
        { SVM_EXIT_EXCP_BASE + 14, HVM_EXIT_UNHANDLED },
        { 0x8f, HVM_EXIT_UNHANDLED }, { 0x90, HVM_EXIT_UNHANDLED },
        { 0x401, HVM_EXIT_UNHANDLED }, { 1ULL << 40, HVM_EXIT_UNHANDLED },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct hvm_exit_desc *d = hvm_exit_describe(cases[i].code);

        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_PTR_NOT_NULL(d->name);
        EXPECT_EQ(d->kind, cases[i].kind);
    }
}

/* APM 15.11: three 2 KiB ranges, two bits an MSR (read, then write). */
static void test_msrpm_bits(void)
{
    static u8 map[MSRPM_SIZE];

    EXPECT_EQ(msrpm_bit(0, false), 0);
    EXPECT_EQ(msrpm_bit(0, true), 1);
    EXPECT_EQ(msrpm_bit(0x1fff, true), 0x3fff);
    EXPECT_EQ(msrpm_bit(0x2000, false), -1);
    EXPECT_EQ(msrpm_bit(0xc0000080, false), 0x800 * 8 + 0x80 * 2);   /* EFER */
    EXPECT_EQ(msrpm_bit(0xc0010117, true), 0x1000 * 8 + 0x117 * 2 + 1);
    EXPECT_EQ(msrpm_bit(0xc0012000, false), -1);
    EXPECT_EQ(msrpm_bit(0xdeadbeef, false), -1);
    memset(map, 0xff, sizeof(map));
    msrpm_set(map, 0x277, false, true);              /* PAT: reads through, writes exit */
    CU_ASSERT_FALSE(msrpm_intercepts(map, 0x277, false));
    CU_ASSERT_TRUE(msrpm_intercepts(map, 0x277, true));
    CU_ASSERT_TRUE(msrpm_intercepts(map, 0x276, false));
    CU_ASSERT_TRUE(msrpm_intercepts(map, 0x278, true));
    CU_ASSERT_TRUE(msrpm_intercepts(map, 0xdeadbeef, false));   /* no bit: always exits */
    EXPECT_EQ(map[0x277 * 2 / 8], 0xff & ~(1u << ((0x277 * 2) % 8)));
}

static void test_iopm_bits(void)
{
    static u8 map[IOPM_SIZE];

    memset(map, 0xff, sizeof(map));
    iopm_set(map, 0xe9, false);
    CU_ASSERT_FALSE(iopm_intercepts(map, 0xe9));
    CU_ASSERT_TRUE(iopm_intercepts(map, 0xe8));
    CU_ASSERT_TRUE(iopm_intercepts(map, 0xea));
    CU_ASSERT_TRUE(iopm_intercepts(map, 0xffff));
    iopm_set(map, 0xffff, false);
    EXPECT_EQ(map[0x1fff], 0x7f);
    iopm_set(map, 0xe9, true);
    CU_ASSERT_TRUE(iopm_intercepts(map, 0xe9));
}

void suite_hvm(void)
{
    static const struct unit_test tests[] = {
        { "npt_maps_and_looks_up", test_npt_maps_and_looks_up },
        { "npt_entries_and_refusals", test_npt_entries_and_refusals },
        { "exit_table", test_exit_table },
        { "msrpm_bits", test_msrpm_bits },
        { "iopm_bits", test_iopm_bits },
    };

    ADD_SUITE("hvm", tests);
}
