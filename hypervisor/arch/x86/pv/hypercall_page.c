/*
 * The hypercall page: 128 stubs of 32 bytes, one per hypercall number, that
 * a 64-bit PV kernel calls instead of issuing SYSCALL itself. The domain
 * builder fills it at boot (domain_build.c, the kernel's HYPERCALL_PAGE
 * note); a toolstack's builder asks for it with domctl hypercall_init
 * (libxc's setup_hypercall_page, every `xl create`d PV domain).
 */
#define __XEN_TOOLS__ 1                              /* domctl.h is tools-only */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <asm/pv.h>
#include <xen/xen.h>

/* Xen's stubs: push rcx; push r11; mov $nr,%eax; syscall; pop r11; pop rcx; ret.
 * iret's keeps rax on the stack for the hypervisor and does not come back. */
void pv_fill_hypercall_page(u8 *page)
{
    memset(page, 0xcc, PAGE_SIZE);                   /* int3 between the stubs */
    for (unsigned int i = 0; i < PAGE_SIZE / 32; i++) {
        u8 *p = page + i * 32;
        const u8 stub[] = { 0x51, 0x41, 0x53, 0xb8, (u8)i, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
        const u8 iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, (u8)i, 0, 0, 0, 0x0f, 0x05 };

        if (i == __HYPERVISOR_iret)
            memcpy(p, iret, sizeof(iret));
        else
            memcpy(p, stub, sizeof(stub));
    }
}

/*
 * domctl hypercall_init: fill d's frame gmfn (PV: a machine frame d owns)
 * while holding a reference and the writable type, as Xen: -EINVAL for a
 * frame d does not own, -EPERM for one it uses as a page table or
 * descriptor table (the type conflicts).
 */
long domctl_hypercall_init(struct domain *d, u64 gmfn)
{
    u8 *page;

    if (!frame_valid(&hv_frames, gmfn) || hv_frames.info[gmfn].owner != d->id)
        return -EINVAL;
    page = arch_guest_frame_hold(d, gmfn);
    if (!page)
        return -EPERM;
    pv_fill_hypercall_page(page);
    arch_guest_frame_release(gmfn);
    return 0;
}
