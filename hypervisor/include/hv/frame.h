/*
 * Machine frames: the allocator (common/frame_alloc.c) and the per-frame
 * ownership table. Every frame is free, the hypervisor's, or owned by exactly
 * one domain; isolation checks ask frame_owner().
 */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#include <hv/types.h>
#include <hv/spinlock.h>

#define FRAME_OWNER_FREE  0xffffu   /* on the free list */
#define FRAME_OWNER_HV    0xfffeu   /* hypervisor heap and tables (allocated) */
#define FRAME_OWNER_RESERVED 0xfffdu /* never allocatable: image, modules, not RAM */

/* Per-frame flags. */
#define FRAME_F_XENHEAP   0x1u      /* hypervisor page shared with its owner (shared_info, grant frames) */
#define FRAME_F_PINNED    0x2u      /* the guest pinned this page table (mmuext_op PIN_Lx) */
#define FRAME_F_ORPHAN    0x4u      /* owner is gone; freed when the last reference drops */
#define FRAME_F_IO        0x8u      /* not RAM (low 1 MiB, holes): Xen's DOMID_IO frames */
#define FRAME_F_PARTIAL   0x10u     /* a page table whose (de)validation was preempted: see page_type.c */
#define FRAME_F_PARTIAL_PTE 0x20u   /* ... whose entry `validated` points at a table left partial too */
#define FRAME_F_UNCHARGED 0x40u     /* an orphan of a dying domain: in no domain's tot_pages (its id
                                       may be another domain's by the time the frame is freed) */

/*
 * Two words a CPU may change with no lock (page_type.c, docs/smp.md "Page
 * types and reference counts"): `ref` (owner, flags, general count) and
 * `type_word` (type and its count), each read and replaced whole by
 * cmpxchg, so a reference is never taken on a frame being released or
 * given to another owner, and a writable type never slips in beside a
 * table type. `linear` and `validated` change under page_type_lock only.
 */
struct frame_info {
    union {
        u64 ref;
        struct {
            u32 count;              /* references: mappings, base pointers, pins, grants */
            u16 flags;
            u16 owner;
        };
    };
    union {
        u64 type_word;
        struct {
            u32 type_count;         /* references that need `type` */
            u8  type;               /* the arch's page type (asm/page_type.h), while type_count > 0 */
            u8  type_pad[3];
        };
    };
    s16 linear;                     /* page tables: > 0 linear entries held, < 0 linear uses by others */
    u16 validated;                  /* FRAME_F_PARTIAL: entries [0, validated) hold their references */
    u32 tlb_stamp;                  /* free frames: the TLB clock when freed, low bits (hv/tlb_clock.h) */
};

#define FRAME_REF(owner, flags, count) \
    (((u64)(u16)(owner) << 48) | ((u64)(u16)(flags) << 32) | (u32)(count))
#define FRAME_REF_COUNT(w)  ((u32)(w))
#define FRAME_REF_FLAGS(w)  ((u16)((w) >> 32))
#define FRAME_REF_OWNER(w)  ((u16)((w) >> 48))
#define FRAME_TYPE_WORD(type, count) (((u64)(u8)(type) << 32) | (u32)(count))
#define FRAME_TYPE_OF(w)     ((u8)((w) >> 32))
#define FRAME_TYPE_COUNT(w)  ((u32)(w))
_Static_assert(sizeof(struct frame_info) == 24, "frame_info: 24 bytes a frame");

/*
 * Where one domain's frames lie: [lo, hi) holds every frame handed to that
 * owner since frame_span_reset (a superset: freed ones are not taken out).
 * Destruction walks this range, not all of memory (hundreds of thousands
 * of frames, three passes, most of a small domain's destroy under TCG).
 */
#define FRAME_SPAN_OWNERS 64
struct frame_span {
    mfn_t lo, hi;
};

struct frame_pool {
    u64 *bitmap;                    /* 1 = allocated or unusable */
    struct frame_info *info;        /* one per frame */
    mfn_t nr_frames;                /* frames tracked: [0, nr_frames) */
    mfn_t nr_free;
    mfn_t hint;                     /* where the next search starts */
    spinlock_t lock;                /* heap_lock: bitmap, nr_free, hint, owner of free frames, span */
    struct frame_span span[FRAME_SPAN_OWNERS];   /* by owner id */
};

extern struct frame_pool hv_frames;
/* Debug aid (cmdline debug_mfn=): every reference change on this frame is logged. */
extern mfn_t frame_debug_mfn;

/* Set-up: every frame starts unusable; the boot code frees the RAM ranges. */
void frame_pool_init(struct frame_pool *p, u64 *bitmap, struct frame_info *info, mfn_t nr);
void frame_pool_free_range(struct frame_pool *p, mfn_t first, mfn_t count);
void frame_pool_reserve_range(struct frame_pool *p, mfn_t first, mfn_t count);

/* Allocates `count` contiguous frames aligned to `align` frames; INVALID_MFN if none. */
mfn_t frame_alloc(struct frame_pool *p, mfn_t count, mfn_t align, u16 owner);
/* The same, every frame below `limit` (a device's DMA reach: XENMEM_exchange's address_bits). */
mfn_t frame_alloc_below(struct frame_pool *p, mfn_t count, mfn_t align, u16 owner, mfn_t limit);
/* A new owner's span starts empty: its id may have owned frames before. */
void frame_span_reset(struct frame_pool *p, u16 owner);
/* [*lo, *hi): every frame handed to `owner` since its reset lies there (owner < FRAME_SPAN_OWNERS). */
void frame_span_get(struct frame_pool *p, u16 owner, mfn_t *lo, mfn_t *hi);
/* Frees frames; returns -EINVAL for frames that are not allocated. */
int frame_free(struct frame_pool *p, mfn_t first, mfn_t count);

/* A hypervisor page its owner may map (shared_info, grant frames): the
 * XENHEAP flag and the owner in one store, before any reference can be taken. */
static inline void frame_share_with(struct frame_pool *p, mfn_t mfn, u16 owner)
{
    __atomic_store_n(&p->info[mfn].ref, FRAME_REF(owner, FRAME_F_XENHEAP, 0), __ATOMIC_RELEASE);
}

static inline bool frame_valid(const struct frame_pool *p, mfn_t mfn)
{
    return mfn < p->nr_frames;
}

static inline u16 frame_owner(const struct frame_pool *p, mfn_t mfn)
{
    return frame_valid(p, mfn) ? p->info[mfn].owner : FRAME_OWNER_RESERVED;
}

#endif
