/*
 * Bouncing into the guest kernel: exceptions, the event callback and user
 * system calls all arrive as Xen's bounce frame on the guest kernel stack
 * (rcx, r11, [error code], rip, cs|saved upcall mask<<32, rflags, rsp, ss).
 */
#include <hv/errno.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <asm/flush.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/guest_quads.h>

/* Kernel <-> user: the mode and GS bases swap, as the guest's swapgs would; the CR3 to load. */
static inline unsigned long guest_mode_flip(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;

    a->kernel_mode = !a->kernel_mode;
    swapgs();
    return (a->kernel_mode ? a->cr3_kernel : a->cr3_user) << PAGE_SHIFT;
}

/* Any switch but create_bounce_frame's (the iret to user mode: once per
 * guest system call) tells the TLB clock, so a CPU that runs one guest for
 * long still looks freshly flushed (hv/tlb_clock.h). */
void pv_toggle_guest_mode(struct vcpu *v)
{
    cr3_load(guest_mode_flip(v));
}

/* With architectural_iopl the frame shows the virtual IOPL in RFLAGS, as in
 * Xen. The assist bit as a mask (0 or all ones) rather than a branch. */
static unsigned long frame_iopl(const struct vcpu *v)
{
    unsigned long on = (v->domain->vm_assist >> VMASST_TYPE_architectural_iopl) & 1;

    return -on & ((unsigned long)v->arch.iopl << 12);
}

/*
 * Builds the frame and points the vCPU at `handler`; false if the guest
 * stack is bad. On every exception, event and user system call: written
 * without branches where that is cheap, because under TCG each branch ends
 * a translated block (docs/performance.md; nine blocks before, five now).
 */
static __hot_path bool create_bounce_frame(struct vcpu *v, unsigned long handler, bool mask_events,
                                           bool has_error, u32 error_code)
{
    struct cpu_user_regs *regs = v->arch.regs;
    u8 saved_mask = v->vcpu_info->evtchn_upcall_mask;
    unsigned long cs = regs->cs, sp, frame[9], *f;
    unsigned int n = 7 + has_error;

    if (!v->arch.kernel_mode) {
        /* Not cr3_load: the hot-path page has no room; the TLB clock misses
         * this flush, which costs at most a flush more (asm/flush.h). */
        write_cr3(guest_mode_flip(v));
        sp = v->arch.kernel_sp;
    } else {
        sp = regs->rsp;
        cs &= ~3UL;                                  /* RPL 0 tells: kernel was interrupted */
    }
    /* The frame ends at frame[8]; without an error code, r11 lands in its
     * slot (frame[3]), so the frame starts one slot later. */
    frame[8] = regs->ss;
    frame[7] = regs->rsp;
    frame[6] = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
               (saved_mask ? 0 : X86_EFLAGS_IF) | frame_iopl(v);
    frame[5] = (cs & 0xffff) | ((unsigned long)saved_mask << 32);
    frame[4] = regs->rip;
    frame[3] = error_code;
    f = frame + 9 - n;
    f[0] = regs->rcx;
    f[1] = regs->r11;
    sp = (sp & ~15UL) - n * sizeof(unsigned long);
    /* Inline copies (asm/guest_quads.h): the top seven quadwords, then the
     * lowest one (rcx) of a frame with an error code. */
    if (!guest_range_ok(sp, n * sizeof(unsigned long)) ||
        !copy_quads_checked((void *)(sp + (n - 7) * sizeof(unsigned long)), frame + 2, 7) ||
        (has_error && !copy_quads_checked((void *)sp, frame + 1, 1)))
        return false;
    regs->rsp = sp;
    regs->rip = handler;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC);
    v->vcpu_info->evtchn_upcall_mask = mask_events ? 1 : saved_mask;
    return true;
}

__hot_path int pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error, u32 error_code)
{
    const struct trap_info *ti = &v->arch.trap_ctxt[vector & 0xff];

    if (!ti->address) {
        hv_warn("d%u v%u: unhandled trap %u at %lx (no handler registered)\n",
                v->domain->id, v->id, vector, v->arch.regs->rip);
        domain_crash(v->domain, "unhandled trap");
        return -EINVAL;
    }
    if (hv_opts.hypercall_trace)
        hv_info("d%u v%u trap %u err %x at %lx sp %lx -> %lx\n", v->domain->id, v->id, vector,
                error_code, v->arch.regs->rip, v->arch.regs->rsp, ti->address);
    if (!create_bounce_frame(v, ti->address, ti->flags & 4, has_error, error_code)) {
        domain_crash(v->domain, "bad kernel stack while bouncing a trap");
        return -EFAULT;
    }
    return 0;
}

/* On every return to the guest: an unmasked pending upcall enters the event callback. */
__hot_path void pv_deliver_events(struct vcpu *v)
{
    struct vcpu_info *vi = v->vcpu_info;

    if (!vi->evtchn_upcall_pending || vi->evtchn_upcall_mask || !v->arch.event_callback)
        return;
    if (!create_bounce_frame(v, v->arch.event_callback, true, false, 0))
        domain_crash(v->domain, "bad kernel stack while delivering an event");
}

/* SYSCALL from guest user mode goes to the guest kernel's syscall callback. */
void pv_handle_user_syscall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;

    if (!v->arch.syscall_callback) {
        regs->rip -= 2;                              /* #UD at the syscall instruction */
        pv_inject_trap(v, 6, false, 0);
        return;
    }
    regs->rflags &= ~X86_EFLAGS_DF;
    if (!create_bounce_frame(v, v->arch.syscall_callback, v->arch.syscall_mask_events, false, 0))
        domain_crash(v->domain, "bad kernel stack on syscall");
}
