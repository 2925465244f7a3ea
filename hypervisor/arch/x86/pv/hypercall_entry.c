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
#include <asm/x86.h>

void hv_syscall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    unsigned long args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };

    if (!v->arch.kernel_mode) {
        pv_handle_user_syscall(regs);
        return;
    }
    v->arch.hypercalls++;
    regs->rax = hypercall_dispatch(regs->rax, args, false);
}

/*
 * Runs with interrupts off on the way out: expired timers, a pending
 * reschedule, a vCPU that may no longer run, then event delivery.
 */
void hv_prepare_return(struct cpu_user_regs *regs)
{
    (void)regs;
    for (;;) {
        timer_run_due(hv_now());
        if (current->state != VCPU_RUNNABLE || sched_need_resched()) {
            schedule();
            continue;
        }
        break;
    }
    pv_deliver_events(current);
}
