/*
 * hvm_linux.c: an HVM guest's Linux kernel, checked and laid out as a boot
 * loader would under the 32-bit boot protocol (hvm_linux.h). Every offset
 * comes from the file and is checked against it in 64-bit arithmetic, so
 * any file is refused with a reason or laid out inside the guest's RAM.
 */
#include "hvm_linux.h"
#include "hvm_image.h"

#include <errno.h>
#include <string.h>

#define SETUP_HEADER_OFF 0x1f1u
#define JUMP_END_OFF     0x201u        /* the byte at 0x201 + 0x202: the header's end */
#define HDRS_MAGIC       0x53726448u   /* "HdrS" */
#define PAGE_MASK_4K     0xfffu
/* The most RAM a kernel-booted guest has here: all of it below the PCI hole, none above 4 GiB. */
#define HVM_LINUX_MAX_RAM 0xe0000000ull

static int refuse(const char **why, const char *what)
{
    *why = what;
    return -EINVAL;
}

/* The setup header, copied from the image as far as the image says it goes. */
static int header_read(const struct pvctl_buf *bz, struct setup_header *h, const char **why)
{
    size_t end, n;

    memset(h, 0, sizeof(*h));
    if (bz->len <= JUMP_END_OFF + 1 + 4)
        return refuse(why, "kernel: too short to be a bzImage");
    end = 0x202u + bz->data[JUMP_END_OFF];
    n = end - SETUP_HEADER_OFF < sizeof(*h) ? end - SETUP_HEADER_OFF : sizeof(*h);
    if (end > bz->len)
        return refuse(why, "kernel: its setup header runs past the end of the file");
    memcpy(h, bz->data + SETUP_HEADER_OFF, n);
    if (h->header != HDRS_MAGIC || h->boot_flag != 0xaa55)
        return refuse(why, "kernel: not a bzImage (no HdrS setup header); an ELF vmlinux cannot boot an HVM guest");
    if (h->version < HVM_LINUX_MIN_VERSION || n < offsetof(struct setup_header, handover_offset))
        return refuse(why, "kernel: boot protocol older than 2.12 (Linux 3.8)");
    if (!(h->loadflags & LOADED_HIGH))
        return refuse(why, "kernel: a zImage (loaded low), not a bzImage");
    return 0;
}

/* Where the kernel runs once it has moved itself, and how much it needs there. */
static uint64_t run_end(const struct setup_header *h)
{
    uint64_t start = h->pref_address > HVM_LINUX_KERNEL ? h->pref_address : HVM_LINUX_KERNEL;

    return start + h->init_size;
}

/* The initrd at the top of RAM (below initrd_addr_max), clear of where the kernel unpacks. */
static int initrd_place(const struct setup_header *h, uint64_t ram_bytes, size_t len,
                        uint64_t kernel_end, uint32_t *paddr, const char **why)
{
    uint64_t top = ram_bytes < (uint64_t)h->initrd_addr_max + 1 ? ram_bytes : (uint64_t)h->initrd_addr_max + 1;
    uint64_t low = run_end(h) > kernel_end ? run_end(h) : kernel_end;

    *paddr = 0;
    if (!len)
        return 0;
    if (len > top || ((top - len) & ~(uint64_t)PAGE_MASK_4K) < low)
        return refuse(why, "memory=: too little for the kernel to unpack itself beside the ramdisk");
    *paddr = (uint32_t)((top - len) & ~(uint64_t)PAGE_MASK_4K);
    return 0;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t end, uint32_t type)
{
    struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

    e->addr = addr;
    e->size = end - addr;
    e->type = type;
}

/* RAM below the EBDA and above 1 MiB; the EBDA and BIOS area reserved; the hole left out. */
static void e820_fill(struct boot_params *bp, uint64_t ram_bytes)
{
    enum { E820_RAM = 1, E820_RESERVED = 2 };

    e820_add(bp, 0, HVM_LINUX_EBDA, E820_RAM);
    e820_add(bp, HVM_LINUX_EBDA, HVM_HOLE_START, E820_RESERVED);
    e820_add(bp, HVM_LINUX_BIOS, HVM_LINUX_KERNEL, E820_RESERVED);
    e820_add(bp, HVM_LINUX_KERNEL, ram_bytes, E820_RAM);
}

static void params_fill(struct hvm_linux *out, const struct setup_header *h, uint64_t ram_bytes,
                        size_t initrd_len)
{
    struct boot_params *bp = &out->params;

    memset(bp, 0, sizeof(*bp));
    bp->hdr = *h;
    bp->hdr.type_of_loader = 0xff;                   /* "undefined" boot loader */
    bp->hdr.loadflags &= (__u8)~KEEP_SEGMENTS;       /* the kernel loads its own segments */
    bp->hdr.cmd_line_ptr = HVM_LINUX_CMDLINE;
    bp->hdr.ramdisk_image = out->initrd_paddr;
    bp->hdr.ramdisk_size = (uint32_t)initrd_len;
    bp->hdr.hardware_subarch = 0;                    /* a PC */
    bp->hdr.setup_data = 0;
    e820_fill(bp, ram_bytes);
}

int hvm_linux_prepare(const struct pvctl_buf *bz, uint64_t ram_bytes, size_t initrd_len,
                      const char *cmdline, struct hvm_linux *out, const char **why)
{
    struct setup_header h;
    unsigned int sects;
    size_t cl = strlen(cmdline) + 1;
    int rc = header_read(bz, &h, why);

    memset(out, 0, sizeof(*out));
    if (rc)
        return rc;
    sects = h.setup_sects ? h.setup_sects : 4;
    out->kernel_off = (sects + 1) * 512u;
    if (out->kernel_off >= bz->len)
        return refuse(why, "kernel: no protected-mode part after its setup sectors");
    out->kernel_len = (uint32_t)(bz->len - out->kernel_off);
    if (cl > h.cmdline_size + 1ull || cl > HVM_LINUX_KERNEL - HVM_LINUX_CMDLINE)
        return refuse(why, "cmdline: longer than the kernel takes (its cmdline_size)");
    if (ram_bytes > HVM_LINUX_MAX_RAM)
        return refuse(why, "memory=: at most 3584 MiB for an HVM guest with kernel= (no RAM above 4 GiB yet)");
    if (run_end(&h) > ram_bytes || HVM_LINUX_KERNEL + (uint64_t)out->kernel_len > ram_bytes)
        return refuse(why, "memory=: too little for the kernel to unpack itself (its init_size)");
    rc = initrd_place(&h, ram_bytes, initrd_len, HVM_LINUX_KERNEL + (uint64_t)out->kernel_len,
                      &out->initrd_paddr, why);
    if (rc)
        return rc;
    out->cmdline_len = (uint32_t)cl;
    params_fill(out, &h, ram_bytes, initrd_len);
    return 0;
}
