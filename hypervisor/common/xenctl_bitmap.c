/*
 * Xen's xenctl_bitmap (a guest's bitmap and its size in bits) to and from
 * our cpumask_t, for every sub-op that passes CPU sets: vCPU affinities
 * (domctl_sched.c) and cpupools (cpupool.c). Guest memory only through the
 * checked accessors.
 */
#define __XEN_TOOLS__ 1                              /* xenctl_bitmap is tools-only */
#include <hv/domctl.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <xen/domctl.h>

#define MASK_BYTES  (HV_NR_CPUS / 8)

/* A guest's xenctl_bitmap as a CPU mask: bits past nr_bits are 0, past HV_NR_CPUS ignored. */
int xenctl_bitmap_to_cpumask(const struct xenctl_bitmap *b, cpumask_t *mask)
{
    u8 bytes[MASK_BYTES] = { 0 };
    size_t n = MIN((size_t)(b->nr_bits + 7ULL) / 8, (size_t)MASK_BYTES);
    u64 bits = 0;

    if (n && copy_from_handle(bytes, guest_handle_from_field(b->bitmap), n))
        return -EFAULT;
    for (size_t i = 0; i < n; i++)
        bits |= (u64)bytes[i] << (8 * i);
    if (b->nr_bits < HV_NR_CPUS)
        bits &= (1ULL << b->nr_bits) - 1;
    mask->bits = bits;
    return 0;
}

/* A CPU mask into the guest's bitmap, as Xen's: nr_bits of it, the bytes past ours zeroed
 * (at byte offsets: copy_to_handle_offset counts in elements of the size it copies). */
int cpumask_to_xenctl_bitmap(struct xenctl_bitmap *b, const cpumask_t *mask)
{
    static const u8 zeros[256];
    size_t total = ((size_t)b->nr_bits + 7) / 8, n = MIN(total, (size_t)MASK_BYTES);
    guest_handle_t h = guest_handle_from_field(b->bitmap);
    u64 bits = mask->bits;
    u8 bytes[MASK_BYTES];

    if (b->nr_bits < HV_NR_CPUS)
        bits &= (1ULL << b->nr_bits) - 1;
    for (size_t i = 0; i < n; i++)
        bytes[i] = (u8)(bits >> (8 * i));
    if (n && copy_to_handle(h, bytes, n))
        return -EFAULT;
    for (size_t off = n; off < total; off += sizeof(zeros))
        if (copy_to_handle(guest_handle_add_offset(h, off), zeros, MIN(sizeof(zeros), total - off)))
            return -EFAULT;
    return 0;
}
