/*
 * Which CPUs may hold a domain's TLB entries (common/tlb_mask.c,
 * docs/smp.md "TLB"). A CPU is in d->dirty_cpumask from just before it
 * loads one of d's page tables until it has loaded another domain's or the
 * idle tables (a CR3 load drops every non-global entry; a domain's
 * mappings are never global to the hypervisor, and a flush IPI drops the
 * global ones too). Flushes go only to those CPUs.
 */
#ifndef HV_TLB_MASK_H
#define HV_TLB_MASK_H

#include <hv/cpumask.h>
#include <hv/types.h>

struct domain;

/* The context switch: cpu is about to load d's tables / has loaded other ones. */
void tlb_dirty_enter(struct domain *d, unsigned int cpu);
void tlb_dirty_leave(struct domain *d, unsigned int cpu);

/*
 * The CPUs a flush for the vCPUs in `vcpus` (bit n: vCPU n, as
 * MMUEXT_*_MULTI's mask) must reach: the CPU each named vCPU is on, where
 * that CPU may hold d's entries. Another CPU in the dirty mask holds no
 * entry those vCPUs can use: each vCPU switch reloads CR3.
 */
cpumask_t tlb_mask_of_vcpus(const struct domain *d, u64 vcpus);

/*
 * Flushes the CPUs of `mask` other than this one by IPI, synchronously; true
 * if this CPU was in it (the caller flushes locally, cheaper than the IPI's
 * global flush).
 */
bool tlb_flush_others(const cpumask_t *mask);

/*
 * A change after which d's stale entries could reach what they must not
 * (pv/page_type.c's pt_tlb_flush_needed cases): the other CPUs in d's mask
 * are flushed now, this one before the guest runs again.
 */
void tlb_flush_domain_stale(const struct domain *d);

#endif
