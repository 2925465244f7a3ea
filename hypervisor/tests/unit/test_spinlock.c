/*
 * The lock primitives (hv/spinlock.h) and the lock-order checker
 * (common/spinlock.c). Host threads stand in for CPUs: each sets its own
 * host_test_pcpu.id, so lock owners and held-lock stacks are per thread.
 */
#include <pthread.h>

#include "harness.h"
#include <hv/spinlock.h>
#include <hv/arch.h>

/* ------------------------------------------------------------ primitives */

static void test_lock_unlock(void)
{
    spinlock_t l = SPINLOCK_INIT(LOCK_RANK_HEAP, "test");

    CU_ASSERT(!spin_is_locked(&l));
    spin_lock(&l);
    CU_ASSERT(spin_is_locked(&l));
    CU_ASSERT(spin_is_locked_by_me(&l));
    CU_ASSERT(!spin_trylock(&l));                   /* held: trylock fails */
    spin_unlock(&l);
    CU_ASSERT(!spin_is_locked(&l));
    CU_ASSERT(!spin_is_locked_by_me(&l));
    CU_ASSERT(spin_trylock(&l));
    CU_ASSERT(spin_is_locked_by_me(&l));
    spin_unlock(&l);
    EXPECT_EQ(lock_check_nr_held(), 0);
}

/* The 16-bit tickets wrap: lock/unlock across the wrap keeps working. */
static void test_ticket_wrap(void)
{
    spinlock_t l = SPINLOCK_INIT(LOCK_RANK_HEAP, "wrap");

    l.t.head = l.t.tail = 0xfffd;
    for (int i = 0; i < 6; i++) {
        CU_ASSERT(!spin_is_locked(&l));
        spin_lock(&l);
        CU_ASSERT(spin_is_locked(&l));
        spin_unlock(&l);
    }
    EXPECT_EQ(l.t.head, 3);
    EXPECT_EQ(l.t.tail, 3);
}

static void test_irqsave(void)
{
    spinlock_t l = SPINLOCK_INIT(LOCK_RANK_TIMER, "irq");
    unsigned long flags = spin_lock_irqsave(&l);

    CU_ASSERT(spin_is_locked_by_me(&l));
    spin_unlock_irqrestore(&l, flags);
    CU_ASSERT(!spin_is_locked(&l));
}

#define THREADS 4
#define ROUNDS  50000

static spinlock_t counter_lock = SPINLOCK_INIT(LOCK_RANK_HEAP, "counter");
static unsigned long counter;                      /* plain: only the lock protects it */
static unsigned int not_mine;                      /* spin_is_locked_by_me said no while held */

static void *counter_thread(void *arg)
{
    host_test_pcpu.id = (unsigned int)(unsigned long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        spin_lock(&counter_lock);
        if (!spin_is_locked_by_me(&counter_lock))
            __atomic_fetch_add(&not_mine, 1, __ATOMIC_RELAXED);
        counter++;
        spin_unlock(&counter_lock);
    }
    return NULL;
}

/* N threads increment one plain counter under the ticket lock: exact total. */
static void test_threads_count_exact(void)
{
    pthread_t t[THREADS];

    counter = 0;
    not_mine = 0;
    for (unsigned long i = 0; i < THREADS; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, counter_thread, (void *)(i + 1)) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(counter, (unsigned long)THREADS * ROUNDS);
    EXPECT_EQ(not_mine, 0);
    CU_ASSERT(!spin_is_locked(&counter_lock));
}

static rwlock_t pair_lock = RWLOCK_INIT(LOCK_RANK_GRANT, "pair");
static unsigned long pair_a, pair_b;               /* writers keep them equal */
static unsigned int torn_reads;

static void *rw_thread(void *arg)
{
    unsigned long id = (unsigned long)arg;

    host_test_pcpu.id = (unsigned int)id;
    for (int i = 0; i < ROUNDS / 4; i++) {
        if (id % 2) {
            write_lock(&pair_lock);
            pair_a++;
            pair_b++;
            write_unlock(&pair_lock);
        } else {
            read_lock(&pair_lock);
            if (__atomic_load_n(&pair_a, __ATOMIC_RELAXED) != __atomic_load_n(&pair_b, __ATOMIC_RELAXED))
                __atomic_fetch_add(&torn_reads, 1, __ATOMIC_RELAXED);
            read_unlock(&pair_lock);
        }
    }
    return NULL;
}

/* Readers never see a writer's half-done update; the writers' total is exact. */
static void test_threads_rwlock(void)
{
    pthread_t t[THREADS];

    pair_a = pair_b = 0;
    torn_reads = 0;
    for (unsigned long i = 0; i < THREADS; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, rw_thread, (void *)(i + 1)) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(pair_a, (unsigned long)(THREADS / 2) * (ROUNDS / 4));
    EXPECT_EQ(pair_b, pair_a);
    EXPECT_EQ(torn_reads, 0);
    EXPECT_EQ(pair_lock.cnt, 0);
}

static spinlock_t other_lock = SPINLOCK_INIT(LOCK_RANK_HEAP, "other");
static volatile int other_phase;

static void *holder_thread(void *arg)
{
    host_test_pcpu.id = 7;
    spin_lock(&other_lock);
    __atomic_store_n(&other_phase, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&other_phase, __ATOMIC_ACQUIRE) != 2)
        arch_cpu_relax();
    spin_unlock(&other_lock);
    return NULL;
}

/* Held by another "CPU": locked, but not by me; trylock fails. */
static void test_locked_by_other(void)
{
    pthread_t t;

    other_phase = 0;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, holder_thread, NULL) == 0);
    while (__atomic_load_n(&other_phase, __ATOMIC_ACQUIRE) != 1)
        arch_cpu_relax();
    CU_ASSERT(spin_is_locked(&other_lock));
    CU_ASSERT(!spin_is_locked_by_me(&other_lock));
    CU_ASSERT(!spin_trylock(&other_lock));
    __atomic_store_n(&other_phase, 2, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CU_ASSERT(!spin_is_locked(&other_lock));
}

/* ------------------------------------------------------ lock-order checker */

static void test_order_increasing(void)
{
    rwlock_t domlist = RWLOCK_INIT(LOCK_RANK_DOMLIST, "domlist_lock");
    spinlock_t ev = SPINLOCK_INIT(LOCK_RANK_EVENT, "event_lock");
    spinlock_t port = SPINLOCK_INIT(LOCK_RANK_EVTCHN_PORT, "port");
    spinlock_t heap = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_lock");
    spinlock_t cons = SPINLOCK_INIT(LOCK_RANK_CONSOLE, "console_lock");

    read_lock(&domlist);
    spin_lock(&ev);
    spin_lock(&port);
    spin_lock(&heap);
    spin_lock(&cons);
    EXPECT_EQ(lock_check_nr_held(), 5);
    CU_ASSERT(rw_is_locked_by_me(&domlist));
    CU_ASSERT(!rw_is_write_locked_by_me(&domlist));
    spin_unlock(&port);                             /* out of order release is fine */
    spin_unlock(&ev);
    EXPECT_EQ(lock_check_nr_held(), 3);
    spin_unlock(&cons);
    spin_unlock(&heap);
    read_unlock(&domlist);
    CU_ASSERT(!rw_is_locked_by_me(&domlist));
    write_lock(&domlist);
    CU_ASSERT(rw_is_write_locked_by_me(&domlist));
    write_unlock(&domlist);
    EXPECT_EQ(lock_check_nr_held(), 0);
}

/* Runs fn; true when it ended on the panic screen (an ASSERT, a lock-order panic). */
static bool panics(void (*fn)(void *), void *arg)
{
    jmp_buf jb;
    bool panicked = false;

    harness_console_clear();
    harness_stop_jmp = &jb;
    if (!setjmp(jb))
        fn(arg);
    else
        panicked = true;
    harness_stop_jmp = NULL;
    return panicked;
}

static void take(void *arg) { spin_lock(arg); }
static void take_read(void *arg) { read_lock(arg); }
static void release(void *arg) { spin_unlock(arg); }

static bool console_has(const char *s)
{
    bool ok = strstr(harness_console(), s) != NULL;

    if (!ok)
        FAIL_MSG(harness_console());
    return ok;
}

/* heap_lock then event_lock: the checker panics naming both. */
static void test_order_inverted_panics(void)
{
    spinlock_t ev = SPINLOCK_INIT(LOCK_RANK_EVENT, "event_lock");
    spinlock_t heap = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_lock");

    spin_lock(&heap);
    CU_ASSERT(panics(take, &ev));
    console_has("lock order: taking event_lock (rank 3 key -1) while holding heap_lock (rank 11 key -1)");
    CU_ASSERT(!spin_is_locked(&ev));                /* refused before it was taken */
    EXPECT_EQ(lock_check_nr_held(), 0);             /* the panic forgot the stack */
    spin_lock_init(&heap, LOCK_RANK_HEAP, "heap_lock");
}

/* Two unkeyed locks of one rank, or one lock twice: panics (a self-deadlock caught). */
static void test_same_rank_unkeyed_panics(void)
{
    spinlock_t a = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_a");
    spinlock_t b = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_b");
    rwlock_t rw = RWLOCK_INIT(LOCK_RANK_GRANT, "gt_lock");

    spin_lock(&a);
    CU_ASSERT(panics(take, &b));
    console_has("taking heap_b (rank 11 key -1) while holding heap_a");
    spin_lock_init(&a, LOCK_RANK_HEAP, "heap_a");

    spin_lock(&a);
    CU_ASSERT(panics(take, &a));
    console_has("taking heap_a (rank 11 key -1) while holding heap_a");
    spin_lock_init(&a, LOCK_RANK_HEAP, "heap_a");

    write_lock(&rw);
    CU_ASSERT(panics(take_read, &rw));
    console_has("taking gt_lock (rank 6 key -1) while holding gt_lock");
    rwlock_init(&rw, LOCK_RANK_GRANT, "gt_lock");
}

/* Two domains' locks: lower domain id first; spin_lock_pair orders them. */
static void test_same_rank_keyed(void)
{
    spinlock_t d1, d2;

    spin_lock_init_keyed(&d1, LOCK_RANK_EVENT, "d1 event_lock", 1);
    spin_lock_init_keyed(&d2, LOCK_RANK_EVENT, "d2 event_lock", 2);
    spin_lock(&d1);
    spin_lock(&d2);
    EXPECT_EQ(lock_check_nr_held(), 2);
    spin_unlock(&d2);
    spin_unlock(&d1);

    spin_lock(&d2);
    CU_ASSERT(panics(take, &d1));
    console_has("taking d1 event_lock (rank 3 key 1) while holding d2 event_lock (rank 3 key 2)");
    spin_lock_init_keyed(&d2, LOCK_RANK_EVENT, "d2 event_lock", 2);

    spin_lock_pair(&d2, &d1);                       /* either argument order */
    CU_ASSERT(spin_is_locked_by_me(&d1) && spin_is_locked_by_me(&d2));
    spin_unlock_pair(&d2, &d1);
    spin_lock_pair(&d1, &d1);                       /* a domain with itself: once */
    EXPECT_EQ(lock_check_nr_held(), 1);
    spin_unlock_pair(&d1, &d1);
    EXPECT_EQ(lock_check_nr_held(), 0);
}

/* A trylock cannot deadlock: out of order is allowed, and then tracked. */
static void test_trylock_out_of_order(void)
{
    spinlock_t ev = SPINLOCK_INIT(LOCK_RANK_EVENT, "event_lock");
    spinlock_t heap = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_lock");
    spinlock_t cons = SPINLOCK_INIT(LOCK_RANK_CONSOLE, "console_lock");

    spin_lock(&heap);
    CU_ASSERT(spin_trylock(&ev));
    EXPECT_EQ(lock_check_nr_held(), 2);
    spin_lock(&cons);
    spin_unlock(&cons);
    spin_unlock(&ev);
    spin_unlock(&heap);
}

static void test_release_unheld_panics(void)
{
    spinlock_t l = SPINLOCK_INIT(LOCK_RANK_HEAP, "heap_lock");

    CU_ASSERT(panics(release, &l));
    console_has("releasing heap_lock, which this CPU does not hold");
}

static void take_many(void *arg)
{
    spinlock_t *l = arg;

    for (unsigned int i = 0; i <= HV_LOCKS_HELD_MAX; i++)
        spin_lock(&l[i]);
}

static void test_too_deep_panics(void)
{
    spinlock_t l[HV_LOCKS_HELD_MAX + 1];

    for (unsigned int i = 0; i <= HV_LOCKS_HELD_MAX; i++)
        spin_lock_init_keyed(&l[i], LOCK_RANK_PAGE_ALLOC, "deep", i);
    CU_ASSERT(panics(take_many, l));
    console_has("more than 8 locks held");
}

static void copy_in(void *arg)
{
    u64 v;

    (void)copy_from_handle(&v, HANDLE(arg), sizeof(v));
}

/* A hypercall accessor under a lock panics; with no lock it copies. */
static void test_guest_access_under_lock_panics(void)
{
    spinlock_t ev = SPINLOCK_INIT(LOCK_RANK_EVENT, "event_lock");
    u64 src = 42, dst = 0;

    CU_ASSERT(!panics(copy_in, &src));
    spin_lock(&ev);
    CU_ASSERT(panics(copy_in, &src));
    console_has("lock order: guest memory accessed while holding event_lock");
    spin_lock_init(&ev, LOCK_RANK_EVENT, "event_lock");
    EXPECT_EQ(copy_from_handle(&dst, HANDLE(&src), sizeof(dst)), 0);
    EXPECT_EQ(dst, 42);
}

static const struct unit_test lock_tests[] = {
    { "lock_unlock", test_lock_unlock },
    { "ticket_wrap", test_ticket_wrap },
    { "irqsave", test_irqsave },
    { "threads_count_exact", test_threads_count_exact },
    { "threads_rwlock", test_threads_rwlock },
    { "locked_by_other", test_locked_by_other },
};

static const struct unit_test order_tests[] = {
    { "increasing", test_order_increasing },
    { "inverted_panics", test_order_inverted_panics },
    { "same_rank_unkeyed_panics", test_same_rank_unkeyed_panics },
    { "same_rank_keyed", test_same_rank_keyed },
    { "trylock_out_of_order", test_trylock_out_of_order },
    { "release_unheld_panics", test_release_unheld_panics },
    { "too_deep_panics", test_too_deep_panics },
    { "guest_access_under_lock_panics", test_guest_access_under_lock_panics },
};

void suite_spinlock(void)
{
    ADD_SUITE("spinlock", lock_tests);
}

void suite_lock_order(void)
{
    ADD_SUITE("lock_order", order_tests);
}
