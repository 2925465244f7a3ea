/* The arch hooks of hv/arch.h that are inline because hot paths use them. */
#ifndef ASM_ARCH_INLINE_H
#define ASM_ARCH_INLINE_H

#include <asm/percpu.h>

/* In every spin-wait: lets a sibling hyperthread (or QEMU's vCPU thread) run. */
static inline void arch_cpu_relax(void)
{
    asm volatile("pause" ::: "memory");
}

/* Interrupts off; returns whether they were on (RFLAGS as it was). */
static inline unsigned long arch_irq_save(void)
{
    unsigned long flags;

    asm volatile("pushf; pop %0; cli" : "=r"(flags) :: "memory");
    return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
    if (flags & (1UL << 9))                    /* RFLAGS.IF */
        asm volatile("sti" ::: "memory");
}

/*
 * Every lock's spin loop calls this: the hypervisor runs with interrupts
 * off, so a CPU spinning on a lock whose holder waits for this CPU's
 * call-function or TLB-flush IPI runs that request here (ipi.c).
 */
void ipi_serve_pending_call(void);
static inline void arch_spin_wait_serve(void)
{
    ipi_serve_pending_call();
}

#endif
