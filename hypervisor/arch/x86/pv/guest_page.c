/*
 * Guest frames the hypervisor holds to write into on the guest's behalf
 * (arch_guest_page_get/put in hv/arch.h). Holding a reference keeps the
 * frame from being freed and reused under us (decrease_reservation); holding
 * the writable type keeps the guest from turning it into a page table, whose
 * entries our writes would then forge. Pure logic: it compiles on the host.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <asm/page_type.h>

void *arch_guest_page_get(struct domain *d, u64 gfn)
{
    mfn_t mfn = gfn;                                 /* PV: guest frame numbers are machine frames */

    if (gfn >= hv_frames.nr_frames)
        return NULL;
    if (page_get_and_type(mfn, PGT_writable, d))
        return NULL;
    return hv_mfn_to_virt(mfn);
}

void arch_guest_page_put(const void *p)
{
    page_put_and_type(hv_virt_to_mfn(p));
}
