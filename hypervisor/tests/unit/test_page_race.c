/*
 * Page types and references on several CPUs (arch/x86/pv/page_type.c,
 * docs/smp.md): host threads as CPUs race on one frame X of domain D. The
 * owner takes and drops writable and L1 types on X and maps it from its
 * own L1; domain M maps X by grant (a PTE in M's L1, and a device mapping)
 * and by a foreign PTE; a third CPU pins and unpins D's tables that map X
 * writable (an L1, and an L2 over another L1). D's work is under D's
 * page_type_lock, M's under M's, and references and writable types under
 * none: only the cmpxchg'd words keep them apart. Afterwards every count
 * and type is back where it started.
 */
/* Host threads; libc's sched_yield would clash with hv/sched.h's. */
#define sched_yield host_libc_sched_yield
#include <pthread.h>
#include <unistd.h>
#undef sched_yield
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <asm/page_type.h>
#include <asm/page.h>

#include "harness.h"

#define D 3
#define M 4
#define ROUNDS 20000

static struct domain *d, *m;
static mfn_t x, own_l1, m_l1, t_l1, t2_l1, t_l2;
static unsigned int errors;
static unsigned long ok_owner, ok_l1type, ok_grant, ok_dev, ok_foreign, ok_pin, ok_pin_l2;

static struct frame_info *fi(mfn_t f) { return &hv_frames.info[f]; }
static u64 pte(mfn_t f, u64 flags) { return ((u64)f << PAGE_SHIFT) | flags; }
static u64 slot_maddr(mfn_t table, unsigned int idx) { return ((u64)table << PAGE_SHIFT) | idx * 8; }

static mfn_t frame_of(domid_t owner)
{
    mfn_t f = frame_alloc(&hv_frames, 1, 1, owner);

    CU_ASSERT_FATAL(f != INVALID_MFN);
    memset(hv_mfn_to_virt(f), 0, PAGE_SIZE);
    return f;
}

static void error(void)
{
    __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
}

static void count(unsigned long *c)
{
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static unsigned int started;

/* All CPUs start together: the races need them running at once. */
static void start_thread(unsigned int cpu)
{
    host_test_pcpu.id = cpu;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < 3)
        ;
}

static void end_thread(void)
{
    if (lock_check_nr_held() || page_type_locked_by_me(d) || (m && page_type_locked_by_me(m)))
        error();
}

/* D on CPU 1: writable references on X, now and then an L1 type, and a PTE in its own L1. */
static void *owner_cpu(void *arg)
{
    start_thread(1);
    current = d->vcpus[0];
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (page_get_and_type(x, PGT_writable, d) == 0) {
            count(&ok_owner);
            page_put_and_type(x);
        }
        if (i % 16 == 0 && page_get_and_type(x, PGT_l1, d) == 0) {
            count(&ok_l1type);                       /* nothing mapped it writable just now */
            page_put_and_type(x);
        }
        if (pt_mod_entry(own_l1, 0, pte(x, _PAGE_PRESENT | _PAGE_RW), 1, d, false) == 0 &&
            pt_mod_entry(own_l1, 0, 0, 1, d, false))
            error();                                 /* clearing an entry cannot fail */
    }
    end_thread();
    return arg;
}

/* M on CPU 2: X mapped by grant (a PTE in M's L1, a device mapping) and by a foreign PTE. */
static void *grantee_cpu(void *arg)
{
    u64 at;

    start_thread(2);
    current = m->vcpus[0];
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (arch_grant_map(m, slot_maddr(m_l1, 5), GNTMAP_host_map | GNTMAP_contains_pte, x, d,
                           false, &at) == 0) {
            count(&ok_grant);
            if (arch_grant_unmap(m, at, x))
                error();
        }
        if (arch_grant_dev_get(x, d, false) == 0) {
            count(&ok_dev);
            arch_grant_dev_put(x, false);
        }
        if (pt_mod_entry_foreign(m_l1, 7, pte(x, _PAGE_PRESENT | _PAGE_RW), 1, m, D, false) == 0) {
            count(&ok_foreign);
            if (pt_mod_entry_foreign(m_l1, 7, 0, 1, m, D, false))
                error();
        }
    }
    end_thread();
    return arg;
}

/* D on CPU 3: pins and unpins an L1 mapping X writable, and an L2 over another such L1. */
static void *pinner_cpu(void *arg)
{
    start_thread(3);
    current = d->vcpus[0];
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (page_pin(t_l1, PGT_l1, d) == 0) {
            count(&ok_pin);
            if (page_unpin(t_l1, d))
                error();
        }
        if (page_pin(t_l2, PGT_l2, d) == 0) {
            count(&ok_pin_l2);
            if (page_unpin(t_l2, d))
                error();
        }
    }
    end_thread();
    return arg;
}

static void expect_unref(mfn_t f)
{
    EXPECT_EQ(fi(f)->count, 0);
    EXPECT_EQ(fi(f)->type_count, 0);
    EXPECT_EQ(fi(f)->type, PGT_none);
    EXPECT_EQ(fi(f)->flags & (FRAME_F_PINNED | FRAME_F_PARTIAL | FRAME_F_PARTIAL_PTE), 0);
}

static void set_up(void)
{
    d = harness_domain(D, 1, false);
    m = harness_domain(M, 1, false);
    x = frame_of(D);
    own_l1 = frame_of(D);
    m_l1 = frame_of(M);
    t_l1 = frame_of(D);
    t2_l1 = frame_of(D);
    t_l2 = frame_of(D);
    ((u64 *)hv_mfn_to_virt(t_l1))[3] = pte(x, _PAGE_PRESENT | _PAGE_RW);
    ((u64 *)hv_mfn_to_virt(t2_l1))[9] = pte(x, _PAGE_PRESENT | _PAGE_RW);
    ((u64 *)hv_mfn_to_virt(t_l2))[0] = pte(t2_l1, _PAGE_PRESENT | _PAGE_RW);
    CU_ASSERT_FATAL(page_pin(own_l1, PGT_l1, d) == 0);
    CU_ASSERT_FATAL(page_pin(m_l1, PGT_l1, m) == 0);
}

static void test_race_types_grants_pins(void)
{
    void *(*const cpus[])(void *) = { owner_cpu, grantee_cpu, pinner_cpu };
    pthread_t t[3];

    set_up();
    errors = started = 0;
    ok_owner = ok_l1type = ok_grant = ok_dev = ok_foreign = ok_pin = ok_pin_l2 = 0;
    for (unsigned int i = 0; i < 3; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, cpus[i], NULL) == 0);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(errors, 0);
    /* Every kind of use happened (each fails only while X is an L1 for a moment). */
    CU_ASSERT(ok_owner && ok_grant && ok_dev && ok_foreign && ok_pin && ok_pin_l2);
    expect_unref(x);
    expect_unref(t_l1);
    expect_unref(t2_l1);
    expect_unref(t_l2);
    EXPECT_EQ(((u64 *)hv_mfn_to_virt(m_l1))[5], 0);
    EXPECT_EQ(((u64 *)hv_mfn_to_virt(m_l1))[7], 0);
    EXPECT_EQ(((u64 *)hv_mfn_to_virt(own_l1))[0], 0);
    EXPECT_EQ(fi(own_l1)->count, 1);                 /* the pin's */
    EXPECT_EQ(fi(own_l1)->type_count, 1);
    EXPECT_EQ(page_unpin(own_l1, d), 0);
    EXPECT_EQ(page_unpin(m_l1, m), 0);
    expect_unref(own_l1);
    expect_unref(m_l1);
    CU_ASSERT(!page_type_locked_by_me(d));
    current = NULL;
}

/*
 * General references and writable types take no lock (cmpxchg'd words):
 * two CPUs take and drop them on D's frames, as grant copies and device
 * mappings do, while a third gives the frames back. Each frame must be
 * freed exactly once: at once by the release that finds no reference, or
 * by the put that drops an orphan's last one; no reference is taken
 * after the release, none is lost, and tot_pages drops by one a frame.
 */
#define REL_FRAMES 64
#define REL_ROUNDS 300
#define REL_ROUNDS_MAX 5000                          /* a loaded host may keep them apart longer */

static mfn_t rel[REL_FRAMES];
static unsigned long ok_ref, ok_wr, freed_at_release, freed_at_put;

static void take_and_drop(const struct domain *owner, bool dev)
{
    for (unsigned int i = 0; i < REL_FRAMES; i++) {
        if (dev && arch_grant_dev_get(rel[i], d, false) == 0) {
            count(&ok_wr);
            arch_grant_dev_put(rel[i], false);
        }
        if (!dev && page_get(rel[i], owner) == 0) {
            count(&ok_ref);
            if (page_get_type(rel[i], PGT_writable, d) == 0)
                page_put_type(rel[i]);
            page_put(rel[i]);
        }
    }
}

static void *dev_cpu(void *arg)
{
    start_thread(1);
    take_and_drop(d, true);
    end_thread();
    return arg;
}

static void *ref_cpu(void *arg)
{
    start_thread(2);
    take_and_drop(d, false);
    end_thread();
    return arg;
}

static void *release_cpu(void *arg)
{
    start_thread(3);
    for (unsigned int i = 0; i < REL_FRAMES; i++) {
        for (volatile unsigned int spin = 0; spin < (i * 37) % 200; spin++)
            ;                                        /* releases land at varied moments */
        if (arch_release_frame(rel[i])) {
            count(&freed_at_release);
            __atomic_fetch_sub(&d->tot_pages, 1, __ATOMIC_RELAXED);
        }
    }
    end_thread();
    return arg;
}

static void race_one_round(void)
{
    void *(*const cpus[])(void *) = { dev_cpu, ref_cpu, release_cpu };
    pthread_t t[3];

    for (unsigned int i = 0; i < REL_FRAMES; i++)
        rel[i] = frame_of(D);
    d->tot_pages += REL_FRAMES;
    started = 0;
    for (unsigned int i = 0; i < 3; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, cpus[i], NULL) == 0);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (unsigned int i = 0; i < REL_FRAMES; i++)
        if (fi(rel[i])->owner != FRAME_OWNER_FREE)
            error();                                 /* never freed: a reference was lost */
}

static void test_race_refs_release(void)
{
    d = harness_domain(D, 1, false);
    m = NULL;                                        /* the last test's is gone */
    mfn_t free_before = hv_frames.nr_free;
    unsigned long pages_before = d->tot_pages;

    unsigned int rounds = 0;

    errors = 0;
    ok_ref = ok_wr = freed_at_release = freed_at_put = 0;
    /* At least REL_ROUNDS, and on until both ends of the race have happened. */
    while (rounds < REL_ROUNDS ||
           (rounds < REL_ROUNDS_MAX && !(ok_ref && ok_wr && freed_at_release && freed_at_put))) {
        race_one_round();
        rounds++;
        freed_at_put = (unsigned long)REL_FRAMES * rounds - freed_at_release;
    }
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(hv_frames.nr_free, free_before);
    EXPECT_EQ(d->tot_pages, pages_before);
    /* Both ends of the race happened: frames freed at release and by a last put. */
    CU_ASSERT(ok_ref && ok_wr && freed_at_release && freed_at_put);
    if (!(freed_at_release && freed_at_put))
        printf("released %lu at once, %lu by the last put\n", freed_at_release, freed_at_put);
}

/* The lock nests on one CPU (a caller around its check and the entry points). */
static void test_lock_nests(void)
{
    d = harness_domain(D, 1, false);
    x = frame_of(D);
    CU_ASSERT(!page_type_locked_by_me(d));
    page_type_lock(d);
    CU_ASSERT(page_type_locked_by_me(d));
    EXPECT_EQ(page_get_and_type(x, PGT_writable, d), 0);
    CU_ASSERT(page_type_locked_by_me(d));
    EXPECT_EQ(lock_check_nr_held(), 1);
    page_put_and_type(x);
    page_type_unlock(d);
    CU_ASSERT(!page_type_locked_by_me(d));
    EXPECT_EQ(lock_check_nr_held(), 0);
    expect_unref(x);
}

/*
 * One lock a domain: while this CPU holds D's, another CPU pins and unpins
 * M's table at once, and waits for D's to pin D's.
 */
static mfn_t pin_frame;
static struct domain *pin_dom;
static unsigned int pin_done;

static void *pin_cpu(void *arg)
{
    host_test_pcpu.id = 1;
    if (page_pin(pin_frame, PGT_l1, pin_dom) || page_unpin(pin_frame, pin_dom))
        error();
    __atomic_store_n(&pin_done, 1, __ATOMIC_RELEASE);
    return arg;
}

static bool pin_finishes_within_ms(unsigned int ms)
{
    for (unsigned int i = 0; i < ms; i++) {
        if (__atomic_load_n(&pin_done, __ATOMIC_ACQUIRE))
            return true;
        usleep(1000);
    }
    return false;
}

static void test_lock_per_domain(void)
{
    pthread_t t;

    d = harness_domain(D, 1, false);
    m = harness_domain(M, 1, false);
    errors = 0;
    page_type_lock(d);
    pin_frame = frame_of(M), pin_dom = m, pin_done = 0;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, pin_cpu, NULL) == 0);
    CU_ASSERT(pin_finishes_within_ms(5000));         /* M's lock is not D's */
    pthread_join(t, NULL);
    pin_frame = frame_of(D), pin_dom = d, pin_done = 0;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, pin_cpu, NULL) == 0);
    CU_ASSERT(!pin_finishes_within_ms(50));          /* D's waits for this CPU */
    page_type_unlock(d);
    pthread_join(t, NULL);
    CU_ASSERT(pin_done);
    EXPECT_EQ(errors, 0);
    CU_ASSERT(!page_type_locked_by_me(d));
}

/*
 * A put by frame number takes the owner's lock, and the put may free the
 * frame (an orphan's last reference): the lock it drops is the one it took,
 * not the one a look-up after the free would find.
 */
static void test_put_frees_under_owner_lock(void)
{
    d = harness_domain(D, 1, false);
    m = NULL;
    x = frame_of(D);
    EXPECT_EQ(page_get_and_type(x, PGT_seg_desc, d), 0);
    CU_ASSERT_FALSE(arch_release_frame(x));          /* still referenced: an orphan */
    page_put_and_type(x);                            /* the last put frees it */
    EXPECT_EQ(fi(x)->owner, FRAME_OWNER_FREE);
    CU_ASSERT(!page_type_locked_by_me(d));
    EXPECT_EQ(lock_check_nr_held(), 0);
}

void suite_page_race(void)
{
    static const struct unit_test tests[] = {
        { "lock_nests", test_lock_nests },
        { "race_types_grants_pins", test_race_types_grants_pins },
        { "race_refs_release", test_race_refs_release },
        { "lock_per_domain", test_lock_per_domain },
        { "put_frees_under_owner_lock", test_put_frees_under_owner_lock },
    };

    ADD_SUITE("page_race", tests);
}
