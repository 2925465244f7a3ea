/*
 * An ioreq server's port or MMIO ranges (pure: unit-tested on the host).
 * Ranges are inclusive, as dm_op gives them, and never overlap within one
 * server, so an access belongs to at most one of them. A handful per
 * server: a linear search.
 */
#include <hv/errno.h>
#include <hv/ioreq.h>

static bool overlaps(const struct ioreq_range *r, u64 start, u64 end)
{
    return start <= r->end && r->start <= end;
}

bool ioreq_ranges_claim(const struct ioreq_ranges *rs, u64 addr, unsigned int size)
{
    u64 last = addr + size - 1;

    if (!size || last < addr)
        return false;                                 /* empty, or wraps past 2^64 */
    for (unsigned int i = 0; i < rs->nr && i < IOREQ_MAX_RANGES; i++)
        if (addr >= rs->r[i].start && last <= rs->r[i].end)
            return true;
    return false;
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
