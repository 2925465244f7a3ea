/*
 * I/O memory for the privileged domain. Linux 6.1 as dom0 maps device and
 * firmware memory (the ISA hole, ACPI and SMBIOS tables, PCI BARs) with
 * ordinary PTEs naming machine frames it does not own; it uses no DOMID_IO.
 * So the decision is by frame: a frame that is not RAM (frame_is_io: the
 * low 1 MiB, holes, past the frame table) may be mapped by a privileged
 * domain, except what the hypervisor drives itself: the local APIC page,
 * the IO-APIC page and the AP trampoline in low memory. RAM owned by
 * anybody else stays refused by the ordinary rule (page_type.c: -EBUSY).
 * No reference is taken on an I/O frame: nobody frees it.
 */
#include <asm/iomem.h>
#include <asm/layout.h>
#include <asm/page_type.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>

static bool hv_owns_mmio(mfn_t mfn)
{
    return mfn == IOMEM_LAPIC_MFN || mfn == IOMEM_IOAPIC_MFN ||
           mfn == (HV_TRAMPOLINE_PHYS >> 12);
}

int iomem_map_permitted(const struct domain *d, mfn_t mfn)
{
    if (!d->privileged || !frame_is_io(mfn) || hv_owns_mmio(mfn) ||
        frame_owner(&hv_frames, mfn) != FRAME_OWNER_RESERVED)   /* allocated low frames */
        return -EPERM;
    return 0;
}

bool iomem_cache_attrs_allowed(const struct domain *d)
{
    return d->privileged;
}
