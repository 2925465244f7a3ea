/*
 * The checks on a PV vCPU context a toolstack gives (domctl setvcpucontext),
 * before anything of it is used: what the boot builder guarantees by
 * construction (pv/domain_build.c) a toolstack's builder must show. Pure
 * logic over the frame table: compiled on the host for the unit tests too.
 *
 * Stricter than Xen 4.17's arch_set_info_guest where we do not offer the
 * part yet (docs/toolstack.md): a start in guest kernel mode only, Xen's
 * flat kernel code and stack selectors, no GDT or LDT frames (the guest
 * loads its own with set_gdt/SET_LDT), no debug registers; and CR3 must be
 * an L4 the domain pinned (Xen also validates an unpinned one here).
 */
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <asm/page_type.h>

/* xen_cr3_to_pfn for 64-bit guests: the frame number of the base pointer. */
static mfn_t cr3_mfn(unsigned long cr3)
{
    return cr3 >> PAGE_SHIFT;
}

/* A base pointer: an L4 of d that d pinned (so validated, and kept while pinned). */
static bool pinned_l4_of(const struct domain *d, mfn_t mfn)
{
    const struct frame_info *f;

    if (!frame_valid(&hv_frames, mfn))
        return false;
    f = &hv_frames.info[mfn];
    return f->owner == d->id && (f->flags & FRAME_F_PINNED) && !(f->flags & FRAME_F_PARTIAL) &&
           f->type_count && f->type == PGT_l4;
}

static bool addresses_canonical(const struct vcpu_guest_context *c)
{
    const unsigned long va[] = {
        c->user_regs.rip, c->user_regs.rsp, c->event_callback_eip, c->failsafe_callback_eip,
        c->syscall_callback_eip, c->kernel_sp, c->fs_base, c->gs_base_kernel, c->gs_base_user,
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(va); i++)
        if (!guest_va_canonical(va[i]))
            return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
        if (!guest_va_canonical(c->trap_ctxt[i].address))
            return false;
    return true;
}

/* Data selectors: null or RPL 3 (loading them is fault-safe: guest_load.c). */
static bool selectors_ok(const struct vcpu_guest_context *c)
{
    const u16 data[] = { c->user_regs.ds, c->user_regs.es, c->user_regs.fs, c->user_regs.gs };

    if (c->user_regs.cs != FLAT_KERNEL_CS || c->user_regs.ss != FLAT_KERNEL_SS ||
        c->kernel_ss != FLAT_KERNEL_SS)
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(data); i++)
        if (data[i] && (data[i] & 3) != 3)
            return false;
    return true;
}

static bool no_descriptor_tables_or_debug(const struct vcpu_guest_context *c)
{
    if (c->ldt_ents || c->ldt_base || c->gdt_ents)
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(c->debugreg); i++)
        if (c->debugreg[i])
            return false;
    return true;
}

int pv_vcpu_context_check(const struct domain *d, const struct vcpu_guest_context *c)
{
    unsigned long user_cr3 = c->ctrlreg[1];

    if (!(c->flags & VGCF_in_kernel))
        return -EINVAL;
    if (!addresses_canonical(c) || !selectors_ok(c) || !no_descriptor_tables_or_debug(c))
        return -EINVAL;
    if (!pinned_l4_of(d, cr3_mfn(c->ctrlreg[3])))
        return -EINVAL;
    if (user_cr3 && !pinned_l4_of(d, cr3_mfn(user_cr3)))
        return -EINVAL;
    return 0;
}
