/*
 * The toolstack's control operations (common/domctl.c, sysctl.c,
 * domain_control.c): what a privileged domain does to other domains.
 */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <hv/types.h>
#include <hv/xen.h>
#include <hv/guest_access.h>
#include <hv/cpumask.h>

struct domain;
struct vcpu;
struct xen_domctl;
struct xen_sysctl;
struct xen_domctl_getdomaininfo;
struct vcpu_guest_context;
struct xenctl_bitmap;
struct xen_sysctl_cpupool_op;
struct xen_sysctl_numainfo;
struct xen_sysctl_cputopoinfo;

/* The sub-ops, for a privileged caller after Xen's checks (sysctl_domctl.c). */
long domctl_op(struct xen_domctl *op, guest_handle_t u_op);
long sysctl_op(struct xen_sysctl *op, guest_handle_t u_op);

/* getdomaininfo's record of d, as Xen fills it (domctl.c). */
void domain_get_info(const struct domain *d, struct xen_domctl_getdomaininfo *info);

/* The scheduler's sub-ops (domctl_sched.c): scheduler_op, set/getvcpuaffinity; else -ENOSYS. */
long domctl_sched(struct xen_domctl *op, struct domain *d, bool *copyback);

/* sysctl cpupool_op (cpupool.c): one pool, 0, with every online CPU; Xen's errnos. */
long sysctl_cpupool_op(struct xen_sysctl_cpupool_op *op);

/* The host's topology, one NUMA node (numa.c): sysctl numainfo and cputopoinfo (Xen's
 * sizing protocol), domctl set/getnodeaffinity; -EFAULT, -EINVAL (no node 0 in the map). */
long sysctl_numainfo(struct xen_sysctl_numainfo *ni);
long sysctl_cputopoinfo(struct xen_sysctl_cputopoinfo *ti);
long domctl_nodeaffinity(struct xen_domctl *op);

/* CPU sets in a guest's xenctl_bitmap (xenctl_bitmap.c): -EFAULT if it cannot be copied. */
int xenctl_bitmap_to_cpumask(const struct xenctl_bitmap *b, cpumask_t *mask);
int cpumask_to_xenctl_bitmap(struct xenctl_bitmap *b, const cpumask_t *mask);

/* domain_control.c */
#define DOMAIN_PAUSE_MAX 255                          /* Xen's bound on the controller's count */
/* The hypervisor's own pause while it reads a domain's state: every vCPU off its CPU on return. */
int domain_pause(struct domain *d);                 /* -EOVERFLOW past DOMAIN_PAUSE_MAX */
int domain_unpause(struct domain *d);
int domain_pause_by_controller(struct domain *d);    /* -EOVERFLOW past DOMAIN_PAUSE_MAX */
int domain_unpause_by_controller(struct domain *d);  /* -EINVAL when not paused */
/* The first domain whose id is at least `id`, shut down and dying ones too, with a
 * reference (put_domain); NULL: none. */
struct domain *domain_first_at_or_above(domid_t id);
/* A free id for createdomain, round-robin from the last one given; 0: none free. */
domid_t domain_pick_free_id(void);
/* destroydomain: kills d and releases what it holds in bounded steps (-ERESTART: more). */
int domain_kill(struct domain *d);

/* The PV vCPU context (arch: pv/vcpu_context.c, its checks pv/vcpu_context_check.c). */
int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);
/* The arch's own sub-ops (x86 PV: getpageframeinfo3); -ENOSYS for the others. */
struct xen_domctl;
long arch_do_domctl(struct xen_domctl *op, struct domain *d, bool *copyback);
/* The arch's sysctl sub-ops (x86: the CPUID policies); -ENOSYS for the others. */
long arch_do_sysctl(struct xen_sysctl *op);
/* physinfo.hw_cap: the host CPU's first n featureset words (arch: pv/cpu_policy.c). */
void arch_physinfo_hw_cap(u32 *cap, unsigned int n);
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);
int pv_vcpu_context_check(const struct domain *d, const struct vcpu_guest_context *c);
/*
 * VCPUOP_initialise: a guest gives one of its down vCPUs its first context.
 * The checks are pv_vcpu_context_check's, relaxed as Xen's fixups
 * (pv_vcpu_context_check_guest: kernel selectors of its own GDT, GDT
 * frames, which are then loaded as set_gdt's). -EEXIST: it has one.
 */
int arch_initialise_vcpu(struct vcpu *v, const struct vcpu_guest_context *c);
int pv_vcpu_context_check_guest(const struct domain *d, const struct vcpu_guest_context *c);
/* Whether a vCPU has a context (the builder's, setvcpucontext's or VCPUOP_initialise's). */
bool arch_vcpu_initialised(const struct vcpu *v);
#define PV_CTX_GDT_ENTRIES_MAX 7168                  /* Xen's FIRST_RESERVED_GDT_ENTRY */

#endif
