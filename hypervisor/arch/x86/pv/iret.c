/*
 * The iret hypercall: how a PV kernel returns from an exception, an event or
 * a system call, to itself or to user space. The frame is on the guest
 * stack: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss.
 *
 * As in Xen 4.17, rip and rsp are the guest's business. A non-canonical rsp
 * is loaded as it is: the guest takes the #SS/#GP of its first stack access
 * (in user mode on its kernel stack). A rip in the hypervisor hole gives the
 * guest a #PF when it fetches there (the pages are supervisor-only). A
 * non-canonical rip would make the return itself fault; Xen turns that into
 * the guest's #GP(0) at that rip, after the mode switch and the register
 * restore; we inject the same #GP here, so the CPU never faults in the
 * hypervisor on it.
 */
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/guest_quads.h>

__hot_path long do_iret(void)
{
    struct vcpu *v = current;
    struct cpu_user_regs *regs = v->arch.regs;
    struct iret_context c;
    unsigned int iopl = v->arch.iopl;
    unsigned long keep;

    /* Inline (asm/guest_quads.h): nine quadwords on every iret. */
    _Static_assert(sizeof(c) == 9 * sizeof(u64), "iret_context: nine quadwords");
    if (!guest_range_ok(regs->rsp, sizeof(c)) || !copy_quads_checked(&c, (const void *)regs->rsp, 9)) {
        domain_crash(v->domain, "bad iret frame");
        return -EFAULT;
    }
    if ((c.cs & 3) == 3 && v->arch.kernel_mode) {
        if (!v->arch.cr3_user) {
            domain_crash(v->domain, "iret to user mode without user page tables");
            return -EFAULT;
        }
        pv_toggle_guest_mode(v);
    }
    /* Conditional moves rather than branches from here: on every iret, and
     * under TCG each branch ends a translated block (docs/performance.md). */
    keep = -(unsigned long)!!(c.flags & VGCF_in_syscall);
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        iopl = (c.rflags & X86_EFLAGS_IOPL) >> 12;   /* the guest's own IOPL field */
    v->arch.iopl = iopl;
    regs->rip = c.rip;
    regs->cs = c.cs | 3;
    regs->rflags = (c.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = c.rsp;
    regs->ss = c.ss | 3;
    /* After a system call the frame's rcx/r11 are not restored (SYSRET's own
     * are kept): keep is all ones then, else zero. */
    regs->r11 = (regs->r11 & keep) | (c.r11 & ~keep);
    regs->rcx = (regs->rcx & keep) | (c.rcx & ~keep);
    v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
    if (!guest_va_canonical(c.rip))
        pv_inject_trap(v, 13, true, 0);              /* what Xen's faulting iretq becomes */
    return (long)c.rax;                              /* restored rax */
}
