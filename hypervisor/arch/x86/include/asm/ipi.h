/* The IPI handlers (ipi.c) traps.c dispatches to. */
#ifndef ASM_IPI_H
#define ASM_IPI_H

#include <hv/types.h>

enum ipi_kind { IPI_RESCHED, IPI_CALL, IPI_KINDS };

bool ipi_handle(unsigned int vector);        /* false: not an IPI vector */
bool ipi_nmi_stop(void);                     /* stops this CPU if a panic asked; else false */
void smp_boot_cpus(void);                    /* smpboot.c: the APs, up to maxcpus= */
void smp_selftest(void);                     /* smp_selftest.c: smp_selftest on the command line */
void smp_debug_panic_ap(void);               /* debug_panic=ap */

#endif
