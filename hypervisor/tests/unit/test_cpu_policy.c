/*
 * The CPUID policies in Xen 4.17's toolstack ABI (arch/x86/pv/cpu_policy.c):
 * sysctl get_cpu_policy and get_cpu_featureset, domctl get/set_cpu_policy,
 * and what the domain's CPUID then returns. The host's CPUID is this
 * machine's: the tests compare with it rather than with fixed values.
 */
#define __XEN_TOOLS__ 1
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <asm/cpuid.h>
#include <asm/cpu_policy.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "harness.h"

#define NO_SUB     XEN_CPUID_NO_SUBLEAF
#define MAX_LEAVES 120                               /* Xen 4.17.7's CPUID_MAX_SERIALISED_LEAVES */

static struct xen_sysctl sc;
static struct xen_domctl dc;
static xen_cpuid_leaf_t leaves[MAX_LEAVES + 1];
static xen_msr_entry_t msrs[3];

static long sysctl(u32 cmd)
{
    return harness_sysctl(&sc, cmd);
}

static long domctl(u32 cmd, domid_t dom)
{
    return harness_domctl(&dc, cmd, dom);
}

static long get_policy(u32 index, u32 nr)
{
    memset(&sc, 0, sizeof(sc));
    sc.u.cpu_policy.index = index;
    sc.u.cpu_policy.nr_leaves = nr;
    sc.u.cpu_policy.nr_msrs = 3;
    set_xen_guest_handle(sc.u.cpu_policy.leaves, leaves);
    set_xen_guest_handle(sc.u.cpu_policy.msrs, msrs);
    return sysctl(XEN_SYSCTL_get_cpu_policy);
}

static const xen_cpuid_leaf_t *find(u32 nr, u32 leaf, u32 sub)
{
    for (u32 i = 0; i < nr; i++)
        if (leaves[i].leaf == leaf && leaves[i].subleaf == sub)
            return &leaves[i];
    return NULL;
}

/* A domain made by a toolstack and not yet unpaused: set_cpu_policy's only target. */
static struct domain *new_domu(void)
{
    struct domain *d = harness_domain(5, 1, false);

    harness_set_current(harness_domain(0, 1, true));
    d->controlled = true;
    return d;
}

/* Null handles ask for the sizes; bad indexes and the reserved field are refused. */
static void test_sizes_and_indexes(void)
{
    harness_set_current(harness_domain(0, 1, true));
    memset(&sc, 0, sizeof(sc));
    sc.u.cpu_policy.index = XEN_SYSCTL_cpu_policy_pv_default;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_policy), 0);
    EXPECT_EQ(sc.u.cpu_policy.nr_leaves, MAX_LEAVES);
    EXPECT_EQ(sc.u.cpu_policy.nr_msrs, 2);
    sc.u.cpu_policy._rsvd = 1;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_policy), -EINVAL);
    sc.u.cpu_policy._rsvd = 0;
    sc.u.cpu_policy.index = XEN_SYSCTL_cpu_policy_hvm_default + 1;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_policy), -EINVAL);
    sc.u.cpu_policy.index = XEN_SYSCTL_cpu_policy_hvm_max;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_policy), -EOPNOTSUPP);
    memset(&sc, 0, sizeof(sc));
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_featureset), 0);
    EXPECT_EQ(sc.u.cpu_featureset.nr_features, CPU_POLICY_WORDS);
}

/* pv_default in Xen's order: leaf 0 first with the host's max leaf, the hypervisor bit,
 * no VMX/SVM, the two hv_limit leaves, then the extended leaves; too short: -ENOBUFS. */
static void test_default_policy(void)
{
    u32 h[4], nr;
    const xen_cpuid_leaf_t *l;

    harness_set_current(harness_domain(0, 1, true));
    EXPECT_EQ(get_policy(XEN_SYSCTL_cpu_policy_pv_default, MAX_LEAVES), 0);
    nr = sc.u.cpu_policy.nr_leaves;
    CU_ASSERT(nr > 4 && nr <= MAX_LEAVES);
    EXPECT_EQ(sc.u.cpu_policy.nr_msrs, 2);
    EXPECT_EQ(msrs[0].idx, 0xce);
    cpuid_count(0, 0, &h[0], &h[1], &h[2], &h[3]);
    EXPECT_EQ(leaves[0].leaf, 0);
    EXPECT_EQ(leaves[0].subleaf, NO_SUB);
    EXPECT_EQ(leaves[0].a, h[0]);
    CU_ASSERT_FATAL((l = find(nr, 1, NO_SUB)) != NULL);
    CU_ASSERT(l->c & (1u << 31));
    CU_ASSERT(!(l->c & (1u << 5)));                               /* VMX */
    CU_ASSERT(find(nr, 0x40000000, NO_SUB) != NULL);
    CU_ASSERT(find(nr, 0x80000000, NO_SUB) != NULL);
    for (u32 i = 1; i < nr; i++)                                  /* leaves never go backwards */
        CU_ASSERT(leaves[i].leaf >= leaves[i - 1].leaf);
    EXPECT_EQ(get_policy(XEN_SYSCTL_cpu_policy_host, MAX_LEAVES), 0);
    CU_ASSERT_FATAL((l = find(sc.u.cpu_policy.nr_leaves, 1, NO_SUB)) != NULL);
    cpuid_count(1, 0, &h[0], &h[1], &h[2], &h[3]);
    EXPECT_EQ(l->d, h[3]);                                        /* the host's own */
    EXPECT_EQ(get_policy(XEN_SYSCTL_cpu_policy_pv_default, 3), -ENOBUFS);
    harness_fault_range(leaves, sizeof(leaves), FAULT_WRITE);
    EXPECT_EQ(get_policy(XEN_SYSCTL_cpu_policy_pv_default, MAX_LEAVES), -EFAULT);
}

/* Featuresets: word 1 of pv has the hypervisor bit, host's word 0 is leaf 1's edx;
 * a short buffer gets its words and -ENOBUFS. */
static void test_featureset(void)
{
    u32 fs[CPU_POLICY_WORDS + 2], h[4];

    harness_set_current(harness_domain(0, 1, true));
    memset(&sc, 0, sizeof(sc));
    set_xen_guest_handle(sc.u.cpu_featureset.features, fs);
    sc.u.cpu_featureset.nr_features = CPU_POLICY_WORDS + 2;
    sc.u.cpu_featureset.index = XEN_SYSCTL_cpu_featureset_pv;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_featureset), 0);
    EXPECT_EQ(sc.u.cpu_featureset.nr_features, CPU_POLICY_WORDS);
    CU_ASSERT(fs[1] & (1u << 31));
    sc.u.cpu_featureset.index = XEN_SYSCTL_cpu_featureset_host;
    sc.u.cpu_featureset.nr_features = 2;
    fs[2] = 0x12345678;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_featureset), -ENOBUFS);
    cpuid_count(1, 0, &h[0], &h[1], &h[2], &h[3]);
    EXPECT_EQ(fs[0], h[3]);
    EXPECT_EQ(fs[2], 0x12345678);                                 /* past what was asked */
    sc.u.cpu_featureset.index = XEN_SYSCTL_cpu_featureset_hvm;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_featureset), -EOPNOTSUPP);
    sc.u.cpu_featureset.index = 6;
    EXPECT_EQ(sysctl(XEN_SYSCTL_get_cpu_featureset), -EINVAL);
}

static long set_domain_policy(u32 nr_leaves, u32 nr_msrs)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.cpu_policy.nr_leaves = nr_leaves;
    dc.u.cpu_policy.nr_msrs = nr_msrs;
    set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
    set_xen_guest_handle(dc.u.cpu_policy.msrs, msrs);
    return domctl(XEN_DOMCTL_set_cpu_policy, 5);
}

static u32 domain_policy(void)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.cpu_policy.nr_leaves = MAX_LEAVES;
    dc.u.cpu_policy.nr_msrs = 2;
    set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
    set_xen_guest_handle(dc.u.cpu_policy.msrs, msrs);
    EXPECT_EQ(domctl(XEN_DOMCTL_get_cpu_policy, 5), 0);
    return dc.u.cpu_policy.nr_leaves;
}

/* libxl's round trip: what get gives, with a feature bit cleared, is taken and the guest's
 * CPUID loses that bit; a bit the default lacks is dropped, not granted. */
static void test_set_narrows(void)
{
    struct domain *d = new_domu();
    u32 nr = domain_policy(), r[4], bit;
    xen_cpuid_leaf_t *l1 = (xen_cpuid_leaf_t *)find(nr, 1, NO_SUB);

    CU_ASSERT_FATAL(l1 != NULL && l1->d != 0);
    bit = l1->d & -l1->d;                                         /* its lowest feature bit */
    l1->d &= ~bit;
    l1->c |= 1u << 5;                                             /* VMX: not in the default */
    EXPECT_EQ(set_domain_policy(nr, 2), 0);
    pv_guest_cpuid(d, 1, 0, r);
    EXPECT_EQ(r[3] & bit, 0);
    EXPECT_EQ(r[2] & (1u << 5), 0);
    CU_ASSERT(r[2] & (1u << 31));
    nr = domain_policy();                                         /* get shows the narrowed one */
    EXPECT_EQ(find(nr, 1, NO_SUB)->d & bit, 0);
}

/* A lower max basic leaf: leaves past it read as zeroes and leaf 0 says so. */
static void test_set_max_leaf(void)
{
    struct domain *d = new_domu();
    u32 nr = domain_policy(), r[4];

    leaves[0].a = 1;
    EXPECT_EQ(set_domain_policy(nr, 0), 0);
    pv_guest_cpuid(d, 0, 0, r);
    EXPECT_EQ(r[0], 1);
    pv_guest_cpuid(d, 7, 0, r);
    EXPECT_EQ(r[0] | r[1] | r[2] | r[3], 0);
    pv_guest_cpuid(d, 0x40000000, 0, r);                           /* the hypervisor's stay */
    EXPECT_EQ(r[0], 0x40000002);
}

/* What is refused changes nothing and names the leaf or MSR. */
static void test_set_refusals(void)
{
    struct domain *d = new_domu();
    u32 nr = domain_policy(), max = leaves[0].a;

    leaves[0].a = max + 1;                                        /* above the default */
    EXPECT_EQ(set_domain_policy(nr, 0), -EINVAL);
    EXPECT_EQ(dc.u.cpu_policy.err_leaf, 0);
    leaves[0].a = max;
    leaves[1] = (xen_cpuid_leaf_t){ .leaf = 0x20, .subleaf = NO_SUB };
    EXPECT_EQ(set_domain_policy(nr, 0), -ERANGE);                 /* past Xen's basic array */
    EXPECT_EQ(dc.u.cpu_policy.err_leaf, 0x20);
    leaves[1] = (xen_cpuid_leaf_t){ .leaf = 1, .subleaf = 0 };
    EXPECT_EQ(set_domain_policy(nr, 0), -ERANGE);                 /* leaf 1 has no subleaves */
    EXPECT_EQ(dc.u.cpu_policy.err_subleaf, 0);
    EXPECT_EQ(set_domain_policy(MAX_LEAVES + 1, 0), -E2BIG);
    msrs[0] = (xen_msr_entry_t){ .idx = 0xce, .val = 1ULL << 31 };   /* CPUID faulting */
    EXPECT_EQ(set_domain_policy(1, 1), -EINVAL);
    EXPECT_EQ(dc.u.cpu_policy.err_msr, 0xce);
    msrs[0] = (xen_msr_entry_t){ .idx = 0x123 };
    EXPECT_EQ(set_domain_policy(1, 1), -ERANGE);
    EXPECT_EQ(set_domain_policy(1, 3), -E2BIG);
    EXPECT_EQ(d->cpu_policy.limited, false);
    harness_fault_range(leaves, sizeof(leaves), FAULT_READ);
    EXPECT_EQ(set_domain_policy(1, 0), -EFAULT);
}

/* Only a toolstack's domain before it first runs; never the caller itself. */
static void test_set_when(void)
{
    struct domain *d = new_domu();
    u32 nr = domain_policy();

    d->creation_finished = true;
    EXPECT_EQ(set_domain_policy(nr, 0), -EEXIST);
    d->creation_finished = false;
    d->controlled = false;                                        /* built at boot */
    EXPECT_EQ(set_domain_policy(nr, 0), -EEXIST);
    d->controlled = true;
    EXPECT_EQ(set_domain_policy(nr, 0), 0);
    EXPECT_EQ(domctl(XEN_DOMCTL_set_cpu_policy, 0), -EINVAL);
}

static const struct unit_test tests[] = {
    { "sizes_and_indexes", test_sizes_and_indexes },
    { "default_policy", test_default_policy },
    { "featureset", test_featureset },
    { "set_narrows", test_set_narrows },
    { "set_max_leaf", test_set_max_leaf },
    { "set_refusals", test_set_refusals },
    { "set_when", test_set_when },
};

void suite_cpu_policy(void)
{
    ADD_SUITE("cpu_policy", tests);
}
