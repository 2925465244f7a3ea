/*
 * I/O memory for the privileged domain (arch/x86/pv/iomem.c): which frames
 * that are not RAM it may map with ordinary page-table entries. Pure logic
 * on the frame table: it compiles on the host for the unit tests.
 */
#ifndef ASM_IOMEM_H
#define ASM_IOMEM_H

#include <hv/types.h>

struct domain;

#define IOMEM_LAPIC_MFN   0xfee00UL      /* the local APICs' page (every CPU's, at the default base) */
#define IOMEM_IOAPIC_MFN  0xfec00UL      /* the first IO-APIC's page, which the hypervisor will own */

/*
 * May d map `mfn`, a frame that is not RAM (frame_is_io), with an L1 entry?
 * Only a privileged domain, and never the hypervisor's own MMIO or the AP
 * start-up trampoline (Xen's iomem_access_permitted after
 * dom0_setup_permissions). Returns 0 or -EPERM.
 */
int  iomem_map_permitted(const struct domain *d, mfn_t mfn);
/* Cache-attribute bits (PWT, PCD, PAT) in L1 entries: allowed for a domain with I/O rights. */
bool iomem_cache_attrs_allowed(const struct domain *d);

#endif
