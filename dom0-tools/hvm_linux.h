/*
 * hvm_linux.h: direct kernel boot of an HVM guest (type = "hvm" with
 * kernel=): pvctl does what a boot loader does under Linux's 32-bit boot
 * protocol (Documentation/arch/x86/boot.rst): the bzImage's protected-mode
 * part at 1 MiB, the initrd high in RAM, the command line, and the zero
 * page (struct boot_params: the image's setup header, the e820 map),
 * entered in flat 32-bit protected mode with ESI pointing at the zero page.
 * The guest is a plain PC to the kernel: no Xen leaves, no BIOS; a boot
 * stub (hvm_boot_stub.S) does the little firmware setup a kernel relies on
 * and jumps to the kernel.
 * Pure checks and layout, unit-tested and fuzzed on the host.
 */
#ifndef PVCTL_HVM_LINUX_H
#define PVCTL_HVM_LINUX_H
#include <stddef.h>
#include <stdint.h>
#include <asm/bootparam.h>
#include "kernel.h"

/* Where things go in the guest's physical memory (all below 1 MiB is RAM but the hole). */
#define HVM_LINUX_STUB     0x6000u      /* hvm_boot_stub.S: vCPU 0 starts here */
#define HVM_LINUX_PARAMS   0x7000u      /* the zero page */
#define HVM_LINUX_CMDLINE  0x20000u     /* the command line, NUL-terminated */
#define HVM_LINUX_KERNEL   0x100000u    /* the protected-mode kernel (code32_start) */
#define HVM_LINUX_EBDA     0x9fc00u     /* RAM below this; reserved from here to the hole */
#define HVM_LINUX_BIOS     0xf0000u     /* the BIOS area: reserved up to 1 MiB */
#define HVM_LINUX_MIN_VERSION 0x020c    /* boot protocol 2.12 (Linux 3.8): xloadflags, init_size */
/* The selectors the 32-bit boot protocol names (__BOOT_CS, __BOOT_DS). */
#define HVM_LINUX_BOOT_CS  0x10
#define HVM_LINUX_BOOT_DS  0x18

struct hvm_linux {
    uint32_t kernel_off, kernel_len;    /* the protected-mode part, inside the bzImage */
    uint32_t initrd_paddr;              /* 0: no initrd */
    uint32_t cmdline_len;               /* with its NUL */
    struct boot_params params;          /* the zero page as the guest gets it */
};

/*
 * Checks the bzImage against a guest of ram_bytes (RAM at every address
 * below that but the hole HVM_HOLE_START..END) and lays it out with an
 * initrd of initrd_len bytes (0: none) and the command line. 0, or -EINVAL
 * with *why: not a bzImage, a boot protocol too old or not relocatable to
 * 64-bit, a command line longer than the kernel takes, not enough RAM for
 * the kernel to unpack itself beside the initrd.
 */
/* The boot stub's bytes (hvm_boot_stub.S), copied to HVM_LINUX_STUB. */
extern const uint8_t hvm_boot_stub[], hvm_boot_stub_end[];

int hvm_linux_prepare(const struct pvctl_buf *bz, uint64_t ram_bytes, size_t initrd_len,
                      const char *cmdline, struct hvm_linux *out, const char **why);
#endif
