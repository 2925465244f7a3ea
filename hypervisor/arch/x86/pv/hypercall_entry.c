/*
 * The C side of the SYSCALL entry and of every return to a guest. In guest
 * kernel mode a SYSCALL is a hypercall (number in rax; arguments in rdi,
 * rsi, rdx, r10, r8); in guest user mode it is a system call for the guest
 * kernel.
 */
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/guest_access.h>
#include <asm/flush.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/pv.h>
#include <asm/page_type.h>

/*
 * A preempted hypercall resumes as the guest re-executes its SYSCALL (two
 * bytes, in the hypercall page or inline) with the continuation's number
 * and arguments, after the due timers and whatever they make runnable.
 */
static void apply_continuation(struct vcpu *v, struct cpu_user_regs *regs)
{
    const unsigned long *a = v->cont.args;

    v->cont.pending = false;
    regs->rax = v->cont.nr;
    regs->rdi = a[0];
    regs->rsi = a[1];
    regs->rdx = a[2];
    regs->r10 = a[3];
    regs->r8 = a[4];
    regs->rip -= 2;
    /* The hypercall yielded for a due timer: run it now. The timer interrupt
     * that waits for IF may not get in before the guest's next SYSCALL. */
    timer_run_due(hv_now());
}

__hot_path void hv_syscall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    unsigned long args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };

    if (!v->arch.kernel_mode) {
        pv_handle_user_syscall(regs);
        return;
    }
    v->arch.hypercalls++;
    regs->rax = hypercall_dispatch(regs->rax, args, false);
    if (unlikely(v->cont.pending))
        apply_continuation(v, regs);
}

/*
 * SYSRET restores exactly this frame: the usual case after a hypercall.
 * Bitwise & on purpose: each && would be a branch, and under TCG each
 * branch ends a translated block (seven blocks before, one now).
 */
static bool sysret_possible(const struct cpu_user_regs *regs)
{
    return (regs->rcx == regs->rip) & (regs->r11 == regs->rflags) &
           (regs->cs == FLAT_KERNEL_CS) & (regs->ss == FLAT_KERNEL_SS) &
           guest_va_canonical(regs->rip) & !!(regs->rflags & X86_EFLAGS_IF) &
           !(regs->rflags & (X86_EFLAGS_VM | X86_EFLAGS_RF));
}

/*
 * Whether anything is to be done before v goes back to its guest: a
 * reschedule, a vCPU that may no longer run, an event to deliver (the
 * callback is checked on the slow path), a deferred TLB flush. One test,
 * inline, on every return; bitwise | for the same reason as above.
 */
static inline bool return_work_pending(const struct pcpu *p)
{
    const struct vcpu *v = p->curr;                  /* one SGDT for current and both flags */
    const struct vcpu_info *vi = v->vcpu_info;

    return (v->state != VCPU_RUNNABLE) | p->resched_pending |
           (vi->evtchn_upcall_pending & !vi->evtchn_upcall_mask) | p->tlb_flush_pending;
}

/* The work return_work_pending() found; out of line, out of the hot page. */
static __attribute__((noinline)) void return_work(void)
{
    /* Delivering an event can crash the domain (an unusable kernel stack):
     * then this vCPU must not go back to the guest, so check again. */
    do {
        while (current->state != VCPU_RUNNABLE || sched_need_resched())
            schedule();
        pv_deliver_events(current);
    } while (current->state != VCPU_RUNNABLE);
    if (pt_tlb_flush_needed) {
        pt_tlb_flush_needed = false;
        tlb_flush_local();
    }
}

/*
 * Runs with interrupts off on the way out: a pending reschedule, a vCPU
 * that may no longer run, then event delivery. (Timers run in the timer
 * interrupt itself.) Returns true when SYSRET can be used.
 */
__hot_path bool hv_prepare_return(struct cpu_user_regs *regs)
{
    if (unlikely(return_work_pending(arch_this_pcpu())))
        return_work();
    return sysret_possible(regs);
}
