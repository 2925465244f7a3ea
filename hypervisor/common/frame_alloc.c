/*
 * Machine-frame allocator: one bit per frame (1 = in use or not RAM) and a
 * next-fit search for contiguous, aligned runs. Ownership is recorded per
 * frame so every isolation check is a table lookup. A frame that comes back
 * is stamped with the TLB clock, and the CPUs that may still cache it are
 * flushed before it goes out again (hv/tlb_clock.h).
 */
#include <hv/frame.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/bug.h>
#include <hv/tlb_clock.h>

struct frame_pool hv_frames;
mfn_t frame_debug_mfn = INVALID_MFN;

static bool bit_test(const u64 *bm, mfn_t i) { return bm[i / 64] & (1ULL << (i % 64)); }
static void bit_set(u64 *bm, mfn_t i) { bm[i / 64] |= 1ULL << (i % 64); }
static void bit_clear(u64 *bm, mfn_t i) { bm[i / 64] &= ~(1ULL << (i % 64)); }

void frame_pool_init(struct frame_pool *p, u64 *bitmap, struct frame_info *info, mfn_t nr)
{
    p->bitmap = bitmap;
    p->info = info;
    p->nr_frames = nr;
    p->nr_free = 0;
    p->hint = 0;
    spin_lock_init(&p->lock, LOCK_RANK_HEAP, "heap_lock");
    memset(bitmap, 0xff, ALIGN_UP(nr, 64) / 8);
    for (mfn_t i = 0; i < nr; i++)
        info[i] = (struct frame_info){ .owner = FRAME_OWNER_RESERVED };
    for (unsigned int o = 0; o < FRAME_SPAN_OWNERS; o++)
        p->span[o] = (struct frame_span){ .lo = nr, .hi = 0 };
}

void frame_span_reset(struct frame_pool *p, u16 owner)
{
    ASSERT(owner < FRAME_SPAN_OWNERS);
    spin_lock(&p->lock);
    p->span[owner] = (struct frame_span){ .lo = p->nr_frames, .hi = 0 };
    spin_unlock(&p->lock);
}

void frame_span_get(struct frame_pool *p, u16 owner, mfn_t *lo, mfn_t *hi)
{
    ASSERT(owner < FRAME_SPAN_OWNERS);
    spin_lock(&p->lock);
    *lo = p->span[owner].lo;
    *hi = p->span[owner].hi;
    spin_unlock(&p->lock);
}

static void span_grow(struct frame_pool *p, u16 owner, mfn_t first, mfn_t count)
{
    if (owner >= FRAME_SPAN_OWNERS)
        return;                                      /* the hypervisor's own, or a test's id */
    p->span[owner].lo = MIN(p->span[owner].lo, first);
    p->span[owner].hi = MAX(p->span[owner].hi, first + count);
}

void frame_pool_free_range(struct frame_pool *p, mfn_t first, mfn_t count)
{
    for (mfn_t i = first; i < first + count && i < p->nr_frames; i++) {
        if (bit_test(p->bitmap, i)) {
            bit_clear(p->bitmap, i);
            p->info[i].owner = FRAME_OWNER_FREE;
            p->nr_free++;
        }
    }
}

void frame_pool_reserve_range(struct frame_pool *p, mfn_t first, mfn_t count)
{
    for (mfn_t i = first; i < first + count && i < p->nr_frames; i++) {
        if (!bit_test(p->bitmap, i)) {
            bit_set(p->bitmap, i);
            p->info[i].owner = FRAME_OWNER_RESERVED;
            p->nr_free--;
        }
    }
}

/* Length of the free run starting at `start`, up to `want`. */
static mfn_t free_run(const struct frame_pool *p, mfn_t start, mfn_t want)
{
    mfn_t n = 0;

    while (n < want && start + n < p->nr_frames && !bit_test(p->bitmap, start + n))
        n++;
    return n;
}

static mfn_t search(struct frame_pool *p, mfn_t from, mfn_t to, mfn_t count, mfn_t align)
{
    mfn_t i = ALIGN_UP(from, align);

    while (i + count <= to) {
        mfn_t run = free_run(p, i, count);

        if (run == count)
            return i;
        i = ALIGN_UP(i + run + 1, align);
    }
    return INVALID_MFN;
}

/* *stamp: the latest free among the frames handed out (0: none since boot). */
static mfn_t alloc_locked(struct frame_pool *p, mfn_t count, mfn_t align, u16 owner, mfn_t limit,
                          u64 *stamp)
{
    mfn_t first;
    u64 now = tlb_clock_read();

    ASSERT(spin_is_locked_by_me(&p->lock));
    if (count > p->nr_free)
        return INVALID_MFN;
    limit = MIN(limit, p->nr_frames);
    first = p->hint < limit ? search(p, p->hint, limit, count, align) : INVALID_MFN;
    if (first == INVALID_MFN)
        first = search(p, 0, limit, count, align);
    if (first == INVALID_MFN)
        return INVALID_MFN;
    for (mfn_t i = first; i < first + count; i++) {
        *stamp = MAX(*stamp, tlb_clock_widen(p->info[i].tlb_stamp, now));
        bit_set(p->bitmap, i);
        /* The reference word goes last, in one store: a reference its new
         * owner takes at once (page_get: a cmpxchg, no lock) sees the
         * cleared type and is never overwritten. */
        p->info[i].type_word = 0;
        p->info[i].linear = 0;
        p->info[i].validated = 0;
        __atomic_store_n(&p->info[i].ref, FRAME_REF(owner, 0, 0), __ATOMIC_RELEASE);
    }
    span_grow(p, owner, first, count);
    p->nr_free -= count;
    p->hint = first + count;
    return first;
}

/*
 * Frames below `limit` only: dom0's DMA buffers must sit under an address
 * width. The stale CPUs are flushed before the frames are returned, out of
 * the heap lock (the flush waits for the other CPUs).
 */
mfn_t frame_alloc_below(struct frame_pool *p, mfn_t count, mfn_t align, u16 owner, mfn_t limit)
{
    mfn_t first;
    u64 stamp = 0;

    if (count == 0 || align == 0 || (align & (align - 1)))
        return INVALID_MFN;
    spin_lock(&p->lock);
    first = alloc_locked(p, count, align, owner, limit, &stamp);
    spin_unlock(&p->lock);
    if (first != INVALID_MFN)
        tlb_clock_flush_stale(stamp);
    return first;
}

mfn_t frame_alloc(struct frame_pool *p, mfn_t count, mfn_t align, u16 owner)
{
    return frame_alloc_below(p, count, align, owner, p->nr_frames);
}

/* A domain's frame comes here from its last put or its release, once its
 * reference word says FRAME_F_ORPHAN with no count (no reference can be
 * taken any more: page_type.c), or before the domain ever ran (domain
 * build's failure path). */
static int free_locked(struct frame_pool *p, mfn_t first, mfn_t count)
{
    u32 stamp;

    ASSERT(spin_is_locked_by_me(&p->lock));
    for (mfn_t i = first; i < first + count; i++)
        if (!bit_test(p->bitmap, i) || p->info[i].owner == FRAME_OWNER_FREE ||
            p->info[i].owner == FRAME_OWNER_RESERVED)
            return -EINVAL;
    stamp = (u32)tlb_clock_tick();
    for (mfn_t i = first; i < first + count; i++) {
        bit_clear(p->bitmap, i);
        __atomic_store_n(&p->info[i].ref, FRAME_REF(FRAME_OWNER_FREE, 0, 0), __ATOMIC_RELEASE);
        p->info[i] = (struct frame_info){ .owner = FRAME_OWNER_FREE, .tlb_stamp = stamp };
    }
    p->nr_free += count;
    return 0;
}

/* Only allocated frames come back: a free frame (double free) or a
 * reserved one (the image, a module, a hole) is refused, all or nothing. */
int frame_free(struct frame_pool *p, mfn_t first, mfn_t count)
{
    int rc;

    if (first >= p->nr_frames || count > p->nr_frames - first)
        return -EINVAL;
    spin_lock(&p->lock);
    rc = free_locked(p, first, count);
    spin_unlock(&p->lock);
    return rc;
}
