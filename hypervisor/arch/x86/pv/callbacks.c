/*
 * The guest kernel's entry points and stacks: virtual IDT (set_trap_table),
 * callbacks (set_callbacks, callback_op), kernel stack (stack_switch),
 * segment bases and the virtual CR0.TS.
 */
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/guest_load.h>

#define TRAP_TABLE_MAX 256                           /* entries read before giving up */

long do_set_trap_table(guest_handle_t traps)
{
    struct arch_vcpu *a = &current->arch;
    struct trap_info ti;

    if (guest_handle_is_null(traps)) {
        memset(a->trap_ctxt, 0, sizeof(a->trap_ctxt));
        return 0;
    }
    for (unsigned int i = 0; i < TRAP_TABLE_MAX; i++) {
        if (copy_from_handle_offset(&ti, traps, i, sizeof(ti)))
            return -EFAULT;
        if (!ti.address)
            return 0;
        if (!guest_va_canonical(ti.address))
            return -EINVAL;
        a->trap_ctxt[ti.vector] = ti;
    }
    return 0;
}

static int register_callback(const struct callback_register *cb)
{
    struct arch_vcpu *a = &current->arch;
    bool mask = cb->flags & CALLBACKF_mask_events;

    if (!guest_va_canonical(cb->address))
        return -EINVAL;
    switch (cb->type) {
    case CALLBACKTYPE_event:
        a->event_callback = cb->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        a->failsafe_callback = cb->address;
        a->failsafe_mask_events = mask;
        return 0;
    case CALLBACKTYPE_syscall:
        a->syscall_callback = cb->address;
        a->syscall_mask_events = mask;
        return 0;
    case CALLBACKTYPE_nmi:
        a->trap_ctxt[2].address = cb->address;
        return 0;
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
        return 0;                                    /* no 32-bit user space yet: accepted, unused */
    default:
        return -ENOSYS;
    }
}

long do_callback_op(int cmd, guest_handle_t arg)
{
    struct callback_register reg;
    struct callback_unregister unreg;

    switch (cmd) {
    case CALLBACKOP_register:
        if (copy_from_handle(&reg, arg, sizeof(reg)))
            return -EFAULT;
        return register_callback(&reg);
    case CALLBACKOP_unregister:
        if (copy_from_handle(&unreg, arg, sizeof(unreg)))
            return -EFAULT;
        if (unreg.type != CALLBACKTYPE_nmi)
            return -EINVAL;
        current->arch.trap_ctxt[2].address = 0;
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall)
{
    struct callback_register cb[3] = {
        { .type = CALLBACKTYPE_event, .address = event },
        { .type = CALLBACKTYPE_failsafe, .address = failsafe },
        { .type = CALLBACKTYPE_syscall, .address = syscall },
    };

    for (unsigned int i = 0; i < 3; i++) {
        if (!guest_va_canonical(cb[i].address))
            return -EINVAL;
    }
    for (unsigned int i = 0; i < 3; i++)
        register_callback(&cb[i]);
    return 0;
}

long do_stack_switch(unsigned long ss, unsigned long sp)
{
    current->arch.kernel_ss = ss | 3;
    current->arch.kernel_sp = sp;
    return 0;
}

/*
 * The user %gs selector, loaded while the user GS base is the active one.
 * The selector is the guest's, so the load goes through the fault-safe
 * loader: one the CPU refuses leaves %gs null and the hypercall still
 * succeeds, as on Xen (Linux BUG()s if it fails; a caller that cares
 * re-reads %gs). A null selector is preceded by a flat one so that the
 * base is 0 on AMD too, where loading null keeps the old base.
 */
static void load_user_gs_selector(u16 sel)
{
    swapgs();
    if (sel > 3)
        sel |= 3;
    else
        load_segment_safe(SEG_GS, FLAT_USER_DS32);
    load_segment_safe(SEG_GS, sel);
    swapgs();
}

long do_set_segment_base(unsigned int which, unsigned long base)
{
    if (which != SEGBASE_GS_USER_SEL && !guest_va_canonical(base))
        return -EINVAL;
    switch (which) {
    case SEGBASE_FS:
        return wrmsr_safe(MSR_FS_BASE, base) ? 0 : -EINVAL;
    case SEGBASE_GS_USER:                            /* inactive while in kernel mode */
        return wrmsr_safe(MSR_SHADOW_GS_BASE, base) ? 0 : -EINVAL;
    case SEGBASE_GS_KERNEL:
        return wrmsr_safe(MSR_GS_BASE, base) ? 0 : -EINVAL;
    case SEGBASE_GS_USER_SEL:
        load_user_gs_selector(base & 0xffff);
        return 0;
    default:
        return -EINVAL;
    }
}

long do_fpu_taskswitch(int set)
{
    current->arch.virt_ts = !!set;
    if (set)
        write_cr0(read_cr0() | X86_CR0_TS);
    else
        write_cr0(read_cr0() & ~X86_CR0_TS);
    return 0;
}
