/*
 * Inter-processor interrupts through the LAPIC's ICR: reschedule,
 * call-function (run a function on some CPUs and wait for all), TLB flush
 * of a CPU mask (a call-function round), and the panic's NMI that stops
 * every other CPU.
 *
 * One call-function is in flight at a time (call_lock). Everything in the
 * hypervisor runs with interrupts off, so a CPU that waits for the lock,
 * or for its targets, keeps serving a request aimed at itself meanwhile:
 * two CPUs calling each other cannot deadlock. Every lock's spin loop
 * serves it too (hv/spinlock.h), so fn must take no lock.
 */
#include <hv/arch.h>
#include <hv/sched.h>
#include <hv/tlb_clock.h>
#include <asm/hvm.h>
#include <asm/apic.h>
#include <asm/flush.h>
#include <asm/ipi.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/vcpu.h>

static struct {
    bool locked;
    void (*fn)(void *arg);
    void *arg;
    cpumask_t pending;                 /* targets that have not finished fn yet */
} call;

static bool stop_requested;

static void send_ipi(unsigned int cpu, unsigned int vector)
{
    struct cpu_data *c = hv_cpu_data[cpu];

    if (c)
        apic_send_icr(c->apic_id, APIC_DM_FIXED | APIC_LEVEL_ASSERT | vector);
}

/* The IPI only interrupts: the return path (or the idle loop) then looks
 * at the CPU's resched_pending, which the sender set, and at events. */
void arch_send_reschedule(unsigned int cpu)
{
    if (cpu != smp_processor_id())
        send_ipi(cpu, HV_IPI_RESCHED_VECTOR);
}

/* Runs the call in flight if this CPU is one of its targets (also from
 * every lock's spin loop: arch_spin_wait_serve). */
void ipi_serve_pending_call(void)
{
    unsigned int me = smp_processor_id();
    cpumask_t pending = cpumask_read_atomic(&call.pending);

    if (!cpumask_test(&pending, me))
        return;
    call.fn(call.arg);
    cpumask_test_and_clear_atomic(&call.pending, me);
}

static void call_lock(void)
{
    while (__atomic_exchange_n(&call.locked, true, __ATOMIC_ACQUIRE)) {
        ipi_serve_pending_call();
        arch_cpu_relax();
    }
}

void arch_on_cpus(const cpumask_t *mask, void (*fn)(void *arg), void *arg)
{
    unsigned int me = smp_processor_id(), cpu;
    cpumask_t online = arch_cpus_online(), self = cpumask_of(me);
    cpumask_t targets = cpumask_and(mask, &online);

    targets = cpumask_andnot(&targets, &self);
    call_lock();
    call.fn = fn;
    call.arg = arg;
    cpumask_write_atomic(&call.pending, targets);
    for_each_cpu(cpu, &targets)
        send_ipi(cpu, HV_IPI_CALL_VECTOR);
    if (cpumask_test(mask, me))
        fn(arg);
    for (cpumask_t left = targets; !cpumask_empty(&left); left = cpumask_read_atomic(&call.pending))
        arch_cpu_relax();
    __atomic_store_n(&call.locked, false, __ATOMIC_RELEASE);
}

/*
 * Global entries too (CR4.PGE toggled), and an HVM guest's (its ASID): a
 * flush IPI means "forget everything". The TLB clock records it.
 */
static void flush_all_local(void *unused)
{
    unsigned long cr4 = read_cr4();
    u64 before = tlb_clock_read();

    (void)unused;
    if (arch_lazy_drop_on_flush()) {
        /* the CR3 load flushed the guest's entries (the TLB clock recorded it) */
    } else if (cr4 & X86_CR4_PGE) {
        write_cr4(cr4 & ~X86_CR4_PGE);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
    tlb_clock_flushed(before);
    svm_tlb_flush_local();
    this_cpu_data()->tlb_flushes++;
}

void arch_flush_tlb_mask(const cpumask_t *mask)
{
    arch_on_cpus(mask, flush_all_local, NULL);
}

/* hv_panic: NMI to all the others (an NMI gets through their cli), then give them a moment. */
unsigned int arch_panic_stop_others(void)
{
    unsigned int stopped = 0;

    if (hv_nr_cpus_online < 2)
        return 0;
    __atomic_store_n(&stop_requested, true, __ATOMIC_RELEASE);
    apic_send_icr(0, APIC_DM_NMI | APIC_LEVEL_ASSERT | APIC_DEST_ALLBUT);
    for (unsigned long spins = 0; spins < 100000000UL; spins++) {
        stopped = 0;
        for (unsigned int i = 0; i < HV_NR_CPUS && hv_cpu_data[i]; i++)
            stopped += __atomic_load_n(&hv_cpu_data[i]->stopped, __ATOMIC_ACQUIRE);
        if (stopped + 1 >= hv_nr_cpus_online)
            break;
        arch_cpu_relax();
    }
    return hv_nr_cpus_online - 1 - MIN(stopped, hv_nr_cpus_online - 1);
}

/* An NMI while a panic is in progress: this CPU stops for good. */
bool ipi_nmi_stop(void)
{
    if (!__atomic_load_n(&stop_requested, __ATOMIC_ACQUIRE))
        return false;
    __atomic_store_n(&this_cpu_data()->stopped, true, __ATOMIC_RELEASE);
    for (;;)
        asm volatile("cli; hlt");
}

/* The IPI vectors (traps.c); false for any other vector. */
bool ipi_handle(unsigned int vector)
{
    struct cpu_data *c = this_cpu_data();

    switch (vector) {
    case HV_IPI_RESCHED_VECTOR:
        apic_eoi();
        c->ipis_received[IPI_RESCHED]++;
        return true;
    case HV_IPI_CALL_VECTOR:
        apic_eoi();
        c->ipis_received[IPI_CALL]++;
        ipi_serve_pending_call();
        return true;
    default:
        return false;
    }
}
