/*
 * The slow paths of hv/spinlock.h, the rwlock, and the lock-order checker.
 *
 * The checker keeps per CPU (struct pcpu) the locks it holds. A lock may
 * be taken only if its rank is above every held lock's rank, or equal to
 * one with both keyed and its key above: the order of docs/smp.md, checked
 * at every acquisition in debug builds rather than found by a deadlock.
 */
#include <hv/spinlock.h>
#include <hv/console.h>
#include <hv/bug.h>

void spin_lock_init(spinlock_t *l, enum lock_rank rank, const char *name)
{
    *l = (spinlock_t)SPINLOCK_INIT(rank, name);
}

void spin_lock_init_keyed(spinlock_t *l, enum lock_rank rank, const char *name, u32 key)
{
    spin_lock_init(l, rank, name);
    l->dbg.key = key;
}

void rspin_lock_init(rspinlock_t *l, enum lock_rank rank, const char *name)
{
    *l = (rspinlock_t)RSPINLOCK_INIT(rank, name);
}

bool rspin_is_locked_by_me(const rspinlock_t *l)
{
    return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == smp_processor_id() + 1;
}

/* Only this CPU writes its own id into holder, so the test needs no lock. */
void rspin_lock(rspinlock_t *l)
{
    if (rspin_is_locked_by_me(l)) {
        l->depth++;
        return;
    }
    spin_lock(&l->lock);
    __atomic_store_n(&l->holder, smp_processor_id() + 1, __ATOMIC_RELAXED);
    l->depth = 1;
}

void rspin_unlock(rspinlock_t *l)
{
    ASSERT(rspin_is_locked_by_me(l) && l->depth > 0);
    if (--l->depth)
        return;
    __atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
    spin_unlock(&l->lock);
}

void rwlock_init(rwlock_t *l, enum lock_rank rank, const char *name)
{
    *l = (rwlock_t)RWLOCK_INIT(rank, name);
}

/* Waiting for our ticket: serve this CPU's call-function requests meanwhile. */
void spin_lock_slow(spinlock_t *l, u16 ticket)
{
    while (arch_load_acquire(&l->t.head) != ticket) {
        arch_spin_wait_serve();
        arch_cpu_relax();
    }
}

void spin_lock_pair(spinlock_t *a, spinlock_t *b)
{
    if (a == b) {
        spin_lock(a);
    } else if (a->dbg.key < b->dbg.key) {
        spin_lock(a);
        spin_lock(b);
    } else {
        spin_lock(b);
        spin_lock(a);
    }
}

void spin_unlock_pair(spinlock_t *a, spinlock_t *b)
{
    spin_unlock(a);
    if (a != b)
        spin_unlock(b);
}

/* ------------------------------------------------------------------ rwlock */

/* Writers are preferred: a waiting writer holds RW_WRITER, new readers wait. */
void read_lock(rwlock_t *l)
{
    lock_check_acquire(&l->dbg);
    for (;;) {
        u32 old = arch_load_acquire(&l->cnt);

        if (!(old & RW_WRITER) && arch_cmpxchg(&l->cnt, &old, old + 1))
            break;
        arch_spin_wait_serve();
        arch_cpu_relax();
    }
    lock_check_acquired(&l->dbg);
}

void read_unlock(rwlock_t *l)
{
    lock_check_release(&l->dbg);
    arch_fetch_add(&l->cnt, -1u);
}

void write_lock(rwlock_t *l)
{
    lock_check_acquire(&l->dbg);
    ticket_lock(&l->wq);
    __atomic_fetch_or(&l->cnt, RW_WRITER, __ATOMIC_ACQ_REL);
    while (arch_load_acquire(&l->cnt) != RW_WRITER) {
        arch_spin_wait_serve();
        arch_cpu_relax();
    }
#ifdef HV_LOCK_DEBUG
    l->writer = smp_processor_id() + 1;
#endif
    lock_check_acquired(&l->dbg);
}

void write_unlock(rwlock_t *l)
{
    lock_check_release(&l->dbg);
#ifdef HV_LOCK_DEBUG
    l->writer = 0;
#endif
    __atomic_fetch_and(&l->cnt, ~RW_WRITER, __ATOMIC_ACQ_REL);
    ticket_unlock(&l->wq);
}

bool rw_is_write_locked_by_me(const rwlock_t *l)
{
#ifdef HV_LOCK_DEBUG
    return l->writer == smp_processor_id() + 1;
#else
    return arch_load_acquire(&l->cnt) & RW_WRITER;
#endif
}

bool rw_is_locked_by_me(const rwlock_t *l)
{
#ifdef HV_LOCK_DEBUG
    return lock_check_held(&l->dbg);
#else
    return arch_load_acquire(&l->cnt) != 0;
#endif
}

/* ------------------------------------------------------------- the checker */
#ifdef HV_LOCK_DEBUG

/* May `l` be taken while `h` is held? */
static bool order_ok(const struct lock_dbg *h, const struct lock_dbg *l)
{
    if (h->rank != l->rank)
        return h->rank < l->rank;
    return h->key != LOCK_NO_KEY && l->key != LOCK_NO_KEY && h->key < l->key;
}

static __noreturn void order_violation(const struct lock_dbg *h, const struct lock_dbg *l)
{
    lock_check_reset();
    hv_panic("lock order: taking %s (rank %u key %d) while holding %s (rank %u key %d)\n",
             l->name, l->rank, (int)l->key, h->name, h->rank, (int)h->key);
}

void lock_check_acquire(const struct lock_dbg *l)
{
    struct pcpu *c = arch_this_pcpu();

    if (l->rank == LOCK_RANK_NONE)
        return;
    for (unsigned int i = 0; i < c->nr_held; i++)
        if (!order_ok(c->held[i], l))
            order_violation(c->held[i], l);
}

void lock_check_acquired(const struct lock_dbg *l)
{
    struct pcpu *c = arch_this_pcpu();

    if (l->rank == LOCK_RANK_NONE)
        return;
    if (c->nr_held == HV_LOCKS_HELD_MAX) {
        lock_check_reset();
        hv_panic("lock order: more than %u locks held, taking %s\n", HV_LOCKS_HELD_MAX, l->name);
    }
    c->held[c->nr_held++] = l;
}

void lock_check_release(const struct lock_dbg *l)
{
    struct pcpu *c = arch_this_pcpu();
    const struct lock_dbg **held = c->held;
    unsigned int n = c->nr_held, i = n;

    if (l->rank == LOCK_RANK_NONE)
        return;
    while (i > 0 && held[i - 1] != l)
        i--;
    if (!i) {
        lock_check_reset();
        hv_panic("lock order: releasing %s, which this CPU does not hold\n", l->name);
    }
    for (; i < n; i++)                               /* released out of order: close the gap */
        held[i - 1] = held[i];
    c->nr_held = n - 1;
}

bool lock_check_held(const struct lock_dbg *l)
{
    const struct pcpu *c = arch_this_pcpu();

    for (unsigned int i = 0; i < c->nr_held; i++)
        if (c->held[i] == l)
            return true;
    return false;
}

unsigned int lock_check_nr_held(void)
{
    return arch_this_pcpu()->nr_held;
}

void lock_check_none_held(void)
{
    const struct pcpu *c = arch_this_pcpu();

    if (unlikely(c->nr_held)) {
        const struct lock_dbg *top = c->held[c->nr_held - 1];

        lock_check_reset();
        hv_panic("lock order: guest memory accessed while holding %s\n", top->name);
    }
}

void lock_check_reset(void)
{
    arch_this_pcpu()->nr_held = 0;
}

#endif
