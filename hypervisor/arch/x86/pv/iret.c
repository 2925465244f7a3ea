/*
 * The iret hypercall: how a PV kernel returns from an exception, an event or
 * a system call, to itself or to user space. The frame is on the guest
 * stack: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss.
 */
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/x86.h>

/*
 * Only rip is checked (the return to the guest must not fault in the
 * hypervisor). The stack pointer is the guest's business, as in Xen: a
 * non-canonical one is loaded as it is and the guest takes the #SS/#GP of
 * its first stack access (in user mode that lands on its kernel stack).
 */
static bool iret_frame_valid(const struct iret_context *c)
{
    return guest_va_canonical(c->rip) && guest_range_ok(c->rip, 1);
}

long do_iret(void)
{
    struct vcpu *v = current;
    struct cpu_user_regs *regs = v->arch.regs;
    struct iret_context c;

    if (copy_from_guest(&c, regs->rsp, sizeof(c)) || !iret_frame_valid(&c)) {
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
    return (long)c.rax;                              /* restored rax */
}
