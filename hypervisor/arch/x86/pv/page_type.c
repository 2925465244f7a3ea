/*
 * Direct paging: a guest builds its own page tables; the hypervisor makes
 * sure they can only reach what the guest owns. Every frame has a general
 * reference count and one type at a time with its own count. A frame gets a
 * page-table type only after every entry in it has been validated (which
 * takes references on what the entries point to), and is never mapped
 * writable while it has one: the two types exclude each other.
 *
 * Rules (Xen's, tested in tests/unit/test_page_type.c and tests/guests/mmu-hostile):
 *  - an entry may point only at frames the domain owns;
 *  - L1 entries: no cache-attribute bits (PWT/PCD/PAT) unless the domain has I/O
 *    rights (the privileged one); writable ones take a
 *    `writable` type reference (-EBUSY if the frame is a table). Xen's error codes:
 *    a frame that is not RAM (I/O: low 1 MiB, holes, past the frame table) = -EPERM
 *    unless the privileged domain may map it (iomem.c: then no reference at all),
 *    INVALID_MFN = -EINVAL; RAM that
 *    is not the page owner's (hypervisor, free, another domain's) = -EBUSY;
 *  - L2-L4 entries: no PSE (no superpages), no PWT/PCD/GLOBAL; the target must
 *    validate as the next level down, else -EINVAL, unless it is a linear
 *    (recursive) entry that Xen allows (linear_get below);
 *  - bits 52-62 are software-available at every level, as in a release build of
 *    Xen (its base_disallow_mask keeps _PAGE_AVAIL_HIGH; only debug builds reserve
 *    bit 62 for grant mappings). The CPU ignores them while CR4.PKE is clear (we
 *    never set it: with PKE, bits 59-62 of leaf entries would be protection keys);
 *    nothing here interprets them;
 *  - L4 slots 256-271 belong to the hypervisor and cannot be changed; whatever a
 *    new L4 holds there is replaced when it is validated;
 *  - xenheap frames (shared_info, grant frames) are mapped writable without a
 *    type, so they can never take a table or descriptor type.
 *
 * Invariants (ASSERTed at the transitions below, on in debug builds and in
 * the unit tests and fuzzer):
 *  - a frame has one type while type_count > 0, none (PGT_none) at 0;
 *  - no reference is dropped that was not taken (no count goes below 0);
 *  - a frame is freed only with no reference and no type left.
 *
 * Preemptible (de)validation, as Xen's PGT_partial (docs/preemption.md).
 * Validating a table takes references down a whole tree and releasing its
 * last type reference releases one: thousands of tables. In a hypercall
 * (the *_preemptible calls) an L2-L4 table's loop stops between entries
 * when hypercall_preempt_check() says so, and the table is left PARTIAL:
 *  - PARTIAL => a table type (L2-L4; L1s are bounded work and never left
 *    so), type_count == 1, and that type reference plus one general
 *    reference belong to the partial state itself (partial_enter), not to
 *    any user; so any number of chains may resume or abandon it;
 *  - entries [0, validated) hold their references, the others none; both
 *    directions resume from `validated`: validation up (any get of the same
 *    type resumes it), release down (table_devalidate);
 *  - PARTIAL_PTE => the entry at `validated` points at a table that this
 *    table's work left partial too: a release finishes that one first (if
 *    still partial), so releasing the top of a tree releases all of it;
 *  - a partial table can take no other reference: no other type (writable
 *    included), no pin, no base pointer, no linear use, no mmu_update of its
 *    entries (-EINVAL), and memory_op cannot give it back; domain
 *    destruction releases every partial table left, preemptibly too
 *    (domain_relinquish.c);
 *  - a release a hypercall leaves partial is recorded in the vCPU
 *    (arch.pt_release_pending) and finished before that vCPU's next
 *    mmu_update/mmuext_op does anything else (mmu_update.c).
 */
#include <asm/page_type.h>
#include <asm/iomem.h>
#include <asm/page.h>
#include <asm/boot.h>
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/domain.h>
#include <hv/tlb_mask.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/sched.h>

#define L1_DISALLOW  (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE)     /* PSE = PAT in an L1 */
#define LN_DISALLOW  (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL)
#define MFN_INVALID_PTE (PTE_ADDR_MASK >> PAGE_SHIFT)        /* all address bits set */
#define LINEAR_MAX   0x7fff                                  /* frame_info.linear is an s16 */

/* Cache attributes only for a domain with I/O rights (Xen's l1_disallow_mask). */
static u64 l1_disallow(const struct domain *d)
{
    return iomem_cache_attrs_allowed(d) ? 0 : L1_DISALLOW;
}

static struct frame_info *fi(mfn_t mfn)
{
    return &hv_frames.info[mfn];
}

/*
 * page_type_lock (docs/smp.md), one per domain: over its frames' table and
 * descriptor types, the partial states, linear counts and pins. A table
 * operation on a frame runs with d = the frame's owner (its reference is
 * taken with that check) and reaches only d's frames below it: an L2-L4
 * entry names a table of d's, and what an L1 entry names (perhaps another
 * domain's frame) takes only a reference and a writable type, which need
 * no lock. So a CPU holds one domain's at a time, and two domains' page
 * tables are validated at once on two CPUs. Rank LOCK_RANK_PAGE_TYPE,
 * between d->page_alloc_lock (relinquish and XENMEM_exchange hold it
 * around releases) and heap_lock (a last put frees the frame inside it);
 * grant active-entry and maptrack locks are outside it. Validation runs
 * under it: it reads tables through the direct map, never guest memory.
 * It nests on one CPU (rspinlock_t): a caller holds it around a check and
 * the entry points that act on it.
 */
void page_type_lock(struct domain *d)
{
    rspin_lock(&d->page_type_lock);
}

void page_type_unlock(struct domain *d)
{
    rspin_unlock(&d->page_type_lock);
}

bool page_type_locked_by_me(const struct domain *d)
{
    return d && rspin_is_locked_by_me(&d->page_type_lock);
}

void arch_frames_lock(struct domain *d) { page_type_lock(d); }
void arch_frames_unlock(struct domain *d) { page_type_unlock(d); }

/*
 * The domain whose lock guards a typed frame: its owner. A frame with a
 * table or descriptor type has a live owner (destruction releases every
 * such type before the domain goes); the fallback lock only keeps a
 * broken invariant from running unlocked in a release build.
 */
static rspinlock_t ownerless_type_lock = RSPINLOCK_INIT(LOCK_RANK_PAGE_TYPE, "page_type_lock");

static rspinlock_t *owner_type_lock(mfn_t mfn)
{
    u16 id = frame_valid(&hv_frames, mfn) ? hv_frames.info[mfn].owner : FRAME_OWNER_FREE;
    struct domain *d = id < HV_MAX_DOMAINS ? hv_domains[id] : NULL;

    ASSERT(d);
    return d ? &d->page_type_lock : &ownerless_type_lock;
}

#define TRACE_REF(mfn, what) do {                                                          \
        if (unlikely((mfn) == frame_debug_mfn))                                            \
            hv_info("mfn %lx %s: count %u type %u/%u from %p\n", (mfn), (what),            \
                    fi(mfn)->count, fi(mfn)->type, fi(mfn)->type_count,                     \
                    __builtin_return_address(0));                                           \
    } while (0)

static mfn_t pte_mfn(u64 e)
{
    return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

/*
 * TLB entries may outlive the mappings they came from. That is harmless
 * while they reach only the guest's own ordinary pages (as in Xen, the
 * guest flushes after its own L1 changes), so the TLB is flushed before the
 * guest runs again (hv_prepare_return) only when a stale entry could grant
 * more: an L2-L4 entry went away (XSA-286), a frame became a table or
 * descriptor page, or a grant was unmapped. A frame that is freed needs no
 * flush here: whoever may still cache it is flushed before it is allocated
 * again (the TLB clock, hv/tlb_clock.h), once for a whole batch of frees.
 */
/* pt_tlb_flush_needed is this CPU's; the other CPUs that may hold the
 * domain's entries (its dirty-CPU mask, hv/tlb_mask.h) are flushed at once
 * by tlb_flush_domain_stale (docs/smp.md "TLB"). */

/* Not RAM: what Xen gives DOMID_IO (the low 1 MiB, holes, anything past the frame table). */
bool frame_is_io(mfn_t mfn)
{
    return !frame_valid(&hv_frames, mfn) || (fi(mfn)->flags & FRAME_F_IO);
}

bool pt_l4_slot_is_hv(unsigned int idx)
{
    return idx >= 256 && idx <= 271;
}

/*
 * The reference word (owner, flags, count) changes only by cmpxchg or an
 * atomic or/and/add, with or without page_type_lock: a get is refused once
 * the frame is an orphan, so the put that takes an orphan's count to 0 (or
 * the release that finds it 0) is the one that frees it, and only once.
 */
static u64 ref_load(const struct frame_info *f)
{
    return __atomic_load_n(&f->ref, __ATOMIC_ACQUIRE);
}

static bool ref_replace(struct frame_info *f, u64 *old, u64 new)
{
    return __atomic_compare_exchange_n(&f->ref, old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void flags_set(struct frame_info *f, u16 bits)
{
    __atomic_fetch_or(&f->ref, FRAME_REF(0, bits, 0), __ATOMIC_ACQ_REL);
}

static void flags_clear(struct frame_info *f, u16 bits)
{
    __atomic_fetch_and(&f->ref, ~FRAME_REF(0, bits, 0), __ATOMIC_ACQ_REL);
}

static int ref_get_foreign(mfn_t mfn, domid_t owner)
{
    struct frame_info *f;
    u64 old;

    if (!frame_valid(&hv_frames, mfn))
        return -EINVAL;
    f = fi(mfn);
    old = ref_load(f);
    do {
        if (FRAME_REF_OWNER(old) != owner || (FRAME_REF_FLAGS(old) & FRAME_F_ORPHAN) ||
            FRAME_REF_COUNT(old) >= PGT_COUNT_MAX)
            return -EINVAL;
    } while (!ref_replace(f, &old, old + 1));
    return 0;
}

static int ref_get(mfn_t mfn, const struct domain *d)
{
    int rc = ref_get_foreign(mfn, d->id);

    if (!rc)
        TRACE_REF(mfn, "get");
    return rc;
}

/* An orphan's last reference went: the frame goes back to the heap. */
static void orphan_free(mfn_t mfn, u64 ref)
{
    struct frame_info *f = fi(mfn);
    u16 id = FRAME_REF_OWNER(ref);
    struct domain *owner = id < HV_MAX_DOMAINS ? hv_domains[id] : NULL;
    /* shared_info, ioreq pages: never in tot_pages; a dead domain's: not any more */
    bool charged = !(FRAME_REF_FLAGS(ref) & (FRAME_F_XENHEAP | FRAME_F_UNCHARGED));

    ASSERT(f->type_count == 0);
    __atomic_store_n(&f->type_word, 0, __ATOMIC_RELAXED);
    f->linear = 0;
    frame_free(&hv_frames, mfn, 1);                 /* given back while still in use */
    if (charged && owner && owner->tot_pages)        /* charged until now; atomic: no lock */
        __atomic_fetch_sub(&owner->tot_pages, 1, __ATOMIC_RELAXED);
}

static void ref_put(mfn_t mfn)
{
    struct frame_info *f = fi(mfn);
    u64 old = ref_load(f);

    do {
        ASSERT(FRAME_REF_COUNT(old) > 0);
        if (FRAME_REF_COUNT(old) == 0)
            return;
    } while (!ref_replace(f, &old, old - 1));
    TRACE_REF(mfn, "put");
    if (FRAME_REF_COUNT(old) == 1 && (FRAME_REF_FLAGS(old) & FRAME_F_ORPHAN))
        orphan_free(mfn, old - 1);
}

/*
 * The type word (type, type_count) changes only by cmpxchg or an atomic
 * store too. A writable type is taken and dropped with no lock (grant
 * copies and device mappings, a guest's writable PTEs); every other type
 * changes under page_type_lock, and a writable getter that meets one
 * fails, as it did under the lock.
 */
static u64 type_load(const struct frame_info *f)
{
    return __atomic_load_n(&f->type_word, __ATOMIC_ACQUIRE);
}

static bool type_replace(struct frame_info *f, u64 *old, u64 new)
{
    return __atomic_compare_exchange_n(&f->type_word, old, new, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

static void type_clear(struct frame_info *f)
{
    __atomic_store_n(&f->type_word, 0, __ATOMIC_RELEASE);
}

/* One more reference of `type`: -EBUSY/-EINVAL if it has another; *first: it had none. */
static int type_count_get(struct frame_info *f, enum frame_type type, bool *first)
{
    u64 old = type_load(f);

    do {
        if (FRAME_TYPE_COUNT(old) && FRAME_TYPE_OF(old) != type)
            return type == PGT_writable ? -EBUSY : -EINVAL;
        if (FRAME_TYPE_COUNT(old) >= PGT_COUNT_MAX)
            return -EINVAL;
    } while (!type_replace(f, &old, FRAME_TYPE_WORD(type, FRAME_TYPE_COUNT(old) + 1)));
    *first = FRAME_TYPE_COUNT(old) == 0;
    return 0;
}

/* One reference of its type fewer; the type goes with the last. */
static void type_count_put(struct frame_info *f)
{
    u64 old = type_load(f), new;

    do {
        ASSERT(FRAME_TYPE_COUNT(old) > 0);
        if (FRAME_TYPE_COUNT(old) == 0)
            return;
        new = FRAME_TYPE_COUNT(old) == 1 ? 0 : old - 1;
    } while (!type_replace(f, &old, new));
}

static int writable_get(mfn_t mfn)
{
    bool first;

    return type_count_get(fi(mfn), PGT_writable, &first);
}

u64 pt_adjust_entry(u64 e, unsigned int level)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (level == 1 && !(e & _PAGE_USER))
        return (e | _PAGE_USER) & ~_PAGE_GLOBAL;     /* guest-kernel page: CPL 3, not global */
    return e | _PAGE_USER;
}

static int entry_get(u64 e, unsigned int level, mfn_t table, struct domain *d, domid_t pg_owner,
                     bool preempt);
static int entry_put(u64 e, unsigned int level, mfn_t table, bool preempt);

#define PARTIAL_DEPTH_MAX 8                          /* L4 -> linear L4 -> L3 -> L2: 4 at most */

static bool is_partial(mfn_t mfn)
{
    return frame_valid(&hv_frames, mfn) && (fi(mfn)->flags & FRAME_F_PARTIAL);
}

static unsigned int table_level(const struct frame_info *f)
{
    return f->type - PGT_l1 + 1;
}

/* The type reference the table has (its first user's, or its last one's) becomes its own. */
static void partial_enter(mfn_t mfn, unsigned int validated)
{
    struct frame_info *f = fi(mfn);

    ASSERT(!(f->flags & FRAME_F_PARTIAL) && f->type_count == 1 && pgt_is_table(f->type));
    f->validated = validated;
    flags_set(f, FRAME_F_PARTIAL);
    __atomic_fetch_add(&f->ref, 1, __ATOMIC_ACQ_REL);   /* the partial state's own reference */
    TRACE_REF(mfn, "partial");
}

/* Validated: the type reference goes to the caller. Released: no type left. */
static void partial_leave(mfn_t mfn, bool released)
{
    struct frame_info *f = fi(mfn);

    ASSERT((f->flags & FRAME_F_PARTIAL) && f->type_count == 1 && !(f->flags & FRAME_F_PARTIAL_PTE));
    ASSERT(f->validated == (released ? 0 : PTE_LEVEL_ENTRIES));
    flags_clear(f, FRAME_F_PARTIAL);
    f->validated = 0;
    if (released)
        type_clear(f);                               /* a writable getter may take it now */
    ref_put(mfn);
}

static int table_devalidate(mfn_t mfn, bool preempt, unsigned int depth);

/* A table an entry left partial: finished unless somebody else did (or it is too deep). */
static int finish_child(mfn_t child, bool preempt, unsigned int depth)
{
    if (!is_partial(child) || depth >= PARTIAL_DEPTH_MAX)
        return 0;                                    /* too deep: domain destruction takes it */
    return table_devalidate(child, preempt, depth + 1);
}

/*
 * Releases a partial table's entries from `validated` down to 0 (a table
 * one of them left partial first). 0: released, no type left; -ERESTART:
 * preempted, still partial.
 */
static int table_devalidate(mfn_t mfn, bool preempt, unsigned int depth)
{
    struct frame_info *f = fi(mfn);
    unsigned int level = table_level(f), start = f->validated;
    u64 *t = hv_mfn_to_virt(mfn);

    ASSERT(f->flags & FRAME_F_PARTIAL);
    for (;;) {
        if (f->flags & FRAME_F_PARTIAL_PTE) {
            int rc = finish_child(pte_mfn(t[f->validated]), preempt, depth);

            if (rc)
                return rc;
            flags_clear(f, FRAME_F_PARTIAL_PTE);
        }
        if (!f->validated)
            break;
        if (preempt && level > 1 && f->validated != start &&
            (t[f->validated - 1] & _PAGE_PRESENT) && hypercall_preempt_check())
            return -ERESTART;
        unsigned int i = --f->validated;

        if (level == 4 && pt_l4_slot_is_hv(i))
            continue;
        if (entry_put(t[i], level, mfn, preempt) == -ERESTART) {
            flags_set(f, FRAME_F_PARTIAL_PTE);       /* t[validated]'s target is partial now */
            return -ERESTART;
        }
    }
    partial_leave(mfn, true);
    return 0;
}

/* Takes entries [from, 512); *at is where it stopped (preempted, or a bad entry). */
static int validate_entries(mfn_t mfn, unsigned int level, struct domain *d, unsigned int from,
                            unsigned int *at, bool preempt)
{
    u64 *t = hv_mfn_to_virt(mfn);

    for (unsigned int i = from; i < PTE_LEVEL_ENTRIES; i++) {
        *at = i;
        if (level == 4 && pt_l4_slot_is_hv(i))
            continue;
        if (preempt && level > 1 && i > from && (t[i] & _PAGE_PRESENT) && hypercall_preempt_check())
            return -ERESTART;                        /* a unit of work: one present entry */
        u64 e = pt_adjust_entry(t[i], level);
        int rc;

        if (unlikely(pte_mfn(e) == frame_debug_mfn && (e & _PAGE_PRESENT)))
            hv_info("validating L%u %lx[%u] -> debug mfn\n", level, mfn, i);
        rc = entry_get(e, level, mfn, d, d->id, preempt);
        if (rc)
            return rc;
        t[i] = e;
    }
    *at = PTE_LEVEL_ENTRIES;
    return 0;
}

/* The entry at `at` points at the next level down, which its validation left partial. */
static bool child_left_partial(mfn_t mfn, unsigned int level, unsigned int at)
{
    u64 e = ((u64 *)hv_mfn_to_virt(mfn))[at];

    return level > 1 && at < PTE_LEVEL_ENTRIES && (e & _PAGE_PRESENT) && pte_mfn(e) != mfn &&
           is_partial(pte_mfn(e)) && fi(pte_mfn(e))->type == PGT_l1 + level - 2;
}

/*
 * Validates a table (type set, type_count 1) from where it stands: 0, or
 * `validated` of a partial one. 0: every entry holds, the type reference
 * is the caller's. -ERESTART: left partial. A bad entry: undone at once
 * without preemption; else left partial for the top caller to release
 * preemptibly (release_left_partial).
 */
static int table_validate(mfn_t mfn, struct domain *d, bool preempt)
{
    struct frame_info *f = fi(mfn);
    unsigned int level = table_level(f), at;
    int rc;

    flags_clear(f, FRAME_F_PARTIAL_PTE);             /* entry_get resumes that child */
    rc = validate_entries(mfn, level, d, (f->flags & FRAME_F_PARTIAL) ? f->validated : 0, &at, preempt);
    if (!rc) {
        if (level == 4) {
            for (unsigned int i = 256; i <= 271; i++)
                ((u64 *)hv_mfn_to_virt(mfn))[i] = 0; /* guest junk never reaches the CPU */
            mm_install_hv_slots(hv_mfn_to_virt(mfn));
        }
        if (f->flags & FRAME_F_PARTIAL) {
            f->validated = PTE_LEVEL_ENTRIES;
            partial_leave(mfn, false);
        }
        return 0;
    }
    if (f->flags & FRAME_F_PARTIAL)
        f->validated = at;
    else
        partial_enter(mfn, at);
    if (child_left_partial(mfn, level, at))
        flags_set(f, FRAME_F_PARTIAL_PTE);
    if (rc != -ERESTART && !preempt)
        table_devalidate(mfn, false, 0);
    return rc;
}

/*
 * A writable reference needs no lock (writable_get). Any other type: under
 * page_type_lock, so a table's validation, or its resumption when partial,
 * is one CPU's; the type word's cmpxchg keeps writable getters out meanwhile.
 */
static int get_type(mfn_t mfn, enum frame_type type, struct domain *d, bool preempt)
{
    struct frame_info *f = fi(mfn);
    bool first;
    int rc;

    if (type == PGT_writable)
        return writable_get(mfn);
    ASSERT(page_type_locked_by_me(d));
    if ((f->flags & FRAME_F_PARTIAL) && f->type == type)
        return table_validate(mfn, d, preempt);      /* resumed; the type reference is ours */
    if (f->flags & FRAME_F_XENHEAP)
        return -EINVAL;                             /* mapped writable untyped: never a table */
    rc = type_count_get(f, type, &first);
    if (rc)
        return rc;
    TRACE_REF(mfn, "get_type");
    if (!first)
        return 0;
    tlb_flush_domain_stale(d);                      /* stale writable TLB entries must go */
    return pgt_is_table(type) ? table_validate(mfn, d, preempt) : 0;
}

/* A partial table (PARTIAL_PTE, or a child's release under way) has only its own reference. */
static int put_type(mfn_t mfn, bool preempt)
{
    struct frame_info *f = fi(mfn);
    u64 w = type_load(f);

    ASSERT(FRAME_TYPE_COUNT(w) > 0 && FRAME_TYPE_OF(w) != PGT_none && !(f->flags & FRAME_F_PARTIAL));
    if (FRAME_TYPE_COUNT(w) == 0 || (f->flags & FRAME_F_PARTIAL))
        return 0;
    TRACE_REF(mfn, "put_type");
    if (FRAME_TYPE_OF(w) != PGT_writable)
        ASSERT(rspin_is_locked_by_me(owner_type_lock(mfn)));
    if (FRAME_TYPE_COUNT(w) == 1 && pgt_is_table(FRAME_TYPE_OF(w))) {
        partial_enter(mfn, PTE_LEVEL_ENTRIES);      /* the last user's reference becomes its own */
        return table_devalidate(mfn, preempt, 0);
    }
    type_count_put(f);
    return 0;
}

static int get_and_type(mfn_t mfn, enum frame_type type, struct domain *d, bool preempt)
{
    int rc = ref_get(mfn, d);

    if (rc)
        return rc;
    rc = get_type(mfn, type, d, preempt);
    if (rc)
        ref_put(mfn);
    return rc;
}

static void put_and_type(mfn_t mfn)
{
    put_type(mfn, false);
    ref_put(mfn);
}

/*
 * A release this hypercall left partial: recorded in the vCPU, finished
 * before it does anything else (mmu_update.c). One at a time: a second
 * (never expected), or another domain's table (a privileged caller's), is
 * finished at once.
 */
static void defer_release(mfn_t mfn)
{
    mfn_t *pending = &current->arch.pt_release_pending;

    if ((*pending && *pending != mfn) || fi(mfn)->owner != current->domain->id)
        table_devalidate(mfn, false, 0);
    else
        *pending = mfn;
}

/* A failed preemptible get may leave d's table of `type` partial: released preemptibly. */
static void release_left_partial(mfn_t mfn, enum frame_type type, const struct domain *d)
{
    if (is_partial(mfn) && fi(mfn)->owner == d->id && fi(mfn)->type == type &&
        table_devalidate(mfn, true, 0) == -ERESTART)
        defer_release(mfn);
}

static int get_and_type_preemptible(mfn_t mfn, enum frame_type type, struct domain *d)
{
    int rc = get_and_type(mfn, type, d, true);

    if (rc && rc != -ERESTART)
        release_left_partial(mfn, type, d);
    return rc;
}

static void put_and_type_preemptible(mfn_t mfn)
{
    if (put_type(mfn, true) == -ERESTART)
        defer_release(mfn);
    ref_put(mfn);
}

static int release_resume(mfn_t mfn, const struct domain *d)
{
    if (!is_partial(mfn) || fi(mfn)->owner != d->id)
        return 0;                                    /* done meanwhile (or reused: not ours) */
    return table_devalidate(mfn, true, 0);
}

/*
 * Domain destruction (domain_relinquish.c, from the idle loop, no vCPU of
 * the domain current): a put that may release a tree, preemptible. A
 * release left partial stays so; partial_release carries it on.
 */
static int put_and_type_relinquish(mfn_t mfn)
{
    int rc = put_type(mfn, true);

    ref_put(mfn);
    return rc;
}

static int unpin_relinquish(mfn_t mfn)
{
    if (!(fi(mfn)->flags & FRAME_F_PINNED))
        return 0;
    flags_clear(fi(mfn), FRAME_F_PINNED);
    return put_and_type_relinquish(mfn);
}

static int partial_release(mfn_t mfn)
{
    return is_partial(mfn) ? table_devalidate(mfn, true, 0) : 0;
}

/*
 * Linear (recursive) page tables, as Xen's get_lN_linear_pagetable: an
 * L2/L3/L4 entry that does not point at a next-level table may point at a
 * table of its own level, if
 *  - it is read-only (a writable one would let the guest write its own
 *    page-table entries: XSA-182/XSA-240);
 *  - it points at its own table (a self-map: no reference at all, or the
 *    table could never be released), or at another already-validated table
 *    of the same level and owner, which then holds one more type reference;
 *  - and only one step: a table that holds linear entries cannot be the
 *    target of one, and a target cannot hold any (frame_info.linear counts
 *    one or the other). So releasing a linear target never releases linear
 *    entries in turn, and the release recursion stays bounded by the levels.
 */
static bool linear_get(u64 e, unsigned int level, mfn_t table, struct domain *d)
{
    mfn_t target = pte_mfn(e);
    struct frame_info *pt = fi(table), *t;

    if (e & _PAGE_RW)
        return false;
    if (target == table)
        return true;
    if (pt->owner != d->id || ref_get(target, d))
        return false;
    t = fi(target);
    if (pt->linear < 0 || pt->linear == LINEAR_MAX || t->linear > 0 || t->linear == -LINEAR_MAX ||
        (t->flags & FRAME_F_PARTIAL) ||
        !t->type_count || t->type != PGT_l1 + level - 1 || t->type_count >= PGT_COUNT_MAX) {
        ref_put(target);
        return false;
    }
    pt->linear++;
    t->linear--;
    __atomic_fetch_add(&t->type_word, 1, __ATOMIC_ACQ_REL);   /* a table's: no writable getter races */
    TRACE_REF(target, "linear_get");
    return true;
}

/* An entry of `table` that points at a table of the same type is linear. */
static bool entry_is_linear(mfn_t target, mfn_t table)
{
    return fi(target)->type_count && fi(target)->type == fi(table)->type;
}

/*
 * Whose I/O rights a frame that is not RAM needs (Xen's get_page_from_l1e):
 * the foreign domain the caller names, and the table's owner too. Dom0
 * mapping "a frame of domU" that is really MMIO is refused (-EPERM) like the
 * domU itself; DOMID_IO (and DOMID_XEN, which owns no MMIO here) revert to
 * the table's owner.
 */
static int io_map_permitted(const struct domain *d, domid_t pg_owner, mfn_t target)
{
    const struct domain *who = d;

    if (pg_owner != d->id && pg_owner < HV_MAX_DOMAINS)
        who = hv_domains[pg_owner];
    if (!who || iomem_map_permitted(who, target))
        return -EPERM;
    return who == d ? 0 : iomem_map_permitted(d, target);
}

/*
 * References an entry at `level` of `table` needs: a page (+writable type)
 * or a lower table (or a linear one). An L1 entry may map a frame of
 * `pg_owner` (the caller's foreign domain, checked by the caller; d->id
 * otherwise, or DOMID_IO/DOMID_XEN which own no RAM here).
 */
static int entry_get(u64 e, unsigned int level, mfn_t table, struct domain *d, domid_t pg_owner,
                     bool preempt)
{
    mfn_t target = pte_mfn(e);
    int rc;

    if (!(e & _PAGE_PRESENT))
        return 0;
    if (e & (level == 1 ? l1_disallow(d) : LN_DISALLOW))
        return -EINVAL;
    if (level == 1) {
        if (frame_is_io(target))                    /* I/O rights: the privileged domain's (iomem.c) */
            return target == MFN_INVALID_PTE ? -EINVAL : io_map_permitted(d, pg_owner, target);
        if (ref_get_foreign(target, pg_owner))
            return -EBUSY;                          /* RAM that is not the page owner's */
        if (!(e & _PAGE_RW))
            return 0;
        if (fi(target)->flags & FRAME_F_XENHEAP)
            return 0;                               /* shared_info etc: no types */
        rc = get_type(target, PGT_writable, d, false) ? -EBUSY : 0;
        if (rc)
            ref_put(target);
        return rc;
    }
    rc = get_and_type(target, PGT_l1 + level - 2, d, preempt);
    if (rc == -EINVAL && frame_valid(&hv_frames, target) && linear_get(e, level, table, d))
        rc = 0;
    return rc;
}

/* -ERESTART: the target's release was preempted, it is left partial. */
static int entry_put(u64 e, unsigned int level, mfn_t table, bool preempt)
{
    mfn_t target = pte_mfn(e);
    int rc = 0;

    if (!(e & _PAGE_PRESENT) || !frame_valid(&hv_frames, target))
        return 0;
    if (level == 1 && frame_is_io(target))
        return 0;                                   /* an I/O frame took no reference */
    if (level > 1) {
        tlb_flush_domain_stale(current ? current->domain : NULL);   /* XSA-286 */
        if (target == table)
            return 0;                               /* a self-map took nothing */
        if (entry_is_linear(target, table)) {
            fi(table)->linear--;
            fi(target)->linear++;
        }
    }
    if (level > 1 || ((e & _PAGE_RW) && !(fi(target)->flags & FRAME_F_XENHEAP)))
        rc = put_type(target, preempt);
    ref_put(target);
    return rc;
}

static int mod_entry(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                     struct domain *d, domid_t pg_owner, bool preserve_ad, bool preempt)
{
    u64 *slot = (u64 *)hv_mfn_to_virt(table) + idx;
    u64 old = *slot;
    int rc;

    if ((level == 4 && pt_l4_slot_is_hv(idx)) || (fi(table)->flags & FRAME_F_PARTIAL))
        return -EINVAL;
    val = pt_adjust_entry(val, level);
    if (preserve_ad)
        val |= old & (_PAGE_ACCESSED | _PAGE_DIRTY);
    if (unlikely(table == frame_debug_mfn || (pte_mfn(val) == frame_debug_mfn && (val & _PAGE_PRESENT)) ||
                 (pte_mfn(old) == frame_debug_mfn && (old & _PAGE_PRESENT))))
        hv_info("mod L%u %lx[%u]: %lx -> %lx (table type %u/%u)\n", level, table, idx,
                (unsigned long)old, (unsigned long)val, fi(table)->type, fi(table)->type_count);
    rc = entry_get(val, level, table, d, level == 1 ? pg_owner : d->id, preempt);
    if (rc) {
        if (preempt && rc != -ERESTART && level > 1 && (val & _PAGE_PRESENT))
            release_left_partial(pte_mfn(val), PGT_l1 + level - 2, d);
        return rc;
    }
    *slot = val;
    if (entry_put(old, level, table, preempt) == -ERESTART)
        defer_release(pte_mfn(old));
    return 0;
}

/*
 * A live domain's orphan (given back while mapped) stays charged until it is
 * freed, else mapping and giving back frames in a loop beats max_pages. A
 * dead domain's (owner_gone: destruction gives back every frame) is charged
 * to nobody: the domain is freed before the back end that maps the frame
 * lets go, and by then its id may be another domain's. The caller checked
 * that the frame is its domain's: nothing but a release frees a domain's
 * frame that is not an orphan, and releases are under the owner's locks.
 */
static bool release_frame(mfn_t mfn, bool owner_gone)
{
    struct frame_info *f = fi(mfn);
    u64 old = ref_load(f), new;

    ASSERT(!(f->flags & FRAME_F_PARTIAL));
    /* Before ORPHAN: once it is set, a last put on another CPU may free the
     * frame and the allocator give it (and its M2P slot) to somebody else. */
    arch_m2p_set(mfn, ~0UL);
    do {
        if (FRAME_REF_FLAGS(old) & FRAME_F_ORPHAN)
            return false;                            /* released already */
        new = old | FRAME_REF(0, FRAME_F_ORPHAN, 0);  /* no reference can be taken from here on */
        if (owner_gone && FRAME_REF_COUNT(old))
            new |= FRAME_REF(0, FRAME_F_UNCHARGED, 0);
    } while (!ref_replace(f, &old, new));
    if (FRAME_REF_COUNT(old))
        return false;                                /* still mapped (a grant): its last put frees it */
    ASSERT(f->type_count == 0);
    type_clear(f);
    f->linear = 0;
    frame_free(&hv_frames, mfn, 1);                  /* it may go to another domain next */
    return true;
}

static int pin(mfn_t mfn, enum frame_type type, struct domain *d, bool preempt)
{
    int rc;

    if (!frame_valid(&hv_frames, mfn) || fi(mfn)->owner != d->id)
        return -EINVAL;
    if (fi(mfn)->flags & FRAME_F_PINNED)
        return -EINVAL;
    rc = preempt ? get_and_type_preemptible(mfn, type, d) : get_and_type(mfn, type, d, false);
    if (rc)
        return rc;
    flags_set(fi(mfn), FRAME_F_PINNED);
    return 0;
}

static int unpin(mfn_t mfn, struct domain *d, bool preempt)
{
    if (!frame_valid(&hv_frames, mfn) || fi(mfn)->owner != d->id ||
        !(fi(mfn)->flags & FRAME_F_PINNED))
        return -EINVAL;
    flags_clear(fi(mfn), FRAME_F_PINNED);
    if (preempt)
        put_and_type_preemptible(mfn);
    else
        put_and_type(mfn);
    return 0;
}


/*
 * The public entry points. General references and writable types take no
 * lock (their words are cmpxchg'd); every other entry point takes the
 * owner's page_type_lock for its whole work (the functions above run under
 * it and never take it again); a caller that must decide on a frame's
 * state and act on it in one step (grant maps, update_va_mapping, ptwr,
 * descriptor writes, XENMEM_exchange) holds it around both with
 * page_type_lock/unlock(d), and the entry points it calls meanwhile only
 * count a level of nesting.
 */
int page_get(mfn_t mfn, const struct domain *d)
{
    return ref_get(mfn, d);                          /* a cmpxchg: no lock */
}

int page_get_foreign(mfn_t mfn, domid_t owner)
{
    return ref_get_foreign(mfn, owner);
}

void page_put(mfn_t mfn)
{
    ref_put(mfn);
}

/* The type a caller's reference holds: it cannot change under that reference. */
static bool holds_writable(mfn_t mfn)
{
    return FRAME_TYPE_OF(type_load(fi(mfn))) == PGT_writable;
}

/*
 * Under the lock of the domain d (the frame's owner: ref_get and pin check
 * it), or of the frame's owner for a put by frame number.
 */
/* The lock is looked up once: a put may free the frame and its owner change. */
#define UNDER(l, expr) ({ rspinlock_t *l_ = (l); rspin_lock(l_); __typeof__(expr) rc_ = (expr); \
                          rspin_unlock(l_); rc_; })
#define UNDER_D(d, expr)      UNDER(&(d)->page_type_lock, expr)
#define UNDER_OWNER(m, expr)  UNDER(owner_type_lock(m), expr)

int page_get_type(mfn_t mfn, enum frame_type type, struct domain *d)
{
    if (type == PGT_writable)
        return writable_get(mfn);
    return UNDER_D(d, get_type(mfn, type, d, false));
}

void page_put_type(mfn_t mfn)
{
    if (holds_writable(mfn))
        put_type(mfn, false);
    else
        UNDER_OWNER(mfn, put_type(mfn, false));
}

int page_get_and_type(mfn_t mfn, enum frame_type type, struct domain *d)
{
    if (type == PGT_writable)
        return get_and_type(mfn, type, d, false);
    return UNDER_D(d, get_and_type(mfn, type, d, false));
}

void page_put_and_type(mfn_t mfn)
{
    if (holds_writable(mfn))
        put_and_type(mfn);
    else
        UNDER_OWNER(mfn, (put_and_type(mfn), 0));
}

int page_get_and_type_preemptible(mfn_t mfn, enum frame_type type, struct domain *d)
{
    return UNDER_D(d, get_and_type_preemptible(mfn, type, d));
}

void page_put_and_type_preemptible(mfn_t mfn)
{
    UNDER_OWNER(mfn, (put_and_type_preemptible(mfn), 0));
}

int page_release_resume(mfn_t mfn, struct domain *d)
{
    return UNDER_D(d, release_resume(mfn, d));
}

int page_put_and_type_relinquish(mfn_t mfn)
{
    return UNDER_OWNER(mfn, put_and_type_relinquish(mfn));
}

int page_unpin_relinquish(mfn_t mfn)
{
    return UNDER_OWNER(mfn, unpin_relinquish(mfn));
}

int page_partial_release(mfn_t mfn)
{
    return is_partial(mfn) ? UNDER_OWNER(mfn, partial_release(mfn)) : 0;
}

/* Only for L1 entries (grant mappings): a reference and perhaps a writable type, no lock. */
void pt_entry_put(u64 e, unsigned int level)
{
    ASSERT(level == 1);
    entry_put(e, 1, INVALID_MFN, false);
}

/* d's table only: the lock is the table's owner's. */
static int mod_entry_locked(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                            struct domain *d, domid_t pg_owner, bool preserve_ad, bool preempt)
{
    if (!frame_valid(&hv_frames, table) || fi(table)->owner != d->id)
        return -EINVAL;
    return UNDER_D(d, mod_entry(table, idx, val, level, d, pg_owner, preserve_ad, preempt));
}

int pt_mod_entry(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                 struct domain *d, bool preserve_ad)
{
    return mod_entry_locked(table, idx, val, level, d, d->id, preserve_ad, false);
}

int pt_mod_entry_foreign(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                         struct domain *d, domid_t pg_owner, bool preserve_ad)
{
    return mod_entry_locked(table, idx, val, level, d, pg_owner, preserve_ad, false);
}

int pt_mod_entry_preemptible(mfn_t table, unsigned int idx, u64 val, unsigned int level,
                             struct domain *d, domid_t pg_owner, bool preserve_ad)
{
    return mod_entry_locked(table, idx, val, level, d, pg_owner, preserve_ad, true);
}

/* No lock: the reference word decides (release_frame). A caller that checked
 * the frame's pins or partial state first holds its owner's lock. */
bool arch_release_frame(mfn_t mfn)
{
    return release_frame(mfn, false);
}

bool arch_release_frame_uncharged(mfn_t mfn)
{
    return release_frame(mfn, true);
}

static int pin_locked(mfn_t mfn, enum frame_type type, struct domain *d, bool preempt)
{
    return UNDER_D(d, pin(mfn, type, d, preempt));
}

static int unpin_locked(mfn_t mfn, struct domain *d, bool preempt)
{
    return UNDER_D(d, unpin(mfn, d, preempt));
}

int page_pin(mfn_t mfn, enum frame_type type, struct domain *d) { return pin_locked(mfn, type, d, false); }
int page_unpin(mfn_t mfn, struct domain *d) { return unpin_locked(mfn, d, false); }
int page_pin_preemptible(mfn_t mfn, enum frame_type type, struct domain *d) { return pin_locked(mfn, type, d, true); }
int page_unpin_preemptible(mfn_t mfn, struct domain *d) { return unpin_locked(mfn, d, true); }
