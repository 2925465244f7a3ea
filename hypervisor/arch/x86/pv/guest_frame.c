/*
 * Guest frames the hypervisor keeps mapped and writes on a guest's behalf:
 * the console ring, moved vcpu_info areas, and later the xenstore and ioreq
 * pages. This is the one way to hold such a frame.
 *
 * Holding takes a general reference and a writable type, both kept until
 * the release. The type stops the guest from making the frame a page table
 * (a type conflict), which would otherwise let the hypervisor's unvalidated
 * writes forge page-table entries. The reference stops the frame from being
 * freed and reused by another domain after the guest gives it back
 * (decrease_reservation): it stays allocated, and charged to the guest,
 * until the hypervisor lets go.
 */
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <asm/page_type.h>

void *arch_guest_frame_hold(struct domain *d, mfn_t mfn)
{
    if (!frame_valid(&hv_frames, mfn))
        return NULL;
    if (page_get_and_type(mfn, PGT_writable, d))
        return NULL;
    return hv_mfn_to_virt(mfn);
}

void arch_guest_frame_release(mfn_t mfn)
{
    const struct frame_info *f = &hv_frames.info[mfn];

    ASSERT(f->type == PGT_writable && f->type_count > 0 && f->count > 0);
    page_put_and_type(mfn);
}

/* A hint (grant copy): arch_grant_dev_get takes the writable type by cmpxchg after it. */
bool arch_frame_may_be_written(mfn_t mfn)
{
    u64 w = __atomic_load_n(&hv_frames.info[mfn].type_word, __ATOMIC_ACQUIRE);

    return !FRAME_TYPE_COUNT(w) || FRAME_TYPE_OF(w) == PGT_writable;
}
