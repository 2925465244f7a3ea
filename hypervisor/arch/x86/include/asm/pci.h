/*
 * PCI configuration space through the 0xcf8/0xcfc pair (pci_conf.c), shared
 * by the hypervisor (MSI, msi.c) and the privileged domain, whose address
 * latch at 0xcf8 is kept here rather than in the hardware, so that the two
 * never interleave (as Xen keeps d->arch.pci_cf8).
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <hv/types.h>

#define PCI_VENDOR_ID      0x00
#define PCI_COMMAND        0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_STATUS         0x06
#define PCI_STATUS_CAP     (1u << 4)
#define PCI_BAR0           0x10
#define PCI_CAP_PTR        0x34

/* sbdf: segment << 16 | bus << 8 | devfn; only segment 0 is reachable. */
unsigned long pci_conf_lock_take(void);
void pci_conf_lock_drop(unsigned long flags);
/* With the lock held. */
u32  pci_conf_read(u32 sbdf, unsigned int reg, unsigned int size);
void pci_conf_write(u32 sbdf, unsigned int reg, unsigned int size, u32 val);
/* The capability with that id, or 0 (lock held). */
unsigned int pci_find_cap(u32 sbdf, u8 id);

/* The privileged domain's 0xcf8 (4 bytes) and 0xcfc-0xcff: true if handled here. */
bool pci_conf_guest_read(unsigned int port, unsigned int size, u32 *val);
bool pci_conf_guest_write(unsigned int port, unsigned int size, u32 val);

#endif
