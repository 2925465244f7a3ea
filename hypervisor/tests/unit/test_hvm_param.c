/*
 * hvm_op's HVM params (common/hvm_param.c): Xen 4.17's order of checks,
 * who may set and read which param, set-once params, refused values, and
 * the value read back as it was set.
 */
#include "harness.h"
#include <hv/domain.h>

static int fake_hvm;                       /* d->hvm only says "an HVM domain" to common code */
static struct domain *dom0, *hvm, *pv;
static struct xen_hvm_param prm;

static void three_domains(void)
{
    dom0 = harness_domain(0, 1, true);
    hvm = harness_domain(1, 1, false);
    pv = harness_domain(2, 1, false);
    hvm->hvm = (struct hvm_domain *)&fake_hvm;
    memset(hvm->hvm_params, 0, sizeof(hvm->hvm_params));
    harness_set_current(dom0);
}

static long hvm_op(unsigned long op, void *arg)
{
    unsigned long args[5] = { op, (unsigned long)arg };

    return harness_hypercall(__HYPERVISOR_hvm_op, args);
}

static long set_param(domid_t dom, u32 index, u64 value)
{
    prm = (struct xen_hvm_param){ .domid = dom, .index = index, .value = value };
    return hvm_op(HVMOP_set_param, &prm);
}

/* The value read, or the error as a negative number. */
static s64 get_param(domid_t dom, u32 index)
{
    long rc;

    prm = (struct xen_hvm_param){ .domid = dom, .index = index, .value = 0xbad };
    rc = hvm_op(HVMOP_get_param, &prm);
    return rc ? rc : (s64)prm.value;
}

/* Xen's order: copy-in, domain, HVM, index, caller, then the param's own rules. */
static void test_order_of_checks(void)
{
    three_domains();
    EXPECT_EQ(hvm_op(HVMOP_set_param, (void *)0x800000000000UL), -EFAULT);   /* not guest memory */
    EXPECT_EQ(hvm_op(HVMOP_get_param, (void *)0xffff800000000000UL), -EFAULT);
    EXPECT_EQ(hvm_op(2, &prm), -ENOSYS);                /* another sub-op */
    EXPECT_EQ(hvm_op(~0UL, &prm), -ENOSYS);
    EXPECT_EQ(set_param(9, HVM_PARAM_STORE_PFN, 1), -ESRCH);
    EXPECT_EQ(set_param(2, HVM_PARAM_STORE_PFN, 1), -EINVAL);              /* a PV domain */
    EXPECT_EQ(get_param(DOMID_SELF, HVM_PARAM_STORE_PFN), -EINVAL);        /* dom0: PV */
    EXPECT_EQ(set_param(1, HVM_NR_PARAMS, 1), -EINVAL);
    EXPECT_EQ(get_param(1, ~0u), -EINVAL);
    harness_set_current(pv);                                               /* not privileged */
    EXPECT_EQ(set_param(1, HVM_PARAM_STORE_PFN, 1), -EPERM);
    EXPECT_EQ(get_param(1, HVM_PARAM_CALLBACK_IRQ), -EPERM);
    EXPECT_EQ(set_param(1, HVM_NR_PARAMS, 1), -EINVAL);                    /* the index first */
    harness_set_current(dom0);
    hvm->hvm = NULL;
}

/* The toolstack sets what it builds; the firmware and the device model read it back. */
static void test_toolstack_sets_and_reads(void)
{
    static const u32 params[] = { HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, HVM_PARAM_CONSOLE_PFN,
                                  HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_IDENT_PT, HVM_PARAM_IOREQ_PFN,
                                  HVM_PARAM_BUFIOREQ_PFN, HVM_PARAM_PAGING_RING_PFN };

    three_domains();
    for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
        EXPECT_EQ(get_param(1, params[i]), 0);
        EXPECT_EQ(set_param(1, params[i], 0xfeff0 + i), 0);
        EXPECT_EQ(get_param(1, params[i]), 0xfeff0 + i);
    }
    EXPECT_EQ(set_param(1, HVM_PARAM_STORE_PFN, ~0ULL), 0);                 /* any value */
    EXPECT_EQ(get_param(1, HVM_PARAM_STORE_PFN), (s64)~0ULL);
    EXPECT_EQ(get_param(2, HVM_PARAM_STORE_PFN), -EINVAL);                 /* nothing for PV */
    hvm->hvm = NULL;
}

/* Values Xen refuses (and features this hypervisor does not offer: only 0). */
static void test_values_refused(void)
{
    static const struct { u32 index; u64 bad, good; } v[] = {
        { HVM_PARAM_TIMER_MODE, HVMPTM_one_missed_tick_pending + 1, HVMPTM_one_missed_tick_pending },
        { 13 /* DM_DOMAIN */, 0, DOMID_SELF },
        { HVM_PARAM_ACPI_S_STATE, 3, 0 },
        { HVM_PARAM_VM86_TSS, 1ULL << 32, 0xfffff000 },
        { 24 /* NESTEDHVM */, 1, 0 },
        { HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_MAX + 1, SHUTDOWN_crash },
        { HVM_PARAM_NR_IOREQ_SERVER_PAGES, 65, 8 },
        { HVM_PARAM_X87_FIP_WIDTH, 2, 4 },
        { HVM_PARAM_VM86_TSS_SIZED, (103ULL << 32) | 0x1000, (104ULL << 32) | 0x1000 },
        { HVM_PARAM_MCA_CAP, 2, XEN_HVM_MCA_CAP_LMCE },
        { HVM_PARAM_VIRIDIAN, 1, 0 },
        { HVM_PARAM_ALTP2M, XEN_ALTP2M_mixed, XEN_ALTP2M_disabled },
    };

    three_domains();
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        EXPECT_EQ(set_param(1, v[i].index, v[i].bad), -EINVAL);
        EXPECT_EQ(set_param(1, v[i].index, v[i].good), 0);
        EXPECT_EQ(get_param(1, v[i].index), (s64)v[i].good);
    }
    EXPECT_EQ(set_param(1, HVM_PARAM_NR_IOREQ_SERVER_PAGES, 0), -EEXIST);  /* set once already */
    hvm->hvm = NULL;
}

/* Once non-zero, a set-once param takes only the same value again. */
static void test_set_once(void)
{
    three_domains();
    EXPECT_EQ(set_param(1, HVM_PARAM_IOREQ_SERVER_PFN, 0), 0);             /* 0: not set yet */
    EXPECT_EQ(set_param(1, HVM_PARAM_IOREQ_SERVER_PFN, 0xff000), 0);
    EXPECT_EQ(set_param(1, HVM_PARAM_IOREQ_SERVER_PFN, 0xff000), 0);       /* the same: fine */
    EXPECT_EQ(set_param(1, HVM_PARAM_IOREQ_SERVER_PFN, 0xfe000), -EEXIST);
    EXPECT_EQ(set_param(1, HVM_PARAM_IOREQ_SERVER_PFN, 0), -EEXIST);
    EXPECT_EQ(get_param(1, HVM_PARAM_IOREQ_SERVER_PFN), 0xff000);
    EXPECT_EQ(set_param(1, HVM_PARAM_MCA_CAP, XEN_HVM_MCA_CAP_LMCE), 0);
    EXPECT_EQ(set_param(1, HVM_PARAM_MCA_CAP, 0), -EEXIST);
    EXPECT_EQ(set_param(1, HVM_PARAM_STORE_PFN, 5), 0);                    /* not set-once */
    EXPECT_EQ(set_param(1, HVM_PARAM_STORE_PFN, 6), 0);
    hvm->hvm = NULL;
}

/* The domain itself (an HVM vCPU's own call): only the params Xen lets a guest touch. */
static void test_domain_itself(void)
{
    three_domains();
    EXPECT_EQ(set_param(1, HVM_PARAM_STORE_PFN, 0x1234), 0);
    harness_set_current(hvm);
    EXPECT_EQ(get_param(DOMID_SELF, HVM_PARAM_STORE_PFN), 0x1234);         /* reads its store page */
    EXPECT_EQ(get_param(1, HVM_PARAM_CONSOLE_EVTCHN), 0);
    EXPECT_EQ(set_param(DOMID_SELF, HVM_PARAM_STORE_PFN, 1), -EPERM);      /* but may not move it */
    EXPECT_EQ(set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ULL << 56 | 0xf3), 0);
    EXPECT_EQ(get_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ), (s64)(2ULL << 56 | 0xf3));
    EXPECT_EQ(set_param(DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, 8), 0);
    EXPECT_EQ(set_param(DOMID_SELF, HVM_PARAM_TIMER_MODE, 1), -EPERM);     /* the toolstack's */
    EXPECT_EQ(get_param(DOMID_SELF, HVM_PARAM_TIMER_MODE), -EPERM);
    EXPECT_EQ(get_param(DOMID_SELF, HVM_PARAM_IOREQ_SERVER_PFN), -EPERM);
    EXPECT_EQ(set_param(DOMID_SELF, 4 /* PAE_ENABLED */, 1), -EPERM);      /* deprecated */
    EXPECT_EQ(get_param(DOMID_SELF, 26 /* BUFIOREQ_EVTCHN */), -ENODATA);
    EXPECT_EQ(get_param(0, HVM_PARAM_STORE_PFN), -EINVAL);                 /* dom0 is PV */
    harness_set_current(dom0);
    EXPECT_EQ(get_param(1, 4 /* PAE_ENABLED */), 0);                       /* the toolstack may */
    EXPECT_EQ(get_param(1, HVM_PARAM_TIMER_MODE), 0);
    hvm->hvm = NULL;
}

void suite_hvm_param(void)
{
    static const struct unit_test tests[] = {
        { "order_of_checks", test_order_of_checks },
        { "toolstack_sets_and_reads", test_toolstack_sets_and_reads },
        { "values_refused", test_values_refused },
        { "set_once", test_set_once },
        { "domain_itself", test_domain_itself },
    };

    ADD_SUITE("hvm_param", tests);
}
