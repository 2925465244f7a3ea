/*
 * The TLB clock (hv/tlb_clock.h, docs/smp.md "TLB clock").
 *
 * Why it is correct: a frame is freed only after the last entry naming it
 * left every page table, then the clock ticks to its stamp S. A CPU that
 * read the clock at T >= S before a full flush read it after the tick, so
 * the walks after that flush cannot find the frame: it holds nothing of it.
 * A CPU that read T < S may: it is flushed before the frame is reused.
 * The clock is a 64-bit count of frees: it never wraps.
 */
#include <hv/arch.h>
#include <hv/tlb_clock.h>

static u64 tlb_clock;

/* Each CPU's on its own line: written at every CR3 load. */
static struct {
    u64 time;                       /* the clock when its last full flush began */
} __attribute__((aligned(64))) flush_time[HV_NR_CPUS];

u64 tlb_clock_tick(void)
{
    return __atomic_add_fetch(&tlb_clock, 1, __ATOMIC_SEQ_CST);
}

u64 tlb_clock_read(void)
{
    return __atomic_load_n(&tlb_clock, __ATOMIC_ACQUIRE);
}

void tlb_clock_flushed(u64 before)
{
    unsigned int cpu = smp_processor_id();

    if (cpu < HV_NR_CPUS)
        __atomic_store_n(&flush_time[cpu].time, before, __ATOMIC_RELEASE);
}

cpumask_t tlb_clock_stale(const cpumask_t *cpus, u64 stamp)
{
    cpumask_t stale = cpumask_none();
    unsigned int cpu;

    for_each_cpu(cpu, cpus)
        if (__atomic_load_n(&flush_time[cpu].time, __ATOMIC_ACQUIRE) < stamp)
            cpumask_set(&stale, cpu);
    return stale;
}

void tlb_clock_flush_stale(u64 stamp)
{
    cpumask_t online = arch_cpus_online(), stale;

    if (stamp == 0)
        return;                     /* never freed since boot: nobody cached it */
    stale = tlb_clock_stale(&online, stamp);
    if (!cpumask_empty(&stale))
        arch_flush_tlb_mask(&stale);
}
