/*
 * VCPUOP_register_vcpu_info: the guest moves a vCPU's vcpu_info out of
 * shared_info into one of its own pages. The page must be the guest's and
 * writable-typed (never a page table); it stays referenced until the vCPU
 * goes away. As Xen does, every selector bit is set so the guest rescans.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/page_type.h>
#include <asm/x86.h>

int arch_register_vcpu_info(struct vcpu *v, mfn_t mfn, unsigned int offset)
{
    struct vcpu_info *vi;
    int rc;

    if (v->arch.vcpu_info_mfn)
        return -EINVAL;                              /* once per vCPU */
    if (offset > PAGE_SIZE - sizeof(struct vcpu_info) || (offset & 7))
        return -EINVAL;
    if (!frame_valid(&hv_frames, mfn))
        return -EINVAL;
    rc = page_get_and_type(mfn, PGT_writable, v->domain);
    if (rc)
        return -EINVAL;
    vi = (struct vcpu_info *)((u8 *)hv_mfn_to_virt(mfn) + offset);
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
        page_put_and_type(v->arch.vcpu_info_mfn);
    v->arch.vcpu_info_mfn = 0;
}
