/* common/elf.c: a minimal Xen PV ELF64 built in memory, and malformed variants of it. */
#include <stdlib.h>
#include <hv/elf.h>

#include "harness.h"

#define ehdr elf64_ehdr                              /* the loader's own definitions */
#define phdr elf64_phdr

struct note {
    u32 namesz, descsz, type;
    char name[4];
    u64 desc;
};

#define VIRT_BASE   0xffffffff80000000UL
#define LOAD_PADDR  0x200000UL
#define LOAD_OFF    0x1000UL
#define LOAD_FILESZ 0x2000UL
#define LOAD_MEMSZ  0x5000UL
#define ENTRY       (VIRT_BASE + LOAD_PADDR + 0x100)
#define HC_PAGE     (VIRT_BASE + LOAD_PADDR + 0x1000)
#define IMAGE_LEN   (LOAD_OFF + LOAD_FILESZ)

/* Layout: ehdr @0, 2 phdrs @64, notes @0x100, the loadable bytes @0x1000. */
#define PH_LOAD  0
#define PH_NOTE  1
#define NOTES_OFF 0x100
#define NR_NOTES  5
#define GUEST_OS_NOTE 4

struct image {
    struct ehdr eh;
    struct phdr ph[2];
    u8 pad[NOTES_OFF - sizeof(struct ehdr) - 2 * sizeof(struct phdr)];
    struct note notes[NR_NOTES];
    u8 rest[IMAGE_LEN - NOTES_OFF - NR_NOTES * sizeof(struct note)];
};
_Static_assert(sizeof(struct image) == IMAGE_LEN, "image layout");

static void build(struct image *im)
{
    static const struct { u32 type; u64 value; } notes[NR_NOTES] = {
        { XEN_ELFNOTE_ENTRY, ENTRY },
        { XEN_ELFNOTE_VIRT_BASE, VIRT_BASE },
        { XEN_ELFNOTE_PADDR_OFFSET, 0 },
        { XEN_ELFNOTE_HYPERCALL_PAGE, HC_PAGE },
        { XEN_ELFNOTE_GUEST_OS, 0 },
    };

    memset(im, 0, sizeof(*im));
    memcpy(im->eh.ident, "\x7f" "ELF", 4);
    im->eh.ident[4] = 2;                              /* ELFCLASS64 */
    im->eh.ident[5] = 1;                              /* little endian */
    im->eh.ident[6] = 1;
    im->eh.type = 2;
    im->eh.machine = 62;
    im->eh.version = 1;
    im->eh.entry = VIRT_BASE + LOAD_PADDR;            /* differs from the ENTRY note */
    im->eh.phoff = offsetof(struct image, ph);
    im->eh.ehsize = sizeof(struct ehdr);
    im->eh.phentsize = sizeof(struct phdr);
    im->eh.phnum = 2;
    im->ph[PH_LOAD] = (struct phdr){ .type = 1, .flags = 7, .offset = LOAD_OFF,
                                     .vaddr = VIRT_BASE + LOAD_PADDR, .paddr = LOAD_PADDR,
                                     .filesz = LOAD_FILESZ, .memsz = LOAD_MEMSZ, .align = 0x1000 };
    im->ph[PH_NOTE] = (struct phdr){ .type = 4, .flags = 4, .offset = NOTES_OFF,
                                     .filesz = sizeof(im->notes), .memsz = sizeof(im->notes),
                                     .align = 4 };
    for (int i = 0; i < NR_NOTES; i++) {
        im->notes[i] = (struct note){ .namesz = 4, .descsz = 8, .type = notes[i].type,
                                      .name = "Xen", .desc = notes[i].value };
    }
    memcpy(&im->notes[GUEST_OS_NOTE].desc, "linux", 6);
    im->notes[GUEST_OS_NOTE].descsz = 6;
    for (size_t i = 0; i < sizeof(im->rest); i++)
        im->rest[i] = (u8)i;
}

/* Parses exactly `len` bytes of a heap copy, so any over-read trips ASan. */
static int parse(const struct image *im, size_t len, struct elf_guest_info *info,
                 const char **why)
{
    void *copy = malloc(len ? len : 1);
    int rc;

    memcpy(copy, im, len);
    rc = elf_guest_parse(copy, len, info, why);
    free(copy);
    return rc;
}

static void test_valid_image_notes(void)
{
    struct image im;
    struct elf_guest_info info;
    const char *why = NULL;

    build(&im);
    CU_ASSERT_EQUAL_FATAL(parse(&im, sizeof(im), &info, &why), 0);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT(info.has_xen_notes);
    EXPECT_EQ(info.entry, ENTRY);                     /* the note wins over e_entry */
    EXPECT_EQ(info.virt_base, VIRT_BASE);
    EXPECT_EQ(info.paddr_offset, 0);
    EXPECT_EQ(info.hypercall_page, HC_PAGE);
    EXPECT_EQ(info.pstart, LOAD_PADDR);
    EXPECT_EQ(info.pend, LOAD_PADDR + LOAD_MEMSZ);
    EXPECT_EQ(info.vstart, VIRT_BASE + LOAD_PADDR);
    EXPECT_EQ(info.vend, VIRT_BASE + LOAD_PADDR + LOAD_MEMSZ);
    CU_ASSERT_STRING_EQUAL(info.guest_os, "linux");
}

static void test_notes_variants(void)
{
    struct image im;
    struct elf_guest_info info;
    const char *why = NULL;

    /* No ENTRY note: e_entry is used; no HYPERCALL_PAGE: unset. */
    build(&im);
    im.notes[0].type = XEN_ELFNOTE_LOADER;
    im.notes[3].type = XEN_ELFNOTE_FEATURES;
    CU_ASSERT_EQUAL(parse(&im, sizeof(im), &info, &why), 0);
    EXPECT_EQ(info.entry, VIRT_BASE + LOAD_PADDR);
    EXPECT_EQ(info.hypercall_page, ELF_NOTE_UNSET);

    /* PADDR_OFFSET: the kernel links at VIRT_BASE + paddr - offset. */
    build(&im);
    im.notes[2].desc = 0x100000;
    im.notes[0].desc = VIRT_BASE + LOAD_PADDR - 0x100000 + 0x100;
    CU_ASSERT_EQUAL(parse(&im, sizeof(im), &info, &why), 0);
    EXPECT_EQ(info.paddr_offset, 0x100000);
    EXPECT_EQ(info.vstart, VIRT_BASE + LOAD_PADDR - 0x100000);

    /* Notes with another owner name are skipped. */
    build(&im);
    memcpy(im.notes[3].name, "GNU", 4);
    CU_ASSERT_EQUAL(parse(&im, sizeof(im), &info, &why), 0);
    EXPECT_EQ(info.hypercall_page, ELF_NOTE_UNSET);

    /* A long GUEST_OS is cut to the field, still terminated. */
    build(&im);
    im.notes[GUEST_OS_NOTE].descsz = 8;
    memcpy(&im.notes[GUEST_OS_NOTE].desc, "ABCDEFGH", 8);
    CU_ASSERT_EQUAL(parse(&im, sizeof(im), &info, &why), 0);
    CU_ASSERT_STRING_EQUAL(info.guest_os, "ABCDEFGH");
}

/* Unaligned program headers and notes are valid ELF and read without UB. */
static void test_unaligned_headers(void)
{
    struct image im;
    struct elf_guest_info info;
    const char *why = NULL;
    u8 *b = (u8 *)&im;

    build(&im);
    im.ph[PH_NOTE].offset = NOTES_OFF + 2;
    memmove(b + NOTES_OFF + 2, b + NOTES_OFF, sizeof(im.notes));
    memmove(b + 65, b + 64, 2 * sizeof(struct phdr));
    im.eh.phoff = 65;
    CU_ASSERT_EQUAL(parse(&im, sizeof(im), &info, &why), 0);
    CU_ASSERT_PTR_NULL(why);
    EXPECT_EQ(info.entry, ENTRY);
    EXPECT_EQ(info.hypercall_page, HC_PAGE);
    EXPECT_EQ(info.pend, LOAD_PADDR + LOAD_MEMSZ);
}

/* ----------------------------------------------------- malformed images */

static void m_truncated(struct image *im, size_t *len) { *len = sizeof(struct ehdr) - 1; }
static void m_empty(struct image *im, size_t *len) { *len = 0; }
static void m_magic(struct image *im, size_t *len) { im->eh.ident[1] = 'X'; }
static void m_class32(struct image *im, size_t *len) { im->eh.ident[4] = 1; }
static void m_big_endian(struct image *im, size_t *len) { im->eh.ident[5] = 2; }
static void m_machine(struct image *im, size_t *len) { im->eh.machine = 3; }
static void m_phnum0(struct image *im, size_t *len) { im->eh.phnum = 0; }
static void m_phentsize(struct image *im, size_t *len) { im->eh.phentsize = 32; }
static void m_phoff_past(struct image *im, size_t *len) { im->eh.phoff = IMAGE_LEN; }
static void m_phoff_huge(struct image *im, size_t *len) { im->eh.phoff = ~0UL - 8; }
static void m_phnum_past(struct image *im, size_t *len) { im->eh.phnum = 0xffff; }
static void m_phdrs_cut(struct image *im, size_t *len) { *len = 64 + 56 + 20; }
static void m_seg_past(struct image *im, size_t *len) { im->ph[PH_LOAD].filesz = LOAD_FILESZ + 1; }
static void m_seg_off(struct image *im, size_t *len) { im->ph[PH_LOAD].offset = IMAGE_LEN + 0x1000; }
static void m_seg_wrap(struct image *im, size_t *len)
{
    im->ph[PH_LOAD].offset = ~0UL - 0xfff;
}
static void m_filesz_gt_memsz(struct image *im, size_t *len) { im->ph[PH_LOAD].memsz = LOAD_FILESZ - 1; }
static void m_paddr_wrap(struct image *im, size_t *len) { im->ph[PH_LOAD].paddr = ~0UL - 0x1000; }
static void m_note_seg_past(struct image *im, size_t *len) { im->ph[PH_NOTE].filesz = IMAGE_LEN; }
static void m_namesz_huge(struct image *im, size_t *len) { im->notes[1].namesz = 0xffffffffu; }
static void m_descsz_huge(struct image *im, size_t *len) { im->notes[1].descsz = 0xfffffffdu; }
static void m_descsz_past(struct image *im, size_t *len) { im->notes[NR_NOTES - 1].descsz = 16; }
static void m_no_notes(struct image *im, size_t *len)
{
    for (int i = 0; i < NR_NOTES; i++)
        memcpy(im->notes[i].name, "GNU", 4);
}
static void m_no_note_seg(struct image *im, size_t *len) { im->ph[PH_NOTE].type = 6; }
static void m_no_load(struct image *im, size_t *len) { im->ph[PH_LOAD].type = 0; }
static void m_memsz0(struct image *im, size_t *len) { im->ph[PH_LOAD].memsz = 0; im->ph[PH_LOAD].filesz = 0; }
static void m_entry_low(struct image *im, size_t *len) { im->notes[0].desc = VIRT_BASE + LOAD_PADDR - 1; }
static void m_entry_high(struct image *im, size_t *len)
{
    im->notes[0].desc = VIRT_BASE + LOAD_PADDR + LOAD_MEMSZ;
}
static void m_entry_zero(struct image *im, size_t *len) { im->notes[0].desc = 0; }
static void m_paddr_offset(struct image *im, size_t *len) { im->notes[2].desc = LOAD_PADDR + 1; }
static void m_too_large(struct image *im, size_t *len) { im->ph[PH_LOAD].memsz = (1UL << 30) + 1; }
static void m_virt_wrap(struct image *im, size_t *len)
{
    im->notes[1].desc = ~0UL - 0x1000;                /* VIRT_BASE + paddr wraps */
}

/* The review's image: VIRT_BASE 0, the image ending near 2^64, so that
 * vend - VIRT_BASE wrapped and the kernel looked zero-sized. */
static void m_image_end_wraps(struct image *im, size_t *len)
{
    im->notes[1].desc = 0;
    im->notes[2].desc = 0;
    im->ph[PH_LOAD].paddr = ~0UL - (1UL << 21) + 1;
    im->ph[PH_LOAD].memsz = (1UL << 21) - 1;
    im->notes[0].desc = im->ph[PH_LOAD].paddr;
}

static const struct {
    const char *name;
    void (*mutate)(struct image *im, size_t *len);
    const char *why;
} malformed[] = {
    { "truncated header", m_truncated, "not an ELF file" },
    { "empty", m_empty, "not an ELF file" },
    { "bad magic", m_magic, "not an ELF file" },
    { "ELF32 class", m_class32, "not a little-endian x86-64 ELF64" },
    { "big endian", m_big_endian, "not a little-endian x86-64 ELF64" },
    { "wrong machine", m_machine, "not a little-endian x86-64 ELF64" },
    { "no program headers", m_phnum0, "program headers out of bounds" },
    { "wrong phentsize", m_phentsize, "program headers out of bounds" },
    { "phoff past the end", m_phoff_past, "program headers out of bounds" },
    { "phoff wraps", m_phoff_huge, "program headers out of bounds" },
    { "phnum past the end", m_phnum_past, "program headers out of bounds" },
    { "file cut in the phdrs", m_phdrs_cut, "program headers out of bounds" },
    { "segment beyond the file", m_seg_past, "segment out of bounds" },
    { "segment offset beyond the file", m_seg_off, "segment out of bounds" },
    { "segment offset wraps", m_seg_wrap, "segment out of bounds" },
    { "filesz > memsz", m_filesz_gt_memsz, "segment out of bounds" },
    { "paddr + memsz wraps", m_paddr_wrap, "segment out of bounds" },
    { "note segment beyond the file", m_note_seg_past, "segment out of bounds" },
    { "note namesz overflows", m_namesz_huge, "malformed note" },
    { "note descsz overflows", m_descsz_huge, "malformed note" },
    { "note desc past the segment", m_descsz_past, "malformed note" },
    { "no Xen notes", m_no_notes, "no Xen ELF notes (not a PV kernel)" },
    { "no note segment", m_no_note_seg, "no Xen ELF notes (not a PV kernel)" },
    { "no PT_LOAD", m_no_load, "no loadable segment" },
    { "empty PT_LOAD", m_memsz0, "no loadable segment" },
    { "entry below the image", m_entry_low, "entry point outside the image" },
    { "entry at the end", m_entry_high, "entry point outside the image" },
    { "entry zero", m_entry_zero, "entry point outside the image" },
    { "virt base wraps", m_virt_wrap, "VIRT_BASE too close to the top of the address space" },
    { "image end wraps past 2^64", m_image_end_wraps,
      "kernel image too large or PADDR_OFFSET past the image" },
    { "PADDR_OFFSET past the image", m_paddr_offset,
      "kernel image too large or PADDR_OFFSET past the image" },
    { "image over 1 GiB", m_too_large, "kernel image too large or PADDR_OFFSET past the image" },
};

static void test_malformed(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
        struct image im;
        struct elf_guest_info info;
        size_t len = sizeof(im);
        const char *why = NULL;
        int rc;

        build(&im);
        malformed[i].mutate(&im, &len);
        rc = parse(&im, len, &info, &why);
        if (rc != -EINVAL || !why || strcmp(why, malformed[i].why)) {
            char msg[256];

            snprintf(msg, sizeof(msg), "%s: rc %d, why '%s', want '%s'", malformed[i].name, rc,
                     why ? why : "(null)", malformed[i].why);
            FAIL_MSG(msg);
        }
    }
}

/* ----------------------------------------------------------- loading */

struct seen {
    int n;
    u64 paddr, filesz, memsz;
    const void *data;
};

static int on_load(void *ctx, u64 paddr, const void *data, u64 filesz, u64 memsz)
{
    struct seen *s = ctx;

    s->n++;
    s->paddr = paddr;
    s->data = data;
    s->filesz = filesz;
    s->memsz = memsz;
    return s->n == 2 ? -ENOMEM : 0;
}

static void test_for_each_load(void)
{
    struct image im;
    struct elf_guest_info info;
    const char *why;
    struct seen s = { 0 };

    build(&im);
    CU_ASSERT_EQUAL_FATAL(elf_guest_parse(&im, sizeof(im), &info, &why), 0);
    CU_ASSERT_EQUAL(elf_for_each_load(&im, sizeof(im), on_load, &s), 0);
    EXPECT_EQ(s.n, 1);                                /* PT_NOTE is not loaded */
    EXPECT_EQ(s.paddr, LOAD_PADDR);
    EXPECT_EQ(s.filesz, LOAD_FILESZ);
    EXPECT_EQ(s.memsz, LOAD_MEMSZ);
    CU_ASSERT_PTR_EQUAL(s.data, (u8 *)&im + LOAD_OFF);
    /* Two loadable segments; an error from the callback stops the walk. */
    im.ph[PH_NOTE] = im.ph[PH_LOAD];
    im.ph[PH_NOTE].paddr += LOAD_MEMSZ;
    s.n = 0;
    CU_ASSERT_EQUAL(elf_for_each_load(&im, sizeof(im), on_load, &s), -ENOMEM);
    EXPECT_EQ(s.n, 2);
    EXPECT_EQ(s.paddr, LOAD_PADDR + LOAD_MEMSZ);
}

static const struct unit_test tests[] = {
    { "valid_image_notes", test_valid_image_notes },
    { "notes_variants", test_notes_variants },
    { "unaligned_headers", test_unaligned_headers },
    { "malformed", test_malformed },
    { "for_each_load", test_for_each_load },
};

void suite_elf(void)
{
    ADD_SUITE("elf", tests);
}
