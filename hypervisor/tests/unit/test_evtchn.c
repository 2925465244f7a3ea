/* common/event_channel.c: 2-level event channels between real domains. */
/* Host threads; libc's sched_yield would clash with hv/sched.h's. */
#define sched_yield host_libc_sched_yield
#include <pthread.h>
#undef sched_yield
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/sched.h>

#include "harness.h"

static struct domain *d1, *d2, *d3;

static void three_domains(void)
{
    d1 = harness_domain(1, 2, false);
    d2 = harness_domain(2, 1, false);
    d3 = harness_domain(3, 1, false);
}

static evtchn_port_t alloc_unbound(struct domain *d, domid_t remote)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };

    CU_ASSERT_EQUAL_FATAL(evtchn_alloc_unbound(d, &op), 0);
    return op.port;
}

/* d1:port1 <-> d2:port returned. */
static evtchn_port_t connect(struct domain *a, evtchn_port_t *aport, struct domain *b)
{
    struct evtchn_bind_interdomain bi = { .remote_dom = a->id };

    *aport = alloc_unbound(a, b->id);
    bi.remote_port = *aport;
    CU_ASSERT_EQUAL_FATAL(evtchn_bind_interdomain(b, &bi), 0);
    return bi.local_port;
}

static struct evtchn_status status(struct domain *d, evtchn_port_t port)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };

    CU_ASSERT_EQUAL(evtchn_status(d, &st), 0);
    return st;
}

static bool pending(struct domain *d, evtchn_port_t p)
{
    return d->shared_info->evtchn_pending[p / 64] & (1UL << (p % 64));
}

static void set_mask(struct domain *d, evtchn_port_t p)
{
    d->shared_info->evtchn_mask[p / 64] |= 1UL << (p % 64);
}

static void clear_events(struct domain *d)
{
    memset(d->shared_info->evtchn_pending, 0, sizeof(d->shared_info->evtchn_pending));
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        d->vcpus[i]->vcpu_info->evtchn_pending_sel = 0;
        d->vcpus[i]->vcpu_info->evtchn_upcall_pending = 0;
    }
}

static void test_alloc_unbound_numbering(void)
{
    three_domains();
    for (evtchn_port_t want = 1; want <= 5; want++) {
        evtchn_port_t p = alloc_unbound(d1, 2);

        EXPECT_EQ(p, want);
        struct evtchn_status st = status(d1, p);
        EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
        EXPECT_EQ(st.u.unbound.dom, 2);
    }
    CU_ASSERT_EQUAL(evtchn_close(d1, 3), 0);
    EXPECT_EQ(alloc_unbound(d1, 2), 3);               /* lowest free port is reused */
    EXPECT_EQ(alloc_unbound(d1, DOMID_SELF), 6);
    EXPECT_EQ(status(d1, 6).u.unbound.dom, 1);        /* DOMID_SELF means ourselves */
}

/* As Xen 4.17: the local domain is looked up first, the remote one never. */
static void test_alloc_unbound_errors(void)
{
    struct evtchn_alloc_unbound op = { .dom = 2, .remote_dom = 1 };

    three_domains();
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), -EPERM);    /* for another domain */
    op = (struct evtchn_alloc_unbound){ .dom = 1, .remote_dom = 2 };
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), 0);         /* own id spelt out */
    op = (struct evtchn_alloc_unbound){ .dom = 40, .remote_dom = 2 };
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), -ESRCH);    /* no such local domain */
    op = (struct evtchn_alloc_unbound){ .dom = DOMID_INVALID, .remote_dom = 2 };
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), -ESRCH);
}

/* A remote domain that does not exist yet (a toolstack builds it later). */
static void test_alloc_unbound_future_remote(void)
{
    static const domid_t remotes[] = { 40, HV_MAX_DOMAINS, 1000, DOMID_FIRST_RESERVED - 1 };
    struct evtchn_bind_interdomain bi;
    evtchn_port_t p;

    three_domains();
    for (size_t i = 0; i < ARRAY_SIZE(remotes); i++) {
        p = alloc_unbound(d1, remotes[i]);
        EXPECT_EQ(status(d1, p).status, EVTCHNSTAT_unbound);
        EXPECT_EQ(status(d1, p).u.unbound.dom, remotes[i]);
    }
    /* The domain that later gets id 40 binds to it. */
    struct domain *d40 = harness_domain(40, 1, false);
    bi = (struct evtchn_bind_interdomain){ .remote_dom = 1, .remote_port = 1 };
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d40, &bi), 0);
    EXPECT_EQ(status(d1, 1).status, EVTCHNSTAT_interdomain);
    bi = (struct evtchn_bind_interdomain){ .remote_dom = 1, .remote_port = 2 };
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d2, &bi), -EINVAL); /* offered to 64, not to d2 */
}

/* A privileged caller allocates in another domain; DOMID_SELF is the caller. */
static void test_alloc_unbound_privileged(void)
{
    struct domain *d0 = harness_domain(0, 1, true);
    struct evtchn_alloc_unbound op = { .dom = 2, .remote_dom = DOMID_SELF };

    three_domains();
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d0, &op), 0);
    EXPECT_EQ(status(d2, op.port).status, EVTCHNSTAT_unbound);
    EXPECT_EQ(status(d2, op.port).u.unbound.dom, 0);
    EXPECT_EQ(status(d0, op.port).status, EVTCHNSTAT_closed);  /* nothing in d0 */
}

static void test_port_exhaustion(void)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct evtchn_bind_ipi bip = { .vcpu = 0 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 2 };

    three_domains();
    for (evtchn_port_t p = 1; p < EVTCHN_MAX; p++) {
        CU_ASSERT_EQUAL_FATAL(evtchn_alloc_unbound(d1, &op), 0);
        CU_ASSERT_EQUAL_FATAL(op.port, p);
    }
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), -ENOSPC);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), -ENOSPC);
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d1, &bip), -ENOSPC);
    bi.remote_port = alloc_unbound(d2, 1);
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d1, &bi), -ENOSPC);
    EXPECT_EQ(status(d2, bi.remote_port).status, EVTCHNSTAT_unbound);  /* left untouched */
    CU_ASSERT_EQUAL(evtchn_close(d1, 77), 0);
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d1, &op), 0);
    EXPECT_EQ(op.port, 77);
}

static void test_bind_interdomain(void)
{
    evtchn_port_t p1, p2;

    three_domains();
    p2 = connect(d1, &p1, d2);
    EXPECT_EQ(p1, 1);
    EXPECT_EQ(p2, 1);
    struct evtchn_status s1 = status(d1, p1), s2 = status(d2, p2);
    EXPECT_EQ(s1.status, EVTCHNSTAT_interdomain);
    EXPECT_EQ(s1.u.interdomain.dom, 2);
    EXPECT_EQ(s1.u.interdomain.port, p2);
    EXPECT_EQ(s2.status, EVTCHNSTAT_interdomain);
    EXPECT_EQ(s2.u.interdomain.dom, 1);
    EXPECT_EQ(s2.u.interdomain.port, p1);
    CU_ASSERT(pending(d2, p2));                       /* the binder gets a first event */
    CU_ASSERT(!pending(d1, p1));
}

static void test_bind_interdomain_errors(void)
{
    struct evtchn_bind_interdomain bi;
    struct evtchn_bind_virq bv = { .virq = VIRQ_DEBUG, .vcpu = 0 };
    evtchn_port_t for_d3, p1;

    three_domains();
    for_d3 = alloc_unbound(d1, 3);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    connect(d1, &p1, d3);
    static const struct { const char *what; domid_t dom; evtchn_port_t port; int rc; } cases[] = {
        { "unknown domain", 40, 1, -ESRCH },
        { "domain id past the table", 1000, 1, -ESRCH },
        { "port out of range", 1, EVTCHN_MAX, -EINVAL },
        { "huge port", 1, 0xffffffffu, -EINVAL },
        { "reserved port 0", 1, 0, -EINVAL },
        { "free port", 1, 100, -EINVAL },
        { "unbound for another domain", 1, 1, -EINVAL },
        { "virq port", 1, 2, -EINVAL },
        { "already connected", 1, 3, -EINVAL },
    };

    EXPECT_EQ(for_d3, 1);
    EXPECT_EQ(bv.port, 2);
    EXPECT_EQ(p1, 3);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        bi = (struct evtchn_bind_interdomain){ .remote_dom = cases[i].dom,
                                               .remote_port = cases[i].port };
        EXPECT_EQ(evtchn_bind_interdomain(d2, &bi), cases[i].rc);
    }
    EXPECT_EQ(status(d1, 1).status, EVTCHNSTAT_unbound);
    EXPECT_EQ(status(d2, 1).status, EVTCHNSTAT_closed);  /* d2 got no port */
}

static void test_send_sets_pending_selector_upcall(void)
{
    evtchn_port_t p1, p2;
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = 1 };
    struct vcpu_info *vi;

    three_domains();
    for (int i = 0; i < 69; i++)                      /* move d2's end into selector word 1 */
        CU_ASSERT_EQUAL(evtchn_alloc_unbound(d2, &op), 0);
    p2 = connect(d1, &p1, d2);
    EXPECT_EQ(p2, 70);
    clear_events(d2);
    vi = &d2->shared_info->vcpu_info[0];
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    CU_ASSERT(pending(d2, p2));
    EXPECT_EQ(vi->evtchn_pending_sel, 1UL << (70 / 64));
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    CU_ASSERT(!pending(d1, p1));                      /* nothing on the sender's side */
    /* Already pending: a second send raises nothing new (as Xen). */
    vi->evtchn_pending_sel = 0;
    vi->evtchn_upcall_pending = 0;
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    EXPECT_EQ(vi->evtchn_pending_sel, 0);
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    /* Selector already set by another port in the word: no new upcall either. */
    d2->shared_info->evtchn_pending[1] = 0;
    vi->evtchn_pending_sel = 1UL << 1;
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    CU_ASSERT(pending(d2, p2));
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    vi->evtchn_pending_sel = 0;
    d2->shared_info->evtchn_pending[1] = 0;
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    EXPECT_EQ(vi->evtchn_pending_sel, 1UL << 1);
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    CU_ASSERT(evtchn_is_pending(d2, p2));
    CU_ASSERT(!evtchn_is_pending(d2, EVTCHN_MAX));
    /* The other direction. */
    clear_events(d1);
    CU_ASSERT_EQUAL(evtchn_send(d2, p2), 0);
    CU_ASSERT(pending(d1, p1));
    EXPECT_EQ(d1->shared_info->vcpu_info[0].evtchn_upcall_pending, 1);
}

static void test_send_wakes_blocked_vcpu(void)
{
    evtchn_port_t p1, p2;

    three_domains();
    p2 = connect(d1, &p1, d2);
    clear_events(d2);
    sched_block(d2->vcpus[0]);
    CU_ASSERT_EQUAL(d2->vcpus[0]->state, VCPU_BLOCKED);
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    CU_ASSERT_EQUAL(d2->vcpus[0]->state, VCPU_RUNNABLE);
    CU_ASSERT(pending(d2, p2));
}

static void test_send_notify_vcpu(void)
{
    struct evtchn_bind_vcpu bv;
    evtchn_port_t p1, p2;

    three_domains();
    p1 = connect(d2, &p2, d1);                        /* d1's end is p1, on vCPU 0 */
    bv = (struct evtchn_bind_vcpu){ .port = p1, .vcpu = 1 };
    CU_ASSERT_EQUAL(evtchn_bind_vcpu(d1, &bv), 0);
    clear_events(d1);
    CU_ASSERT_EQUAL(evtchn_send(d2, p2), 0);
    EXPECT_EQ(d1->vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
    EXPECT_EQ(d1->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0);
    EXPECT_EQ(status(d1, p1).vcpu, 1);
    bv.vcpu = 5;
    CU_ASSERT_EQUAL(evtchn_bind_vcpu(d1, &bv), -ENOENT);
    bv = (struct evtchn_bind_vcpu){ .port = EVTCHN_MAX, .vcpu = 0 };
    CU_ASSERT_EQUAL(evtchn_bind_vcpu(d1, &bv), -EINVAL);
    bv = (struct evtchn_bind_vcpu){ .port = 200, .vcpu = 0 };
    CU_ASSERT_EQUAL(evtchn_bind_vcpu(d1, &bv), -EINVAL);      /* free port */
}

/* As Xen: a global VIRQ may be moved to another vCPU; a per-vCPU one may not. */
static void test_bind_vcpu_global_virq(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
    struct evtchn_bind_vcpu mv;

    three_domains();
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    mv = (struct evtchn_bind_vcpu){ .port = bv.port, .vcpu = 1 };
    CU_ASSERT_EQUAL(evtchn_bind_vcpu(d1, &mv), 0);
    EXPECT_EQ(status(d1, bv.port).vcpu, 1);
    clear_events(d1);
    evtchn_send_virq(d1->vcpus[0], VIRQ_CONSOLE);     /* the domain's VIRQ, raised as ever */
    CU_ASSERT(pending(d1, bv.port));
    EXPECT_EQ(d1->vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
    EXPECT_EQ(d1->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0);
    CU_ASSERT_EQUAL(evtchn_close(d1, bv.port), 0);    /* clears vCPU 0's slot, not vCPU 1's */
    EXPECT_EQ(d1->vcpus[0]->virq_to_port[VIRQ_CONSOLE], 0);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);

    struct evtchn_bind_virq timer = { .virq = VIRQ_TIMER, .vcpu = 0 };
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &timer), 0);
    mv = (struct evtchn_bind_vcpu){ .port = timer.port, .vcpu = 1 };
    EXPECT_EQ(evtchn_bind_vcpu(d1, &mv), -EINVAL);    /* a per-vCPU VIRQ stays */
    mv = (struct evtchn_bind_vcpu){ .port = 4000, .vcpu = 7 };
    EXPECT_EQ(evtchn_bind_vcpu(d1, &mv), -ENOENT);    /* the vCPU is checked first */
}

static void test_masked_until_unmask(void)
{
    evtchn_port_t p1, p2;
    struct vcpu_info *vi;

    three_domains();
    p2 = connect(d1, &p1, d2);
    clear_events(d2);
    vi = d2->vcpus[0]->vcpu_info;
    set_mask(d2, p2);
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);
    CU_ASSERT(pending(d2, p2));
    EXPECT_EQ(vi->evtchn_pending_sel, 0);
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    CU_ASSERT_EQUAL(evtchn_unmask(d2, p2), 0);
    CU_ASSERT(!(d2->shared_info->evtchn_mask[0] & (1UL << p2)));
    EXPECT_EQ(vi->evtchn_pending_sel, 1);
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    /* Unmasking a port that is not pending raises nothing. */
    clear_events(d2);
    set_mask(d2, p2);
    CU_ASSERT_EQUAL(evtchn_unmask(d2, p2), 0);
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    CU_ASSERT_EQUAL(evtchn_unmask(d2, EVTCHN_MAX), -EINVAL);
}

static void test_send_states(void)
{
    struct evtchn_bind_ipi ipi = { .vcpu = 1 };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    evtchn_port_t unbound;

    three_domains();
    unbound = alloc_unbound(d1, 2);
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d1, &ipi), 0);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    clear_events(d1);
    clear_events(d2);
    CU_ASSERT_EQUAL(evtchn_send(d1, unbound), 0);     /* dropped silently */
    CU_ASSERT(!pending(d1, unbound));
    EXPECT_EQ(d2->shared_info->evtchn_pending[0], 0);
    CU_ASSERT_EQUAL(evtchn_send(d1, ipi.port), 0);    /* IPI: to ourselves, on its vCPU */
    CU_ASSERT(pending(d1, ipi.port));
    EXPECT_EQ(d1->vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
    CU_ASSERT_EQUAL(evtchn_send(d1, bv.port), -EINVAL);       /* virq ports cannot be sent */
    CU_ASSERT_EQUAL(evtchn_send(d1, 0), -EINVAL);
    CU_ASSERT_EQUAL(evtchn_send(d1, 300), -EINVAL);           /* free */
    CU_ASSERT_EQUAL(evtchn_send(d1, EVTCHN_MAX), -EINVAL);
    struct evtchn_bind_ipi bad = { .vcpu = 2 };
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d1, &bad), -ENOENT);
}

static void test_close_remote_back_to_unbound(void)
{
    evtchn_port_t p1, p2;
    struct evtchn_bind_interdomain bi;

    three_domains();
    p2 = connect(d1, &p1, d2);
    CU_ASSERT(pending(d2, p2));
    CU_ASSERT_EQUAL(evtchn_close(d2, p2), 0);
    CU_ASSERT(!pending(d2, p2));                      /* closing clears the pending bit */
    EXPECT_EQ(status(d2, p2).status, EVTCHNSTAT_closed);
    struct evtchn_status st = status(d1, p1);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, 2);
    CU_ASSERT_EQUAL(evtchn_send(d1, p1), 0);          /* unbound again: dropped */
    CU_ASSERT(!pending(d2, p2));
    /* The same remote can bind it again. */
    bi = (struct evtchn_bind_interdomain){ .remote_dom = 1, .remote_port = p1 };
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d2, &bi), 0);
    EXPECT_EQ(status(d1, p1).status, EVTCHNSTAT_interdomain);
    /* Close errors. */
    CU_ASSERT_EQUAL(evtchn_close(d2, 0), -EINVAL);
    CU_ASSERT_EQUAL(evtchn_close(d2, 99), -EINVAL);
    CU_ASSERT_EQUAL(evtchn_close(d2, EVTCHN_MAX), -EINVAL);
    CU_ASSERT_EQUAL(evtchn_close(d1, p1), 0);
    CU_ASSERT_EQUAL(evtchn_close(d1, p1), -EINVAL);   /* twice */
    EXPECT_EQ(status(d2, bi.local_port).status, EVTCHNSTAT_unbound);
}

static void test_loopback(void)
{
    evtchn_port_t a, b;

    three_domains();
    b = connect(d1, &a, d1);
    CU_ASSERT_NOT_EQUAL(a, b);
    EXPECT_EQ(status(d1, a).u.interdomain.port, b);
    EXPECT_EQ(status(d1, b).u.interdomain.port, a);
    clear_events(d1);
    CU_ASSERT_EQUAL(evtchn_send(d1, a), 0);
    CU_ASSERT(pending(d1, b));
    CU_ASSERT_EQUAL(evtchn_close(d1, b), 0);
    EXPECT_EQ(status(d1, a).status, EVTCHNSTAT_unbound);
}

static void test_bind_virq(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 1 };

    three_domains();
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    EXPECT_EQ(bv.port, 1);
    EXPECT_EQ(d1->vcpus[1]->virq_to_port[VIRQ_TIMER], 1);
    struct evtchn_status st = status(d1, 1);
    EXPECT_EQ(st.status, EVTCHNSTAT_virq);
    EXPECT_EQ(st.u.virq, VIRQ_TIMER);
    EXPECT_EQ(st.vcpu, 1);
    /* Delivery goes to the bound vCPU. */
    clear_events(d1);
    evtchn_send_virq(d1->vcpus[1], VIRQ_TIMER);
    CU_ASSERT(pending(d1, 1));
    EXPECT_EQ(d1->vcpus[1]->vcpu_info->evtchn_upcall_pending, 1);
    EXPECT_EQ(d1->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0);
    evtchn_send_virq(d1->vcpus[0], VIRQ_TIMER);       /* not bound on vCPU 0: nothing */
    evtchn_send_virq(d1->vcpus[0], NR_VIRQS + 3);
    EXPECT_EQ(d1->shared_info->evtchn_pending[0], 1UL << 1);

    static const struct { const char *what; u32 virq, vcpu; int rc; } bad[] = {
        { "twice on the same vCPU", VIRQ_TIMER, 1, -EEXIST },
        { "virq out of range", NR_VIRQS, 0, -EINVAL },
        { "huge virq", 0xffffffffu, 0, -EINVAL },
        { "vCPU not created", VIRQ_TIMER, 2, -ENOENT },
        { "vCPU past the limit", VIRQ_TIMER, HV_MAX_VCPUS, -ENOENT },
        { "huge vCPU", VIRQ_DEBUG, 0xffffffffu, -ENOENT },
        { "global VIRQ on a vCPU other than 0", VIRQ_CONSOLE, 1, -EINVAL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct evtchn_bind_virq b = { .virq = bad[i].virq, .vcpu = bad[i].vcpu };
        EXPECT_EQ(evtchn_bind_virq(d1, &b), bad[i].rc);
    }
    /* The same virq on another vCPU is fine; closing frees the binding. */
    bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 0 };
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    CU_ASSERT_EQUAL(evtchn_close(d1, 1), 0);
    EXPECT_EQ(d1->vcpus[1]->virq_to_port[VIRQ_TIMER], 0);
    bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 1 };
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    EXPECT_EQ(bv.port, 1);
}

static void test_status_every_state(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
    struct evtchn_bind_ipi ipi = { .vcpu = 1 };
    evtchn_port_t unbound, p1, p2;
    struct domain *d0;

    three_domains();
    d0 = harness_domain(0, 1, true);
    unbound = alloc_unbound(d1, 3);                   /* 1 */
    p2 = connect(d1, &p1, d2);                        /* 2 */
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);    /* 3 */
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d1, &ipi), 0);    /* 4 */

    static const struct { evtchn_port_t port; u32 status; } want[] = {
        { 0, EVTCHNSTAT_closed }, { 1, EVTCHNSTAT_unbound }, { 2, EVTCHNSTAT_interdomain },
        { 3, EVTCHNSTAT_virq }, { 4, EVTCHNSTAT_ipi }, { 5, EVTCHNSTAT_closed },
        { EVTCHN_MAX - 1, EVTCHNSTAT_closed },
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++)
        EXPECT_EQ(status(d1, want[i].port).status, want[i].status);
    EXPECT_EQ(unbound, 1);
    EXPECT_EQ(status(d1, 1).u.unbound.dom, 3);
    EXPECT_EQ(status(d1, 2).u.interdomain.dom, 2);
    EXPECT_EQ(status(d1, 2).u.interdomain.port, p2);
    EXPECT_EQ(status(d1, 3).u.virq, VIRQ_CONSOLE);
    EXPECT_EQ(status(d1, 4).vcpu, 1);

    struct evtchn_status st = { .dom = DOMID_SELF, .port = EVTCHN_MAX };
    CU_ASSERT_EQUAL(evtchn_status(d1, &st), -EINVAL);
    st = (struct evtchn_status){ .dom = 2, .port = 1 };
    CU_ASSERT_EQUAL(evtchn_status(d1, &st), -EPERM);          /* another domain, unprivileged */
    st = (struct evtchn_status){ .dom = 1, .port = 1 };
    CU_ASSERT_EQUAL(evtchn_status(d1, &st), 0);               /* own id spelt out */
    st = (struct evtchn_status){ .dom = 40, .port = 1 };
    CU_ASSERT_EQUAL(evtchn_status(d1, &st), -ESRCH);
    st = (struct evtchn_status){ .dom = 1, .port = 3 };
    CU_ASSERT_EQUAL(evtchn_status(d0, &st), 0);               /* privileged may look */
    EXPECT_EQ(st.status, EVTCHNSTAT_virq);
}

static void test_domain_destroy_closes_everything(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    evtchn_port_t p1, p2, q1, q3;
    mfn_t before;

    before = hv_frames.nr_free;
    three_domains();
    p2 = connect(d1, &p1, d2);
    q3 = connect(d1, &q1, d3);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d1, &bv), 0);
    alloc_unbound(d1, 2);
    domain_shutdown(d1, SHUTDOWN_poweroff);
    CU_ASSERT_PTR_NULL(d1->evtchn);
    EXPECT_EQ(d1->vcpus[0]->virq_to_port[VIRQ_TIMER], 0);
    struct evtchn_status st = status(d2, p2);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, 1);
    EXPECT_EQ(status(d3, q3).status, EVTCHNSTAT_unbound);
    clear_events(d2);
    CU_ASSERT_EQUAL(evtchn_send(d2, p2), 0);          /* goes nowhere */
    CU_ASSERT(!pending(d2, p2));
    /* A dying domain is not found, so cannot be bound to. */
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = p1 };
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d2, &bi), -ESRCH);
    harness_reap();
    CU_ASSERT_PTR_NULL(hv_domains[1]);
    domain_shutdown(d2, SHUTDOWN_poweroff);
    domain_shutdown(d3, SHUTDOWN_poweroff);
    harness_reap();
    EXPECT_EQ(hv_frames.nr_free, before);
}

/* ---------------------------------------------- the hypercall edge */

static void test_hypercall_edge(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_status st = { .dom = DOMID_SELF, .port = 1 };
    struct evtchn_send snd = { .port = 1 };

    three_domains();
    harness_set_current(d1);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_alloc_unbound, HANDLE(&au)), 0);
    EXPECT_EQ(au.port, 1);                            /* copied back */
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_status, HANDLE(&st)), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, 2);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_send, HANDLE(&snd)), 0);
    snd.port = 9;
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_send, HANDLE(&snd)), -EINVAL);

    struct evtchn_bind_pirq bp = { .pirq = 9 };
    EXPECT_EQ(do_event_channel_op(EVTCHNOP_bind_pirq, HANDLE(&bp)), -EPERM);   /* a domU */

    static const unsigned long bad_cmds[] = {
        EVTCHNOP_reset, 64, ~0UL,
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad_cmds); i++)
        EXPECT_EQ(do_event_channel_op(bad_cmds[i], HANDLE(&au)), -ENOSYS);
}

static void test_hypercall_faults(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_close cl = { .port = 1 };

    three_domains();
    harness_set_current(d1);
    harness_fault_range(&au, sizeof(au), FAULT_READ | FAULT_WRITE);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_alloc_unbound, HANDLE(&au)), -EFAULT);
    EXPECT_EQ(status(d1, 1).status, EVTCHNSTAT_closed);       /* nothing done */
    /* A fault in the last byte still fails the copy. */
    harness_fault_range((char *)&au + sizeof(au) - 1, 1, FAULT_READ);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_alloc_unbound, HANDLE(&au)), -EFAULT);
    EXPECT_EQ(status(d1, 1).status, EVTCHNSTAT_closed);
    /* Copy-back fault: the op ran, the guest is told -EFAULT. */
    harness_fault_range(&au, sizeof(au), FAULT_WRITE);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_alloc_unbound, HANDLE(&au)), -EFAULT);
    harness_fault_clear();
    /* Bad pointers never reach the copy routine. */
    harness_copy_calls = 0;
    static const unsigned long bad_ptrs[] = {
        0x800000000000UL, 0xffff800000001000UL, 0xffff87fffffffff0UL, ~0UL - 2,
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad_ptrs); i++)
        EXPECT_EQ(do_event_channel_op(EVTCHNOP_close, HANDLE(bad_ptrs[i])), -EFAULT);
    EXPECT_EQ(harness_copy_calls, 0);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_close, HANDLE(&cl)), 0);
}


/*
 * Host threads as CPUs: one binds and closes interdomain channels between
 * d1 and d2, one closes d2's ports under it, one sends and unmasks on
 * both. Afterwards every interdomain end names a bound end that names it
 * back (the invariant close keeps under both domains' locks), and no
 * thread still holds a lock.
 */
#define RACE_ROUNDS 3000
#define RACE_PORTS  12
static unsigned int race_left_locked;

static void race_done(void)
{
    if (lock_check_nr_held())
        __atomic_fetch_add(&race_left_locked, 1, __ATOMIC_RELAXED);
}

static void *race_binder(void *arg)
{
    host_test_pcpu.id = 1;
    for (unsigned int i = 0; i < RACE_ROUNDS; i++) {
        struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = d1->id };
        struct evtchn_bind_interdomain bi = { .remote_dom = d2->id };

        if (evtchn_alloc_unbound(d2, &au))
            continue;
        bi.remote_port = au.port;
        if (!evtchn_bind_interdomain(d1, &bi))
            evtchn_close(i & 1 ? d1 : d2, i & 1 ? bi.local_port : au.port);
    }
    race_done();
    return arg;
}

static void *race_closer(void *arg)
{
    host_test_pcpu.id = 2;
    for (unsigned int i = 0; i < RACE_ROUNDS; i++)
        evtchn_close(d2, 1 + i % RACE_PORTS);
    race_done();
    return arg;
}

static void *race_sender(void *arg)
{
    host_test_pcpu.id = 3;
    for (unsigned int i = 0; i < RACE_ROUNDS * 4; i++) {
        evtchn_port_t p = 1 + i % RACE_PORTS;

        evtchn_send(d1, p);
        evtchn_send(d2, p);
        evtchn_unmask(d1, p);
    }
    race_done();
    return arg;
}

static void test_race_bind_close_send(void)
{
    void *(*fns[])(void *) = { race_binder, race_closer, race_sender };
    pthread_t t[3];

    three_domains();
    race_left_locked = 0;
    for (unsigned int i = 0; i < 3; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, fns[i], NULL) == 0);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    EXPECT_EQ(race_left_locked, 0);
    for (unsigned int k = 0; k < 2; k++) {
        struct domain *a = k ? d2 : d1, *b = k ? d1 : d2;

        for (evtchn_port_t p = 1; p < 64; p++) {
            struct evtchn *c = evtchn_from_port(a, p), *r;

            if (c->state != ECS_INTERDOMAIN)
                continue;
            EXPECT_EQ(c->remote_dom, b->id);
            r = evtchn_from_port(b, c->remote_port);
            EXPECT_EQ(r->state, ECS_INTERDOMAIN);
            EXPECT_EQ(r->remote_port, p);
        }
    }
}

static const struct unit_test tests[] = {
    { "alloc_unbound_numbering", test_alloc_unbound_numbering },
    { "alloc_unbound_errors", test_alloc_unbound_errors },
    { "alloc_unbound_future_remote", test_alloc_unbound_future_remote },
    { "alloc_unbound_privileged", test_alloc_unbound_privileged },
    { "port_exhaustion", test_port_exhaustion },
    { "bind_interdomain", test_bind_interdomain },
    { "bind_interdomain_errors", test_bind_interdomain_errors },
    { "send_sets_pending_selector_upcall", test_send_sets_pending_selector_upcall },
    { "send_wakes_blocked_vcpu", test_send_wakes_blocked_vcpu },
    { "send_notify_vcpu", test_send_notify_vcpu },
    { "bind_vcpu_global_virq", test_bind_vcpu_global_virq },
    { "masked_until_unmask", test_masked_until_unmask },
    { "send_states", test_send_states },
    { "close_remote_back_to_unbound", test_close_remote_back_to_unbound },
    { "loopback", test_loopback },
    { "bind_virq", test_bind_virq },
    { "status_every_state", test_status_every_state },
    { "domain_destroy_closes_everything", test_domain_destroy_closes_everything },
    { "hypercall_edge", test_hypercall_edge },
    { "hypercall_faults", test_hypercall_faults },
    { "race_bind_close_send", test_race_bind_close_send },
};

void suite_evtchn(void)
{
    ADD_SUITE("evtchn", tests);
}
