/* Device interrupts (irq.c): one vector per I/O APIC GSI, for common/pirq.c. */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <hv/types.h>

#define HV_DEVICE_VECTOR_BASE 0x30     /* GSI g arrives on 0x30 + g (below the hypervisor's 0xf0-0xff) */
#define HV_MSI_VECTOR_BASE    0x70     /* MSI slot s on 0x70 + s, past the 64 GSIs' (hv/irq.h) */

void irq_init(void);                   /* the I/O APICs found and masked, every GSI's vector set */
bool irq_handle_vector(unsigned int vec);
u8   irq_dest_apic_id(void);           /* the CPU device interrupts go to (the one running guests) */

#endif
