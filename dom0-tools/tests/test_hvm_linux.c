/*
 * test_hvm_linux.c: direct kernel boot of an HVM guest (hvm_linux.c): a
 * bzImage's setup header read, the kernel, initrd and command line laid
 * out, the zero page filled; every malformed image or impossible layout
 * refused with its reason.
 */
#include <CUnit/CUnit.h>
#include <string.h>
#include "hvm_image.h"
#include "hvm_linux.h"

#define MIB (1ull << 20)
#define FILE_LEN 0x3000

static uint8_t bz[FILE_LEN];
static const char *why;
static struct hvm_linux lx;

static struct setup_header *hdr(void)
{
    return (struct setup_header *)(bz + 0x1f1);
}

/* A bzImage as Debian's 6.1 kernel has it: protocol 2.15, relocatable, 64-bit, 16 MiB preferred. */
static void image_init(void)
{
    struct setup_header *h = hdr();

    memset(bz, 0, sizeof(bz));
    h->setup_sects = 4;
    h->boot_flag = 0xaa55;
    h->header = 0x53726448;
    h->version = 0x020f;
    h->loadflags = LOADED_HIGH | KEEP_SEGMENTS;
    h->code32_start = 0x100000;
    h->cmdline_size = 2047;
    h->initrd_addr_max = 0x7fffffff;
    h->kernel_alignment = 0x200000;
    h->relocatable_kernel = 1;
    h->xloadflags = XLF_KERNEL_64;
    h->pref_address = 0x1000000;
    h->init_size = 0x2000000;
    bz[0x201] = 0x6a;                                 /* the header ends at 0x26c */
}

static int prepare(uint64_t ram, size_t initrd, const char *cmdline)
{
    struct pvctl_buf b = { bz, sizeof(bz) };

    return hvm_linux_prepare(&b, ram, initrd, cmdline, &lx, &why);
}

static void test_layout(void)
{
    const struct boot_params *bp = &lx.params;

    image_init();
    CU_ASSERT_EQUAL_FATAL(prepare(128 * MIB, 0x123456, "console=ttyS0"), 0);
    CU_ASSERT_EQUAL(lx.kernel_off, 5 * 512);
    CU_ASSERT_EQUAL(lx.kernel_len, FILE_LEN - 5 * 512);
    CU_ASSERT_EQUAL(lx.cmdline_len, 14);
    CU_ASSERT_EQUAL(lx.initrd_paddr, (128 * MIB - 0x123456) & ~0xfffull);
    CU_ASSERT_EQUAL(bp->hdr.ramdisk_image, lx.initrd_paddr);
    CU_ASSERT_EQUAL(bp->hdr.ramdisk_size, 0x123456);
    CU_ASSERT_EQUAL(bp->hdr.cmd_line_ptr, HVM_LINUX_CMDLINE);
    CU_ASSERT_EQUAL(bp->hdr.type_of_loader, 0xff);
    CU_ASSERT_EQUAL(bp->hdr.loadflags, LOADED_HIGH);  /* KEEP_SEGMENTS cleared */
    CU_ASSERT_EQUAL(bp->hdr.init_size, 0x2000000);    /* the rest of the header as the image has it */
    CU_ASSERT_EQUAL(bp->sentinel, 0);
    CU_ASSERT_EQUAL_FATAL(bp->e820_entries, 4);
    CU_ASSERT(bp->e820_table[0].addr == 0 && bp->e820_table[0].size == HVM_LINUX_EBDA &&
              bp->e820_table[0].type == 1);
    CU_ASSERT(bp->e820_table[1].addr == HVM_LINUX_EBDA && bp->e820_table[1].type == 2);
    CU_ASSERT(bp->e820_table[1].addr + bp->e820_table[1].size == HVM_HOLE_START);
    CU_ASSERT(bp->e820_table[2].addr == HVM_LINUX_BIOS && bp->e820_table[2].size == 0x10000 &&
              bp->e820_table[2].type == 2);
    CU_ASSERT(bp->e820_table[3].addr == MIB && bp->e820_table[3].size == 127 * MIB &&
              bp->e820_table[3].type == 1);
}

static void test_initrd_placement(void)
{
    image_init();
    CU_ASSERT_EQUAL(prepare(64 * MIB, 0, ""), 0);
    CU_ASSERT_EQUAL(lx.initrd_paddr, 0);               /* none */
    CU_ASSERT_EQUAL(lx.params.hdr.ramdisk_size, 0);
    hdr()->initrd_addr_max = 0x37ffffff;               /* below the kernel's limit, not RAM's top */
    CU_ASSERT_EQUAL(prepare(2048 * MIB, 0x1000, ""), 0);
    CU_ASSERT_EQUAL(lx.initrd_paddr, 0x37fff000);
    image_init();
    hdr()->setup_sects = 0;                            /* 0 means 4 */
    CU_ASSERT_EQUAL(prepare(64 * MIB, 0, ""), 0);
    CU_ASSERT_EQUAL(lx.kernel_off, 5 * 512);
}

/* One change from a good image or layout, its refusal and the reason's words. */
static void refused(int rc, const char *want)
{
    CU_ASSERT_EQUAL(rc, -22);
    CU_ASSERT_PTR_NOT_NULL(why && strstr(why, want));
    image_init();
}

static void test_refusals(void)
{
    char longline[2100];
    struct pvctl_buf cut = { bz, 0x200 };

    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = 0;
    image_init();
    refused(hvm_linux_prepare(&cut, 64 * MIB, 0, "", &lx, &why), "too short");
    hdr()->header = 0x464c457f;                 refused(prepare(64 * MIB, 0, ""), "not a bzImage");
    hdr()->boot_flag = 0;                       refused(prepare(64 * MIB, 0, ""), "not a bzImage");
    hdr()->version = 0x020b;                    refused(prepare(64 * MIB, 0, ""), "older than 2.12");
    bz[0x201] = 0x10;                           refused(prepare(64 * MIB, 0, ""), "older than 2.12");
    bz[0x201] = 0xff;
    cut.len = 0x280;                            refused(hvm_linux_prepare(&cut, 64 * MIB, 0, "", &lx, &why), "past the end");
    hdr()->loadflags = 0;                       refused(prepare(64 * MIB, 0, ""), "zImage");
    hdr()->setup_sects = 0xff;                  refused(prepare(64 * MIB, 0, ""), "no protected-mode part");
    refused(prepare(64 * MIB, 0, longline), "cmdline");
    hdr()->cmdline_size = 3;                    refused(prepare(64 * MIB, 0, "abcd"), "cmdline");
    refused(prepare(32 * MIB, 0, ""), "init_size");
    hdr()->init_size = 0xfffff000;              refused(prepare(64 * MIB, 0, ""), "init_size");
    refused(prepare(4096 * MIB, 0, ""), "3584 MiB");
    refused(prepare(64 * MIB, 32 * MIB, ""), "beside the ramdisk");
    refused(prepare(64 * MIB, (size_t)1 << 40, ""), "beside the ramdisk");
    hdr()->initrd_addr_max = 0xffffff;          refused(prepare(64 * MIB, 0x1000, ""), "beside the ramdisk");
    CU_ASSERT_EQUAL(prepare(64 * MIB, 0x1000, "ok"), 0);
}

void register_hvm_linux_tests(void)
{
    CU_pSuite s = CU_add_suite("hvm_linux", NULL, NULL);

    CU_add_test(s, "layout", test_layout);
    CU_add_test(s, "initrd_placement", test_initrd_placement);
    CU_add_test(s, "refusals", test_refusals);
}
