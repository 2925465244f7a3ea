/* Device interrupts (irq.c): one vector per I/O APIC GSI, for common/pirq.c. */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <hv/types.h>

#define HV_DEVICE_VECTOR_BASE 0x30     /* GSI g arrives on 0x30 + g (below the hypervisor's 0xf0-0xff) */

void irq_init(void);                   /* the I/O APICs found and masked, every GSI's vector set */
bool irq_handle_vector(unsigned int vec);

#endif
