/* common/domain.c, sched.c and console.c's panic path. */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/timer.h>

#include "harness.h"

static void test_create(void)
{
    struct domain *d = domain_create(5, false);

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_EQUAL(hv_domains[5], d);
    CU_ASSERT_PTR_EQUAL(domain_lookup(5), d);
    EXPECT_EQ(d->refcnt, 1);                          /* a lookup takes a reference */
    CU_ASSERT_PTR_EQUAL(domain_lookup_by_caller(DOMID_SELF, d), d);
    EXPECT_EQ(d->refcnt, 2);                          /* DOMID_SELF too */
    put_domain(d);
    put_domain(d);
    EXPECT_EQ(d->refcnt, 0);
    CU_ASSERT_PTR_NULL(domain_lookup(6));
    CU_ASSERT_PTR_NULL(domain_lookup(DOMID_SELF));
    EXPECT_EQ(d->id, 5);
    CU_ASSERT_EQUAL(d->state, DOM_ACTIVE);
    CU_ASSERT_PTR_EQUAL(hv_mfn_to_virt(d->shared_info_mfn), d->shared_info);
    EXPECT_EQ(frame_owner(&hv_frames, d->shared_info_mfn), 5);
    EXPECT_EQ(hv_frames.info[d->shared_info_mfn].flags, FRAME_F_XENHEAP);
    for (unsigned int i = 0; i < ARRAY_SIZE(d->shared_info->vcpu_info); i++)
        EXPECT_EQ(d->shared_info->vcpu_info[i].evtchn_upcall_mask, 1);  /* events off at boot */
    CU_ASSERT_PTR_NULL(domain_create(5, false));     /* id taken */
    CU_ASSERT_PTR_NULL(domain_create(HV_MAX_DOMAINS, false));
    CU_ASSERT_PTR_NULL(domain_create(DOMID_SELF, false));
    EXPECT_EQ(domain_count_alive(), 1);
}

static void test_vcpu_create(void)
{
    struct domain *d = domain_create(1, false);
    struct vcpu *v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    v = vcpu_create(d, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    EXPECT_EQ(d->nr_vcpus, 3);                        /* up to the highest id */
    CU_ASSERT_PTR_NULL(d->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(v->vcpu_info, &d->shared_info->vcpu_info[2]);
    CU_ASSERT_EQUAL(v->state, VCPU_DOWN);
    CU_ASSERT_PTR_EQUAL(v->domain, d);
    EXPECT_EQ(harness_arch.vcpu_init, 1);
    CU_ASSERT_PTR_NULL(vcpu_create(d, 2));            /* twice */
    CU_ASSERT_PTR_NULL(vcpu_create(d, HV_MAX_VCPUS));
    /* arch_vcpu_init failing: nothing is left behind. */
    mfn_t before = hv_frames.nr_free;
    harness_arch.vcpu_init_rc = -ENOMEM;
    CU_ASSERT_PTR_NULL(vcpu_create(d, 0));
    CU_ASSERT_PTR_NULL(d->vcpus[0]);
    EXPECT_EQ(hv_frames.nr_free, before);
    harness_arch.vcpu_init_rc = 0;
    /* Sparse vCPUs are handled by event delivery and destroy. */
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d, &ipi), -ENOENT);
    ipi.vcpu = 2;
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d, &ipi), 0);
    CU_ASSERT_EQUAL(evtchn_send(d, ipi.port), 0);
    EXPECT_EQ(v->vcpu_info->evtchn_upcall_pending, 1);
}

static void test_shutdown_and_reap(void)
{
    struct domain *d = harness_domain(7, 3, false);
    struct domain *other = harness_domain(8, 1, false);

    sched_add(d->vcpus[0]);
    sched_add(d->vcpus[1]);
    timer_set(&d->vcpus[2]->singleshot_timer, 12345);
    d->vcpus[1]->periodic_period = 1000000;
    timer_set(&d->vcpus[1]->periodic_timer, 777);
    domain_shutdown(d, SHUTDOWN_suspend);
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    CU_ASSERT_PTR_NULL(domain_lookup(7));
    CU_ASSERT_PTR_EQUAL(hv_domains[7], d);            /* still there until reaped */
    EXPECT_EQ(domain_count_alive(), 1);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);          /* its timers are stopped */
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(d->vcpus[i]->state, VCPU_DOWN);
        CU_ASSERT(!d->vcpus[i]->on_runq);
    }
    CU_ASSERT_PTR_NULL(sched_pick_next());            /* and it left the run queue */
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "(HV) d7 shutdown: suspend\n"));
    domain_shutdown(d, SHUTDOWN_crash);               /* only the first reason counts */
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_suspend);

    /* Not reaped while it is current; reaped from idle. */
    current = d->vcpus[0];
    harness_reap();
    CU_ASSERT_PTR_EQUAL(hv_domains[7], d);
    current = NULL;
    harness_reap();
    CU_ASSERT_PTR_NULL(hv_domains[7]);
    CU_ASSERT_PTR_EQUAL(hv_domains[8], other);
    EXPECT_EQ(harness_arch.vcpu_destroy, 3);
    EXPECT_EQ(harness_arch.domain_destroy, 1);
    /* The id can be used again. */
    CU_ASSERT_PTR_NOT_NULL(harness_domain(7, 1, false));
}

/* Out of hypervisor pages at each step of domain_create / vcpu_create: NULL, nothing leaked. */
static void test_create_out_of_memory(void)
{
    for (mfn_t left = 0; left < 20; left++) {
        mfn_t hog_n = hv_frames.nr_free - left;
        mfn_t hog = frame_alloc(&hv_frames, hog_n, 1, FRAME_OWNER_HV);
        struct domain *d;

        CU_ASSERT_NOT_EQUAL_FATAL(hog, INVALID_MFN);
        d = domain_create(1, false);
        if (d && !vcpu_create(d, 0)) {
            CU_ASSERT_PTR_NULL(d->vcpus[0]);
            EXPECT_EQ(d->nr_vcpus, 0);
        }
        if (d) {
            domain_shutdown(d, SHUTDOWN_poweroff);
            harness_reap();
        }
        CU_ASSERT_PTR_NULL(hv_domains[1]);
        EXPECT_EQ(hv_frames.nr_free, left);
        CU_ASSERT_EQUAL(frame_free(&hv_frames, hog, hog_n), 0);
    }
}

static void test_crash(void)
{
    struct domain *d = harness_domain(2, 1, false);

    harness_set_current(d);
    domain_crash(d, "testing");
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_crash);
    EXPECT_EQ(harness_arch.dump_registers, 1);        /* it was current */
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "d2 crashed: testing"));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "d2 shutdown: crash"));
    CU_ASSERT_STRING_EQUAL(domain_shutdown_reason_name(SHUTDOWN_watchdog), "watchdog");
    CU_ASSERT_STRING_EQUAL(domain_shutdown_reason_name(SHUTDOWN_MAX + 1), "unknown");
    CU_ASSERT_STRING_EQUAL(domain_shutdown_reason_name(~0u), "unknown");
}

static void test_many_domains_return_frames(void)
{
    /* Create and destroy a full table twice: frames come back each time. */
    for (int round = 0; round < 2; round++) {
        for (domid_t id = 0; id < 16; id++)
            harness_domain(id, 2, id == 0);
        for (domid_t id = 0; id < 16; id++)
            domain_shutdown(hv_domains[id], SHUTDOWN_poweroff);
        harness_reap();
        EXPECT_EQ(hv_frames.nr_free, harness_baseline_free);
    }
}

static void test_sched_round_robin(void)
{
    struct domain *a = harness_domain(1, 2, false), *b = harness_domain(2, 1, false);
    struct vcpu *a0 = a->vcpus[0], *a1 = a->vcpus[1], *b0 = b->vcpus[0];

    sched_add(a0);
    sched_add(b0);
    sched_add(a1);
    sched_add(a0);                                    /* already queued: no duplicate */
    CU_ASSERT(sched_need_resched());
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a0);
    CU_ASSERT_PTR_EQUAL(harness_arch.last_next, a0);
    EXPECT_EQ(timer_next_deadline(), 10000000);       /* the time slice */
    schedule();
    CU_ASSERT_PTR_EQUAL(current, b0);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a1);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a0);                 /* round and round */
    /* b0 blocks: skipped until woken. */
    sched_block(b0);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a1);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a0);
    sched_wake(b0);
    CU_ASSERT_EQUAL(b0->state, VCPU_RUNNABLE);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, a1);
    schedule();
    CU_ASSERT_PTR_EQUAL(current, b0);
    /* Waking a runnable vCPU does nothing. */
    sched_wake(a0);
    /* Everyone blocks: idle. */
    sched_block(a0);
    sched_block(a1);
    sched_block(b0);
    unsigned int switches = harness_arch.context_switch;
    schedule();
    CU_ASSERT_PTR_NULL(current);
    EXPECT_EQ(harness_arch.context_switch, switches + 1);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);          /* no slice while idle */
}

static void test_panic_halts(void)
{
    jmp_buf jb;
    unsigned long args[5] = { 1, 2, 3, 4, 5 };

    harness_set_current(harness_domain(3, 1, false));
    hypercall_dispatch(__HYPERVISOR_set_gdt, args, false);
    harness_stop_jmp = &jb;
    if (!setjmp(jb))
        hv_panic("boom %d\n", 7);
    harness_stop_jmp = NULL;
    EXPECT_EQ(harness_halts, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "(HV) boom 7\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "current: d3 v0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "d3 v0 set_gdt(2) 1 2 ->"));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "PANIC: hypervisor halted"));
    EXPECT_EQ(harness_arch.dump_registers, 1);
}


/* The reaper waits for every reference; a dying domain gives no new ones. */
static void test_reap_waits_for_references(void)
{
    struct domain *d = harness_domain(9, 1, false);
    struct domain *ref = domain_lookup(9);

    CU_ASSERT_PTR_EQUAL_FATAL(ref, d);
    domain_shutdown(d, SHUTDOWN_poweroff);
    CU_ASSERT_PTR_NULL(domain_lookup(9));             /* dying: not found */
    CU_ASSERT(domain_reap());                         /* a reference held: come back */
    CU_ASSERT_PTR_EQUAL(hv_domains[9], d);
    EXPECT_EQ(harness_arch.domain_destroy, 0);
    CU_ASSERT(get_domain(d));                         /* not claimed yet: a holder may take another */
    put_domain(d);
    put_domain(ref);
    harness_reap();
    CU_ASSERT_PTR_NULL(hv_domains[9]);
    EXPECT_EQ(harness_arch.domain_destroy, 1);
}

/*
 * destroydomain's last put claims the domain on the dom0 vCPU's CPU while
 * the reaper runs on CPU 0: a DESTROYED count the reaper did not set is
 * the destroyer's, which frees the domain itself. The reaper once took it
 * for its own earlier claim and freed the domain a second time (make
 * test-run, 2 CPUs: "heap: freeing pages that were not allocated").
 */
static void test_reap_leaves_destroyers_claim(void)
{
    struct domain *d = harness_domain(9, 1, false);
    u32 one = 1;

    d->controlled = true;
    CU_ASSERT_FATAL(get_domain(d));                  /* the destroyer's reference */
    domain_shutdown(d, SHUTDOWN_poweroff);
    while (domain_destroy_step(d) == -ERESTART)
        ;
    /* the destroyer's claim, as domain_put_destroyed makes it, caught before its free */
    CU_ASSERT_FATAL(arch_cmpxchg(&d->refcnt, &one, DOMAIN_DESTROYED));
    domain_reap();
    CU_ASSERT_PTR_EQUAL(hv_domains[9], d);           /* not the reaper's: left alone */
    EXPECT_EQ(harness_arch.domain_destroy, 0);
    d->refcnt = 1;                                    /* rewound: the destroyer's put frees it */
    domain_put_destroyed(d);
    CU_ASSERT_PTR_NULL(hv_domains[9]);
    EXPECT_EQ(harness_arch.domain_destroy, 1);
    domain_reap();                                    /* nothing left to free */
    EXPECT_EQ(harness_arch.domain_destroy, 1);
}

/* A claimed domain refuses references; a put without a get is a BUG. */
static void test_claimed_refuses_references(void)
{
    struct domain *d = harness_domain(10, 1, false);

    d->refcnt = DOMAIN_DESTROYED;                     /* as the reaper leaves it */
    CU_ASSERT(!get_domain(d));
    CU_ASSERT_PTR_NULL(domain_lookup_by_caller(DOMID_SELF, d));
    EXPECT_EQ(d->refcnt, DOMAIN_DESTROYED);
    d->refcnt = 0;
}

static void missed_put(void *arg)
{
    struct domain *d = arg;

    domain_shutdown(d, SHUTDOWN_poweroff);
    domain_reap();                                    /* starts the wait */
    harness_set_tsc(DOMAIN_REF_WAIT_NS / 2);
    CU_ASSERT(domain_reap());                         /* still within the wait */
    harness_set_tsc(DOMAIN_REF_WAIT_NS + 2);
    domain_reap();                                    /* past it: panics */
}

static bool panics(void (*fn)(void *), void *arg)
{
    jmp_buf jb;
    bool panicked = false;

    harness_stop_jmp = &jb;
    if (!setjmp(jb))
        fn(arg);
    else
        panicked = true;
    harness_stop_jmp = NULL;
    return panicked;
}

/* A lookup never put: the reaper names the domain (debug builds panic). */
static void test_missed_put_is_caught(void)
{
    struct domain *d = harness_domain(11, 1, false);

    CU_ASSERT_PTR_EQUAL_FATAL(domain_lookup(11), d);  /* and never put */
    CU_ASSERT(panics(missed_put, d));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(),
        "d11: 1 domain reference(s) still held 2000 ms after shutdown (a missed put_domain)"));
    CU_ASSERT_PTR_EQUAL(hv_domains[11], d);           /* not freed under the holder */
    CU_ASSERT(!domain_reap());                        /* reported once, then skipped */
    put_domain(d);                                    /* the holder lets go at last */
    d->reap_reported = false;
    harness_reap();
    CU_ASSERT_PTR_NULL(hv_domains[11]);
}

static const struct unit_test tests[] = {
    { "create", test_create },
    { "vcpu_create", test_vcpu_create },
    { "shutdown_and_reap", test_shutdown_and_reap },
    { "create_out_of_memory", test_create_out_of_memory },
    { "crash", test_crash },
    { "many_domains_return_frames", test_many_domains_return_frames },
    { "sched_round_robin", test_sched_round_robin },
    { "panic_halts", test_panic_halts },
    { "reap_waits_for_references", test_reap_waits_for_references },
    { "reap_leaves_destroyers_claim", test_reap_leaves_destroyers_claim },
    { "claimed_refuses_references", test_claimed_refuses_references },
    { "missed_put_is_caught", test_missed_put_is_caught },
};

void suite_domain(void)
{
    ADD_SUITE("domain", tests);
}
