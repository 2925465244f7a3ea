/*
 * VCPUOP_register_vcpu_info: the guest moves a vCPU's vcpu_info out of
 * shared_info into one of its own pages, held (guest_frame.c) until the
 * vCPU goes away. As Xen does, every selector bit is set so the guest rescans.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/page_type.h>

int arch_register_vcpu_info(struct vcpu *v, mfn_t mfn, unsigned int offset)
{
    struct vcpu_info *vi;
    u8 *page;

    if (v->arch.vcpu_info_mfn)
        return -EINVAL;                              /* once per vCPU */
    if (offset > PAGE_SIZE - sizeof(struct vcpu_info) || (offset & 7))
        return -EINVAL;
    page = arch_guest_frame_hold(v->domain, mfn);
    if (!page)
        return -EINVAL;
    vi = (struct vcpu_info *)(page + offset);
    memcpy(vi, v->vcpu_info, sizeof(*vi));
    vi->evtchn_pending_sel = ~0UL;
    vi->evtchn_upcall_pending = 1;
    v->vcpu_info = vi;
    v->arch.vcpu_info_mfn = mfn;
    return 0;
}

void arch_release_vcpu_info(struct vcpu *v)
{
    if (v->arch.vcpu_info_mfn)
        arch_guest_frame_release(v->arch.vcpu_info_mfn);
    v->arch.vcpu_info_mfn = 0;
}
