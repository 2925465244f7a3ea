/*
 * test_hvm_image.c: an HVM guest's firmware image (hvm_image.c): a good
 * ELF32 is read, and every malformed one is refused with its reason.
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <string.h>
#include "hvm_image.h"

#define MIB (1u << 20)

struct image {
    Elf32_Ehdr eh;
    Elf32_Phdr ph[2];
    uint8_t code[64];
};

static struct image im;
static const char *why;

static void image_init(void)
{
    memset(&im, 0, sizeof(im));
    memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
    im.eh.e_ident[EI_CLASS] = ELFCLASS32;
    im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    im.eh.e_type = ET_EXEC;
    im.eh.e_machine = EM_386;
    im.eh.e_entry = MIB + 4;
    im.eh.e_phoff = offsetof(struct image, ph);
    im.eh.e_phentsize = sizeof(Elf32_Phdr);
    im.eh.e_phnum = 2;
    im.ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(struct image, code),
                             .p_paddr = MIB, .p_filesz = 64, .p_memsz = 0x3000 };
    im.ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE };
}

static int parse(uint64_t mem)
{
    struct pvctl_buf b = { (uint8_t *)&im, sizeof(im) };
    struct hvm_image img;
    int rc = hvm_image_parse(&b, mem, &img, &why);

    if (!rc) {
        CU_ASSERT_EQUAL(img.entry, MIB + 4);
        CU_ASSERT_EQUAL(img.nr_segs, 1);
        CU_ASSERT_EQUAL(img.seg[0].memsz, 0x3000);
    }
    return rc;
}

static void test_good(void)
{
    image_init();
    CU_ASSERT_EQUAL(parse(8 * MIB), 0);
}

/* One change from a good image, its refusal and the reason's words. */
static void refused(const char *want)
{
    CU_ASSERT_EQUAL(parse(8 * MIB), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, want));
    image_init();
}

static void test_refusals(void)
{
    image_init();
    im.eh.e_ident[0] = 0;                 refused("not an ELF");
    im.eh.e_ident[EI_CLASS] = ELFCLASS64; refused("ELF32");
    im.eh.e_machine = EM_X86_64;          refused("EM_386");
    im.eh.e_type = ET_DYN;                refused("EM_386");
    im.eh.e_phoff = 0xfffffff0;           refused("program headers");
    im.eh.e_phnum = 0xffff;               refused("program headers");
    im.eh.e_phentsize = 8;                refused("program headers");
    im.ph[0].p_filesz = 0x4000;           refused("inside the file");
    im.ph[0].p_offset = 0xffffffff;       refused("inside the file");
    im.ph[0].p_paddr = 0xfffff000;        refused("beyond the guest's memory");
    im.ph[0].p_paddr = 8 * MIB - 0x1000;  refused("beyond the guest's memory");
    im.ph[0].p_paddr = 0x9f000;           refused("VGA/ROM hole");
    im.ph[0].p_type = PT_NULL;            refused("nothing to load");
    im.eh.e_entry = 0x1000;               refused("entry point");
    im.eh.e_entry = MIB + 0x3000;         refused("entry point");
    struct pvctl_buf cut = { (uint8_t *)&im, 20 };
    struct hvm_image img;
    CU_ASSERT_EQUAL(hvm_image_parse(&cut, 8 * MIB, &img, &why), -22);
}

void register_hvm_image_tests(void)
{
    CU_pSuite s = CU_add_suite("hvm_image", NULL, NULL);

    CU_add_test(s, "good", test_good);
    CU_add_test(s, "refusals", test_refusals);
}
