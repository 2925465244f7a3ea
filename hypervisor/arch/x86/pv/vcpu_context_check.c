/*
 * The checks on a PV vCPU context a toolstack gives (domctl setvcpucontext),
 * before anything of it is used: what the boot builder guarantees by
 * construction (pv/domain_build.c) a toolstack's builder must show. Pure
 * logic over the frame table: compiled on the host for the unit tests too.
 *
 * Stricter than Xen 4.17's arch_set_info_guest where we do not offer the
 * part yet (docs/toolstack.md): a start in guest kernel mode only, Xen's
 * flat kernel code and stack selectors, no GDT or LDT frames (the guest
 * loads its own with set_gdt/SET_LDT), debug registers at their reset
 * values only; and CR3 must be an L4 the domain pinned (Xen also
 * validates an unpinned one here).
 *
 * A guest starting its own vCPU (VCPUOP_initialise, Linux's
 * cpu_initialize_context) gets the same checks with two relaxations, as
 * Xen's fixups: its kernel code and stack selectors may name its own GDT
 * (non-null; Xen ORs in RPL 3, we start the vCPU on the flat ones, which
 * the guest's 64-bit descriptors equal), and it may give GDT frames
 * (checked as set_gdt's when they are loaded: pv_gdt_install).
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

/* A kernel code or stack selector a guest gives: Xen's flat one, or (guest) a non-null one. */
static bool kernel_selector_ok(u16 sel, u16 flat, bool guest)
{
    return sel == flat || (guest && (sel & ~3) != 0);
}

/* Data selectors: null or RPL 3 (loading them is fault-safe: guest_load.c). */
static bool selectors_ok(const struct vcpu_guest_context *c, bool guest)
{
    const u16 data[] = { c->user_regs.ds, c->user_regs.es, c->user_regs.fs, c->user_regs.gs };

    if (!kernel_selector_ok(c->user_regs.cs, FLAT_KERNEL_CS, guest) ||
        !kernel_selector_ok(c->user_regs.ss, FLAT_KERNEL_SS, guest) ||
        !kernel_selector_ok(c->kernel_ss, FLAT_KERNEL_SS, guest))
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(data); i++)
        if (data[i] && (data[i] & 3) != 3)
            return false;
    return true;
}

/* A debug register at 0 or its reset value (libxc's vcpu_x86_64 gives X86_DR6_DEFAULT
 * and X86_DR7_DEFAULT): what a new vCPU has anyway, so nothing is loaded. */
static bool debugreg_reset(unsigned int i, unsigned long value)
{
    return !value || (i == 6 && value == 0xffff0ff0UL) || (i == 7 && value == 0x400UL);
}

/* GDT frames only from a guest (at most set_gdt's entries), no LDT, debug registers reset. */
static bool descriptor_tables_and_debug_ok(const struct vcpu_guest_context *c, bool guest)
{
    if (c->ldt_ents || c->ldt_base)
        return false;
    if (c->gdt_ents && (!guest || c->gdt_ents > PV_CTX_GDT_ENTRIES_MAX))
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(c->debugreg); i++)
        if (!debugreg_reset(i, c->debugreg[i]))
            return false;
    return true;
}

static int context_check(const struct domain *d, const struct vcpu_guest_context *c, bool guest)
{
    unsigned long user_cr3 = c->ctrlreg[1];

    if (!(c->flags & VGCF_in_kernel))
        return -EINVAL;
    if (!addresses_canonical(c) || !selectors_ok(c, guest) || !descriptor_tables_and_debug_ok(c, guest))
        return -EINVAL;
    if (!pinned_l4_of(d, cr3_mfn(c->ctrlreg[3])))
        return -EINVAL;
    if (user_cr3 && !pinned_l4_of(d, cr3_mfn(user_cr3)))
        return -EINVAL;
    return 0;
}

int pv_vcpu_context_check(const struct domain *d, const struct vcpu_guest_context *c)
{
    return context_check(d, c, false);
}

int pv_vcpu_context_check_guest(const struct domain *d, const struct vcpu_guest_context *c)
{
    return context_check(d, c, true);
}
