/* The arch hooks of hv/arch.h that are inline because hot paths use them. */
#ifndef ASM_ARCH_INLINE_H
#define ASM_ARCH_INLINE_H

#include <asm/percpu.h>

/* In every spin-wait: lets a sibling hyperthread (or QEMU's vCPU thread) run. */
static inline void arch_cpu_relax(void)
{
    asm volatile("pause" ::: "memory");
}

#endif
