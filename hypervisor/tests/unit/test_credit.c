/* The credit scheduler's arithmetic and checks (common/sched_credit.c) and its queue order (sched.c). */
#define __XEN_TOOLS__ 1
#include <hv/cpumask.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <xen/domctl.h>

#include "harness.h"

#define P 30000000ULL                                 /* one period, ns */

static void test_grant_weights(void)
{
    /* One CPU, two busy domains of equal weight: half a period each. */
    EXPECT_EQ(credit_grant(P, 256, 512, 0, P, 1), P / 2);
    /* 512:256 on one CPU: two thirds and one third. */
    EXPECT_EQ(credit_grant(P, 512, 768, 0, P, 1), P * 2 / 3);
    EXPECT_EQ(credit_grant(P, 256, 768, 0, P, 1), P / 3);
    /* Two CPUs, 512:256:256: one vCPU gets a whole CPU, never more. */
    EXPECT_EQ(credit_grant(2 * P, 512, 1024, 0, P, 1), P);
    EXPECT_EQ(credit_grant(2 * P, 256, 1024, 0, P, 1), P / 2);
    EXPECT_EQ(credit_grant(2 * P, 256, 256, 0, P, 1), P);           /* alone: one CPU at most */
    /* A domain's share is split among its active vCPUs. */
    EXPECT_EQ(credit_grant(2 * P, 256, 256, 0, P, 2), P);
    EXPECT_EQ(credit_grant(2 * P, 256, 512, 0, P, 2), P / 2);
    /* Nothing to share, or nobody to share it with. */
    EXPECT_EQ(credit_grant(P, 256, 0, 0, P, 1), 0);
    EXPECT_EQ(credit_grant(P, 256, 256, 0, P, 0), 0);
    /* The largest weights on the most CPUs do not overflow. */
    EXPECT_EQ(credit_grant(64 * P, 65535, 65535, 0, P, 1), P);
    EXPECT_EQ(credit_grant(64 * P, 65535, 65535ULL * 64, 0, P, 1), P);
}

static void test_grant_caps(void)
{
    EXPECT_EQ(credit_grant(P, 256, 256, 25, P, 1), P / 4);           /* 25% of one CPU */
    EXPECT_EQ(credit_grant(P, 256, 512, 75, P, 1), P / 2);           /* the weight is the lower */
    EXPECT_EQ(credit_grant(2 * P, 256, 256, 150, P, 2), P * 3 / 4);  /* 150% over two vCPUs */
    EXPECT_EQ(credit_grant(2 * P, 256, 256, 100, P, 1), P);
}

static void test_clamp_and_params(void)
{
    EXPECT_EQ(credit_clamp(5, P), 5);
    EXPECT_EQ(credit_clamp(2 * (s64)P, P), 2 * (s64)P);
    EXPECT_EQ(credit_clamp(3 * (s64)P, P), 2 * (s64)P);
    EXPECT_EQ(credit_clamp(-4 * (s64)P, P), -4 * (s64)P);
    EXPECT_EQ(credit_clamp(-5 * (s64)P, P), -4 * (s64)P);
    EXPECT_EQ(credit_params_check(256, 0, 1), 0);
    EXPECT_EQ(credit_params_check(0, 0, 1), 0);                      /* weight 0: kept */
    EXPECT_EQ(credit_params_check(65535, 100, 1), 0);
    EXPECT_EQ(credit_params_check(65536, 0, 1), -EINVAL);
    EXPECT_EQ(credit_params_check(256, 101, 1), -EINVAL);
    EXPECT_EQ(credit_params_check(256, 200, 2), 0);
    EXPECT_EQ(credit_params_check(256, 201, 2), -EINVAL);
}

static void test_affinity_check(void)
{
    cpumask_t online = cpumask_first_n(2), usable, m;

    m = cpumask_none();
    EXPECT_EQ(sched_affinity_check(&m, &online, &usable), -EINVAL);  /* empty */
    m = cpumask_of(5);
    EXPECT_EQ(sched_affinity_check(&m, &online, &usable), -EINVAL);  /* offline only */
    m.bits = 0x22;
    EXPECT_EQ(sched_affinity_check(&m, &online, &usable), 0);
    EXPECT_EQ(usable.bits, 0x2);
}

static void test_cpulist(void)
{
    cpumask_t m;

    EXPECT_EQ(sched_parse_cpulist("1", &m), 0);
    EXPECT_EQ(m.bits, 0x2);
    EXPECT_EQ(sched_parse_cpulist("0-2,5", &m), 0);
    EXPECT_EQ(m.bits, 0x27);
    EXPECT_EQ(sched_parse_cpulist("63", &m), 0);
    EXPECT_EQ(m.bits, 1ULL << 63);
    EXPECT_EQ(sched_parse_cpulist("64", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("2-1", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("1,", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("x", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("1-", &m), -EINVAL);
    EXPECT_EQ(sched_parse_cpulist("99999999999", &m), -EINVAL);
}

/* UNDER before OVER, BOOST before both; first come first among equals. */
static void test_queue_order(void)
{
    struct domain *a = harness_domain(1, 1, false), *b = harness_domain(2, 1, false),
                  *c = harness_domain(3, 1, false);

    a->vcpus[0]->credit.credit = -1000;
    b->vcpus[0]->credit.credit = 1000;
    c->vcpus[0]->credit.credit = 1000;
    sched_add(a->vcpus[0]);
    sched_add(b->vcpus[0]);
    sched_add(c->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), b->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), c->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), a->vcpus[0]);
    CU_ASSERT_PTR_NULL(sched_pick_next());
    /* A vCPU woken from blocked with credit left runs first. */
    sched_add(a->vcpus[0]);
    sched_add(b->vcpus[0]);
    c->vcpus[0]->state = VCPU_BLOCKED;
    sched_wake(c->vcpus[0]);
    CU_ASSERT(c->vcpus[0]->credit.boosted);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), c->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), b->vcpus[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), a->vcpus[0]);
    /* Out of credit, a vCPU is not boosted. */
    a->vcpus[0]->state = VCPU_BLOCKED;
    sched_wake(a->vcpus[0]);
    CU_ASSERT(!a->vcpus[0]->credit.boosted);
    sched_pick_next();
    for (int i = 0; i < 3; i++)
        (i == 0 ? a : i == 1 ? b : c)->vcpus[0]->credit.credit = 0;
}

/* A capped vCPU out of credit is parked at its deschedule, and queued again once refilled. */
static void test_park_and_unpark(void)
{
    struct domain *d = harness_domain(1, 1, false), *other = harness_domain(2, 1, false);
    struct vcpu *v = d->vcpus[0];

    d->sched_cap = 25;
    sched_add(other->vcpus[0]);
    harness_set_current(d);
    v->state = VCPU_RUNNABLE;
    v->credit.credit = -5;
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), other->vcpus[0]);
    CU_ASSERT(v->credit.parked);
    CU_ASSERT(!v->on_runq);
    CU_ASSERT(credit_any_parked());
    sched_unpause(v);                                 /* still parked: not queued */
    CU_ASSERT(!v->on_runq);
    harness_set_current(NULL);
    v->credit.credit = 1000;
    sched_unpark(v);
    CU_ASSERT(!v->credit.parked);
    CU_ASSERT(v->on_runq);
    CU_ASSERT(!credit_any_parked());
    EXPECT_EQ(credit_slice(v, 10000000), 1000000);    /* little credit: a short slice, 1 ms at least */
    v->credit.credit = 5000000;
    EXPECT_EQ(credit_slice(v, 10000000), 5000000);
    d->sched_cap = 0;
    EXPECT_EQ(credit_slice(v, 10000000), 10000000);
    /* A parked vCPU that goes down is parked no more. */
    CU_ASSERT_PTR_EQUAL(sched_pick_next(), v);
    v->credit.credit = 0;
    v->credit.parked = true;
    credit_parked_changed(1);
    sched_stop(v);
    CU_ASSERT(!v->credit.parked);
    CU_ASSERT(!credit_any_parked());
    while (sched_pick_next())
        ;
}

/* Hard affinity: an empty or offline-only mask is refused and changes nothing. */
static void test_set_affinity(void)
{
    struct domain *d = harness_domain(1, 2, false);
    cpumask_t m = cpumask_none();

    EXPECT_EQ(sched_set_affinity(d->vcpus[1], &m), -EINVAL);
    m = cpumask_of(3);                                /* the harness has CPU 0 only */
    EXPECT_EQ(sched_set_affinity(d->vcpus[1], &m), -EINVAL);
    EXPECT_EQ(d->vcpus[1]->hard_affinity.bits, cpumask_first_n(HV_NR_CPUS).bits);
    m.bits = 0x9;
    EXPECT_EQ(sched_set_affinity(d->vcpus[1], &m), 0);
    EXPECT_EQ(d->vcpus[1]->hard_affinity.bits, 0x9);
    EXPECT_EQ(d->vcpus[1]->processor, 0);
}

/* The domctl's checks: the credit scheduler's id, get/put only, weight 0 kept, cap bounded. */
static void test_scheduler_op(void)
{
    struct domain *d = harness_domain(1, 2, false);
    struct xen_domctl_scheduler_op op = { .sched_id = XEN_SCHEDULER_CREDIT,
                                          .cmd = XEN_DOMCTL_SCHEDOP_getinfo };

    EXPECT_EQ(sched_credit_adjust(d, &op), 0);
    EXPECT_EQ(op.u.credit.weight, 256);
    EXPECT_EQ(op.u.credit.cap, 0);
    op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    op.u.credit.weight = 512;
    op.u.credit.cap = 150;
    EXPECT_EQ(sched_credit_adjust(d, &op), 0);
    EXPECT_EQ(d->sched_weight, 512);
    EXPECT_EQ(d->sched_cap, 150);
    op.u.credit.weight = 0;
    op.u.credit.cap = 25;
    EXPECT_EQ(sched_credit_adjust(d, &op), 0);
    EXPECT_EQ(d->sched_weight, 512);                  /* weight 0: unchanged */
    EXPECT_EQ(d->sched_cap, 25);
    op.u.credit.cap = 201;                            /* more than its two vCPUs */
    EXPECT_EQ(sched_credit_adjust(d, &op), -EINVAL);
    EXPECT_EQ(d->sched_cap, 25);
    op.sched_id = XEN_SCHEDULER_CREDIT2;
    EXPECT_EQ(sched_credit_adjust(d, &op), -EINVAL);
    op.sched_id = XEN_SCHEDULER_CREDIT;
    op.cmd = XEN_DOMCTL_SCHEDOP_getvcpuinfo;
    EXPECT_EQ(sched_credit_adjust(d, &op), -EINVAL);
}

static const struct unit_test tests[] = {
    { "grant_weights", test_grant_weights },
    { "grant_caps", test_grant_caps },
    { "clamp_and_params", test_clamp_and_params },
    { "affinity_check", test_affinity_check },
    { "cpulist", test_cpulist },
    { "queue_order", test_queue_order },
    { "park_and_unpark", test_park_and_unpark },
    { "set_affinity", test_set_affinity },
    { "scheduler_op", test_scheduler_op },
};

void suite_credit(void)
{
    ADD_SUITE("credit", tests);
}
