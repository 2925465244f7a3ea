/*
 * The hypercall table (common/hypercall.c): one slot per Xen hypercall
 * number; each handler lives with its subsystem. Unknown numbers return
 * -ENOSYS and are counted.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

#define HC_NR_SLOTS  64

typedef long (*hypercall_fn_t)(unsigned long a1, unsigned long a2, unsigned long a3,
                               unsigned long a4, unsigned long a5);

struct hypercall_desc {
    hypercall_fn_t fn;
    const char *name;
    u8 nargs;
    bool no_multicall;                 /* iret, multicall itself */
};

struct hypercall_stats {
    u64 calls[HC_NR_SLOTS];
    u64 unknown;                       /* numbers with no handler */
};

struct hypercall_record {              /* for the panic screen */
    u16 domid, vcpu;
    u32 nr;
    unsigned long args[5];
    long ret;
};

#define HC_HISTORY 16

extern struct hypercall_stats hc_stats;

/*
 * Long hypercalls are preemptible, as in Xen. Between units of work a
 * handler asks hypercall_preempt_check(); when it says so, the handler
 * records its progress in new arguments and returns hypercall_continue().
 * The guest then re-executes the same hypercall with those arguments, but
 * only after the hypervisor has run its due timers, other vCPUs and event
 * delivery (arch: rewinding the guest to its SYSCALL; multicall: rewriting
 * the entry). So no hypercall holds the CPU for more than one unit of work
 * past a due timer.
 */
bool hypercall_preempt_check(void);
long hypercall_continue(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                        unsigned long a4, unsigned long a5);

/* Runs one hypercall; used by the syscall entry and by multicall. */
long hypercall_dispatch(unsigned long nr, const unsigned long args[5], bool from_multicall);
const char *hypercall_name(unsigned long nr);
void hypercall_dump_history(void);
void hypercall_dump_stats(void);

/* Handlers, each with its subsystem. */
long do_console_io(unsigned long cmd, unsigned long count, unsigned long buf);
long do_xen_version(unsigned long cmd, unsigned long arg);
long do_sched_op(unsigned long cmd, unsigned long arg);
long do_sched_op_compat(unsigned long cmd, unsigned long arg);
long do_multicall(unsigned long list, unsigned long nr);
long do_vm_assist(unsigned long cmd, unsigned long type);
long do_memory_op(unsigned long cmd, unsigned long arg);
long arch_memory_op(unsigned long cmd, unsigned long arg);
long do_set_timer_op(unsigned long timeout);
long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg);
/* arch/x86/pv */
long do_set_trap_table(unsigned long traps);
long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall);
long do_callback_op(unsigned long cmd, unsigned long arg);
long do_stack_switch(unsigned long ss, unsigned long sp);
long do_set_segment_base(unsigned long which, unsigned long base);
long do_fpu_taskswitch(unsigned long set);
long do_iret(void);
long do_physdev_op(unsigned long cmd, unsigned long arg);
long do_sysctl(unsigned long arg);
long do_domctl(unsigned long arg);
long do_set_debugreg(unsigned long reg, unsigned long value);
long do_get_debugreg(unsigned long reg);
long do_mmu_update(unsigned long reqs, unsigned long count, unsigned long done, unsigned long domid);
long do_mmuext_op(unsigned long ops, unsigned long count, unsigned long done, unsigned long domid);
long do_set_gdt(unsigned long frame_list, unsigned long entries);
long do_update_descriptor(unsigned long maddr, unsigned long desc);
long do_update_va_mapping(unsigned long va, unsigned long pte, unsigned long flags);
long do_update_va_mapping_otherdomain(unsigned long va, unsigned long pte, unsigned long flags,
                                      unsigned long domid);

#endif
