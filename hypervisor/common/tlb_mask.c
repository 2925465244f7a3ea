/*
 * The per-domain dirty-CPU mask and the flushes that use it (hv/tlb_mask.h,
 * docs/smp.md "TLB"). Pure logic over the mask and the vCPUs' processors
 * plus arch_flush_tlb_mask: unit-tested on the host (test_smp.c).
 *
 * Ordering: a CPU sets its bit (a full barrier) before it loads d's
 * tables; a flusher changes the page tables, then reads the mask (a full
 * barrier between). Either the flusher sees the bit, or the CPU loaded the
 * tables after the change and holds no stale entry.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/tlb_mask.h>

void tlb_dirty_enter(struct domain *d, unsigned int cpu)
{
    cpumask_set_atomic(&d->dirty_cpumask, cpu);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void tlb_dirty_leave(struct domain *d, unsigned int cpu)
{
    cpumask_test_and_clear_atomic(&d->dirty_cpumask, cpu);
}

cpumask_t tlb_mask_of_vcpus(const struct domain *d, u64 vcpus)
{
    cpumask_t dirty, m = cpumask_none();

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    dirty = cpumask_read_atomic(&d->dirty_cpumask);
    for (unsigned int i = 0; i < d->nr_vcpus && i < 64; i++) {
        const struct vcpu *v = d->vcpus[i];

        if (v && (vcpus >> i) & 1) {
            int held = arch_vcpu_held_cpu(v);        /* idle on its tables: entries too */

            cpumask_set(&m, __atomic_load_n(&v->processor, __ATOMIC_ACQUIRE));
            if (held >= 0)
                cpumask_set(&m, (unsigned int)held);
        }
    }
    return cpumask_and(&m, &dirty);
}

bool tlb_flush_others(const cpumask_t *mask)
{
    unsigned int me = smp_processor_id();
    cpumask_t self = cpumask_of(me), others = cpumask_andnot(mask, &self);

    if (!cpumask_empty(&others))
        arch_flush_tlb_mask(&others);
    return cpumask_test(mask, me);
}

void tlb_flush_domain_stale(const struct domain *d)
{
    cpumask_t dirty;

    arch_this_pcpu()->tlb_flush_pending = true;      /* this CPU: on the way back to the guest */
    if (!d)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    dirty = cpumask_read_atomic(&d->dirty_cpumask);
    tlb_flush_others(&dirty);
}
