/*
 * fuzz_hvm_linux.c: libFuzzer target for direct kernel boot of an HVM
 * guest (hvm_linux.c), then the copies build_hvm.c makes into the guest's
 * memory: the first 8 bytes choose the RAM size, the initrd's length and
 * the command line's; any file is refused with a reason or lays the
 * kernel, initrd, command line and zero page inside the RAM, outside the
 * VGA/ROM hole and apart from one another.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hvm_image.h"
#include "hvm_linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct range { uint64_t start, len; };

static int overlap(struct range a, struct range b)
{
    return a.len && b.len && a.start < b.start + b.len && b.start < a.start + a.len;
}

static void check_inside(struct range r, uint64_t ram)
{
    if (r.start + r.len > ram || overlap(r, (struct range){ HVM_HOLE_START, HVM_HOLE_END - HVM_HOLE_START }))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char cmdline[4096];
    struct hvm_linux lx;
    const char *why = NULL;
    uint64_t ram;
    size_t initrd, cl;

    if (size < 8)
        return 0;
    ram = ((uint64_t)data[0] << 22) | ((uint64_t)data[1] << 14);   /* up to 1 GiB, in 16 KiB steps */
    initrd = ((size_t)data[2] << 20) | ((size_t)data[3] << 12) | data[4];
    cl = (((size_t)data[5] << 8) | data[6]) % sizeof(cmdline);
    memset(cmdline, 'c', cl);
    cmdline[cl] = 0;
    struct pvctl_buf b = { (uint8_t *)data + 8, size - 8 };
    if (hvm_linux_prepare(&b, ram, initrd, cmdline, &lx, &why)) {
        if (!why)
            abort();                                 /* every refusal says why */
        return 0;
    }
    struct range k = { HVM_LINUX_KERNEL, lx.kernel_len }, i = { lx.initrd_paddr, initrd },
                 c = { HVM_LINUX_CMDLINE, lx.cmdline_len }, p = { HVM_LINUX_PARAMS, sizeof(lx.params) };
    check_inside(k, ram);
    check_inside(i, ram);
    check_inside(c, ram);
    check_inside(p, ram);
    if ((uint64_t)lx.kernel_off + lx.kernel_len != b.len || overlap(k, i) || overlap(c, p) || overlap(k, c))
        abort();
    if (lx.params.e820_entries != 4 || lx.params.hdr.cmd_line_ptr != HVM_LINUX_CMDLINE)
        abort();
    return 0;
}
