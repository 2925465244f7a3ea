/*
 * A PV domain's CPUID policy (arch/x86/pv/cpu_policy.c): what its forced
 * CPUID returns, and the toolstack's view of it as Xen 4.17's serialised
 * leaves (sysctl get_cpu_policy / get_cpu_featureset, domctl
 * get/set_cpu_policy).
 */
#ifndef ASM_CPU_POLICY_H
#define ASM_CPU_POLICY_H

#include <hv/types.h>

#define CPU_POLICY_WORDS 19              /* Xen 4.17.7's featureset words, 1d .. e21c */

/* What the toolstack took away from the default policy. Zeroed: the default. */
struct cpu_policy_limits {
    bool limited;                        /* max_* below apply (a set_cpu_policy happened) */
    u32 max_basic, max_feat, max_extd;   /* leaf 0's eax, 7:0's eax, 0x80000000's eax */
    u32 hide[CPU_POLICY_WORDS];          /* feature bits cleared, per featureset word */
};

struct domain;
struct xen_sysctl_cpu_policy;
struct xen_sysctl_cpu_featureset;
struct xen_domctl_cpu_policy;

/* The CPUID d's guest sees for leaf:sub (the forced-CPUID emulation, pv/emulate.c). */
void pv_guest_cpuid(const struct domain *d, u32 leaf, u32 sub, u32 r[4]);

long sysctl_get_cpu_policy(struct xen_sysctl_cpu_policy *p);
long sysctl_get_cpu_featureset(struct xen_sysctl_cpu_featureset *f);
long domctl_get_cpu_policy(const struct domain *d, struct xen_domctl_cpu_policy *p);
long domctl_set_cpu_policy(struct domain *d, struct xen_domctl_cpu_policy *p);

#endif
