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
#include <asm/hvm_elf32.h>

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

/* A two-segment image: code at 1 MiB (file bytes), bss after it (zero-filled by the caller). */
struct test_image {
    struct elf32_ehdr e;
    struct elf32_phdr ph[2];
    u8 code[16];
} __attribute__((aligned(8)));

static void image_init(struct test_image *im)
{
    memset(im, 0, sizeof(*im));
    memcpy(im->e.ident, "\177ELF\1\1\1", 7);
    im->e.type = 2;
    im->e.machine = ELF32_EM_386;
    im->e.entry = 0x100000;
    im->e.phoff = offsetof(struct test_image, ph);
    im->e.phentsize = sizeof(struct elf32_phdr);
    im->e.phnum = 2;
    im->ph[0] = (struct elf32_phdr){ .type = ELF32_PT_LOAD, .offset = offsetof(struct test_image, code),
                                     .paddr = 0x100000, .filesz = 16, .memsz = 16 };
    im->ph[1] = (struct elf32_phdr){ .type = ELF32_PT_LOAD, .paddr = 0x100010, .memsz = 0x1000 };
    memset(im->code, 0xab, sizeof(im->code));
}

static const char *load(const struct test_image *im, size_t len, u8 *mem, u32 *entry)
{
    return elf32_load((const u8 *)im, len, mem, 2 << 20, entry);
}

/* A good image loads at its physical address; every malformed one is refused, nothing copied. */
static void test_elf32_loader(void)
{
    static u8 mem[2 << 20];
    struct test_image im;
    u32 entry = 0;

    image_init(&im);
    CU_ASSERT_PTR_NULL(load(&im, sizeof(im), mem, &entry));
    EXPECT_EQ(entry, 0x100000);
    EXPECT_EQ(mem[0x100000], 0xab);
    EXPECT_EQ(mem[0x10000f], 0xab);
    memset(mem, 0, sizeof(mem));
#define REFUSED(mutation) do {                                                  \
        image_init(&im); mutation;                                              \
        CU_ASSERT_PTR_NOT_NULL(load(&im, sizeof(im), mem, &entry));             \
        EXPECT_EQ(mem[0x100000], 0);                                            \
    } while (0)
    REFUSED(im.e.ident[1] = 'X');                          /* not ELF */
    REFUSED(im.e.ident[4] = 2);                            /* ELF64 */
    REFUSED(im.e.machine = 62);                            /* x86-64 */
    REFUSED(im.e.phentsize = 56);
    REFUSED(im.e.phoff = sizeof(im) - 8);                  /* headers past the end */
    REFUSED(im.e.phoff = 0xffffffffu);
    REFUSED(im.e.phnum = 0xffff);
    REFUSED(im.ph[0].filesz = 17);                         /* past the image's end */
    REFUSED(im.ph[0].offset = 0xfffffff8u);                /* offset + filesz wraps */
    REFUSED(im.ph[0].memsz = 8);                           /* filesz > memsz */
    REFUSED(im.ph[1].paddr = (2 << 20) - 0x800);           /* the second segment past memory */
    REFUSED(im.ph[1].paddr = 0xffffffffu; im.ph[1].memsz = 0xffffffffu);   /* no 32-bit wrap */
    REFUSED(im.e.entry = 2 << 20);                         /* entry past memory */
#undef REFUSED
    CU_ASSERT_PTR_NOT_NULL(load(&im, sizeof(struct elf32_ehdr) - 1, mem, &entry));   /* truncated */
}

void suite_hvm(void)
{
    static const struct unit_test tests[] = {
        { "npt_maps_and_looks_up", test_npt_maps_and_looks_up },
        { "npt_entries_and_refusals", test_npt_entries_and_refusals },
        { "exit_table", test_exit_table },
        { "msrpm_bits", test_msrpm_bits },
        { "iopm_bits", test_iopm_bits },
        { "elf32_loader", test_elf32_loader },
    };

    ADD_SUITE("hvm", tests);
}
