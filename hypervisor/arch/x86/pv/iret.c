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

__hot_path long do_iret(void)
{
    struct vcpu *v = current;
    struct cpu_user_regs *regs = v->arch.regs;
    struct iret_context c;

    if (copy_from_guest(&c, regs->rsp, sizeof(c))) {
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
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        v->arch.iopl = (c.rflags & X86_EFLAGS_IOPL) >> 12;    /* the guest's own IOPL field */
    regs->rip = c.rip;
    regs->cs = c.cs | 3;
    regs->rflags = (c.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = c.rsp;
    regs->ss = c.ss | 3;
    if (!(c.flags & VGCF_in_syscall)) {
        regs->r11 = c.r11;
        regs->rcx = c.rcx;
    }
    v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
    if (!guest_va_canonical(c.rip))
        pv_inject_trap(v, 13, true, 0);              /* what Xen's faulting iretq becomes */
    return (long)c.rax;                              /* restored rax */
}
