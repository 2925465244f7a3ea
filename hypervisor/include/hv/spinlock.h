/*
 * Locks: a fair ticket spinlock, an rwlock, and (debug builds, host tests)
 * the lock-order checker. docs/smp.md has the lock table and the rules.
 *
 * - Every spin loop serves a pending call-function/TLB-flush request aimed
 *   at this CPU (arch_spin_wait_serve): the hypervisor runs with interrupts
 *   off, so a holder waiting for this CPU's flush cannot deadlock against
 *   it. Call-function handlers therefore take no lock.
 * - Every lock has a rank (enum lock_rank, the table of docs/smp.md): a
 *   CPU takes locks in increasing rank only. Two locks of one rank (two
 *   domains' event locks) carry keys (the domain id) and go lower key
 *   first: spin_lock_pair. A violation panics naming both locks.
 * - ASSERT(spin_is_locked_by_me(&l)) states where code requires a lock.
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/types.h>
#include <hv/arch.h>

enum lock_rank {
    LOCK_RANK_NONE = 0,                /* not checked (the rwlock's writer queue) */
    LOCK_RANK_DOMLIST,                 /* domlist_lock (rw): the domain list, ids */
    LOCK_RANK_DOMAIN,                  /* d->domain_lock: life cycle */
    LOCK_RANK_EVENT,                   /* d->event_lock: port allocation, binding, closing */
    LOCK_RANK_EVTCHN_PORT,             /* a port's lock: send, unmask, raise */
    LOCK_RANK_EVTCHN_QUEUE,            /* the FIFO ABI's per-vCPU queue lock */
    LOCK_RANK_GRANT,                   /* gt->lock (rw) */
    LOCK_RANK_GRANT_ACTIVE,            /* an active grant entry's lock */
    LOCK_RANK_MAPTRACK,                /* the mapper's maptrack free list */
    LOCK_RANK_PAGE_ALLOC,              /* d->page_alloc_lock: page list, tot_pages */
    LOCK_RANK_PAGE_TYPE,               /* d->page_type_lock: d's frames' table types, pins (x86 pv/page_type.c) */
    LOCK_RANK_HEAP,                    /* heap_lock: the frame allocator */
    LOCK_RANK_IOREQ,                   /* d->ioreq->lock: servers, vCPUs' waits (common/ioreq.c); only the run queue inside */
    LOCK_RANK_RUNQ,                    /* per-CPU run queue */
    LOCK_RANK_TIMER,                   /* per-CPU software-timer list */
    LOCK_RANK_PIRQ,                    /* pirq_lock: GSI -> PIRQ -> port (pirq.c); under an event lock */
    LOCK_RANK_IOAPIC,                  /* ioapic_lock: I/O APIC index/data registers */
    LOCK_RANK_PCI_CONF,                /* pci_conf_lock: the 0xcf8/0xcfc pair (hypervisor and dom0); under pirq_lock */
    LOCK_RANK_CONSOLE,                 /* console output: innermost, anyone may print */
};

#define LOCK_NO_KEY 0xffffffffu

/* What the checker knows of a lock. */
struct lock_dbg {
    const char *name;
    u32 rank;
    u32 key;                           /* same-rank order (domain id), or LOCK_NO_KEY */
};

typedef struct {
    union {
        u32 word;
        struct { u16 head, tail; };    /* now serving / next ticket */
    } t;
    struct lock_dbg dbg;
#ifdef HV_LOCK_DEBUG
    unsigned int owner;                /* holder's CPU + 1; 0: free */
#endif
} spinlock_t;

typedef struct {
    u32 cnt;                           /* readers, and RW_WRITER while a writer holds or waits */
    spinlock_t wq;                     /* writers queue here, fairly */
    struct lock_dbg dbg;
#ifdef HV_LOCK_DEBUG
    unsigned int writer;               /* the writer's CPU + 1; 0: none */
#endif
} rwlock_t;
#define RW_WRITER 0x80000000u

#define LOCK_DBG_INIT(rank_, name_) { .name = (name_), .rank = (rank_), .key = LOCK_NO_KEY }
#define SPINLOCK_INIT(rank_, name_) { .dbg = LOCK_DBG_INIT(rank_, name_) }
#define RWLOCK_INIT(rank_, name_) \
    { .wq = SPINLOCK_INIT(LOCK_RANK_NONE, "rw-writers"), .dbg = LOCK_DBG_INIT(rank_, name_) }

void spin_lock_init(spinlock_t *l, enum lock_rank rank, const char *name);
/* A lock of which a CPU may hold two (two domains'): key orders them. */
void spin_lock_init_keyed(spinlock_t *l, enum lock_rank rank, const char *name, u32 key);
void rwlock_init(rwlock_t *l, enum lock_rank rank, const char *name);

/* The checker (common/spinlock.c); no-ops in release builds. */
#ifdef HV_LOCK_DEBUG
void lock_check_acquire(const struct lock_dbg *l);   /* panics on a wrong order */
void lock_check_acquired(const struct lock_dbg *l);  /* pushes (trylock: no order check) */
void lock_check_release(const struct lock_dbg *l);
bool lock_check_held(const struct lock_dbg *l);
unsigned int lock_check_nr_held(void);
/* Guest accesses (hv/guest_access.h): panics if this CPU holds a lock.
 * Out of line: it is on the hot path's copies. */
void lock_check_none_held(void);
/* The panic path (and a test that caught a panic) forgets what was held. */
void lock_check_reset(void);
#else
static inline void lock_check_acquire(const struct lock_dbg *l) { (void)l; }
static inline void lock_check_acquired(const struct lock_dbg *l) { (void)l; }
static inline void lock_check_release(const struct lock_dbg *l) { (void)l; }
static inline unsigned int lock_check_nr_held(void) { return 0; }
static inline void lock_check_none_held(void) { }
static inline void lock_check_reset(void) { }
#endif

void spin_lock_slow(spinlock_t *l, u16 ticket);

/* The raw ticket lock, without the checker (the rwlock's writer queue). */
static inline void ticket_lock(spinlock_t *l)
{
    u16 ticket = (u16)(arch_fetch_add(&l->t.word, 1u << 16) >> 16);

    if (unlikely(arch_load_acquire(&l->t.head) != ticket))
        spin_lock_slow(l, ticket);
}

static inline void ticket_unlock(spinlock_t *l)
{
    arch_store_release(&l->t.head, (u16)(l->t.head + 1));
}

static inline bool ticket_trylock(spinlock_t *l)
{
    u32 old = arch_load_acquire(&l->t.word);

    if ((old & 0xffff) != (old >> 16))
        return false;
    return arch_cmpxchg(&l->t.word, &old, old + (1u << 16));
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    u32 w = arch_load_acquire(&l->t.word);

    return (w & 0xffff) != (w >> 16);
}

static inline void spin_lock(spinlock_t *l)
{
    lock_check_acquire(&l->dbg);
    ticket_lock(l);
#ifdef HV_LOCK_DEBUG
    l->owner = smp_processor_id() + 1;
    lock_check_acquired(&l->dbg);
#endif
}

static inline bool spin_trylock(spinlock_t *l)
{
    if (!ticket_trylock(l))
        return false;
#ifdef HV_LOCK_DEBUG
    l->owner = smp_processor_id() + 1;
    lock_check_acquired(&l->dbg);
#endif
    return true;
}

static inline void spin_unlock(spinlock_t *l)
{
#ifdef HV_LOCK_DEBUG
    lock_check_release(&l->dbg);
    l->owner = 0;
#endif
    ticket_unlock(l);
}

/* For a lock also taken where interrupts may be on (the idle loop). */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = arch_irq_save();

    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    arch_irq_restore(flags);
}

/* Debug builds: held by this CPU. Release builds (ASSERTs off) can only
 * say "held by some CPU". */
static inline bool spin_is_locked_by_me(const spinlock_t *l)
{
#ifdef HV_LOCK_DEBUG
    return spin_is_locked(l) && l->owner == smp_processor_id() + 1;
#else
    return spin_is_locked(l);
#endif
}

/* Two locks of one rank (two domains' locks): lower key first; one lock
 * when they are the same. */
void spin_lock_pair(spinlock_t *a, spinlock_t *b);
void spin_unlock_pair(spinlock_t *a, spinlock_t *b);

/*
 * A lock its holder may take again (Xen's spin_lock_recursive): a caller
 * holds it around a check and the calls that act on it, which take it
 * too. The checker sees it once however deep. Its holder is known in
 * release builds too (holder: CPU + 1, 0: free).
 */
typedef struct {
    spinlock_t lock;
    unsigned int holder;
    unsigned int depth;
} rspinlock_t;

#define RSPINLOCK_INIT(rank_, name_) { .lock = SPINLOCK_INIT(rank_, name_) }
void rspin_lock_init(rspinlock_t *l, enum lock_rank rank, const char *name);
void rspin_lock(rspinlock_t *l);
void rspin_unlock(rspinlock_t *l);
bool rspin_is_locked_by_me(const rspinlock_t *l);

void read_lock(rwlock_t *l);
void read_unlock(rwlock_t *l);
void write_lock(rwlock_t *l);
void write_unlock(rwlock_t *l);
bool rw_is_write_locked_by_me(const rwlock_t *l);
/* Read or write, by this CPU (debug builds; release builds: by any CPU). */
bool rw_is_locked_by_me(const rwlock_t *l);

#endif
