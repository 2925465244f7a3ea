/*
 * An ioreq server's port or MMIO ranges (pure: unit-tested on the host).
 * Ranges are inclusive, as dm_op gives them, and never overlap within one
 * server. Ranges that touch count as one, as in Xen's rangesets (which
 * merge them): QEMU claims 0xcf8-0xcfb as three ranges around PIIX3's reset
 * register 0xcf9, and a dword at 0xcf8 is still its. A few hundred per
 * server at most: a linear search.
 */
#include <hv/errno.h>
#include <hv/ioreq.h>

static bool overlaps(const struct ioreq_range *r, u64 start, u64 end)
{
    return start <= r->end && r->start <= end;
}

static const struct ioreq_range *range_at(const struct ioreq_ranges *rs, u64 addr)
{
    for (unsigned int i = 0; i < rs->nr && i < IOREQ_MAX_RANGES; i++)
        if (addr >= rs->r[i].start && addr <= rs->r[i].end)
            return &rs->r[i];
    return NULL;
}

bool ioreq_ranges_claim(const struct ioreq_ranges *rs, u64 addr, unsigned int size)
{
    u64 last = addr + size - 1;
    const struct ioreq_range *r;

    if (!size || last < addr)
        return false;                                 /* empty, or wraps past 2^64 */
    /* Each step moves past a range that ends before last: no overflow, and it ends. */
    while ((r = range_at(rs, addr)) && r->end < last)
        addr = r->end + 1;
    return r != NULL;
}

int ioreq_ranges_add(struct ioreq_ranges *rs, u64 start, u64 end)
{
    if (start > end)
        return -EINVAL;
    for (unsigned int i = 0; i < rs->nr; i++)
        if (overlaps(&rs->r[i], start, end))
            return -EEXIST;
    if (rs->nr >= IOREQ_MAX_RANGES)
        return -ENOSPC;
    rs->r[rs->nr++] = (struct ioreq_range){ start, end };
    return 0;
}

int ioreq_ranges_remove(struct ioreq_ranges *rs, u64 start, u64 end)
{
    for (unsigned int i = 0; i < rs->nr; i++) {
        if (rs->r[i].start != start || rs->r[i].end != end)
            continue;
        rs->r[i] = rs->r[--rs->nr];                   /* order does not matter */
        return 0;
    }
    return -ENOENT;
}
