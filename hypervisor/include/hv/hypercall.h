/*
 * The hypercall table (common/hypercall.c), generated from the typed
 * definitions in hv/hypercall-defs: one slot per Xen hypercall number, each
 * handler called with its declared argument types (hv/hypercall-protos.h,
 * also generated); each handler lives with its subsystem. Unknown numbers
 * return -ENOSYS and are counted.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>
#include <hv/guest_access.h>
#include <hv/counters.h>               /* HC_NR_SLOTS */
#include <xen/xen.h>

/* Flags from hv/hypercall-defs. */
#define HCF_MULTICALL    (1u << 0)     /* allowed as a multicall entry */
#define HCF_PREEMPTIBLE  (1u << 1)     /* may return hypercall_continue() */
#define HCF_PRIVILEGED   (1u << 2)     /* -EPERM to unprivileged callers, at the dispatcher */
#define HCF_CHECKS_FIRST (1u << 3)     /* ... after <name>_checks_before_privilege() */

struct hypercall_info {
    const char *name;                  /* NULL: an empty slot */
    u8 nargs;                          /* the trace and the history show these many */
    u8 flags;                          /* HCF_* */
};

/* The dispatcher's view of a handler: a generated thunk converting the
 * registers to the handler's declared argument types (hypercall-table.h). */
typedef long hypercall_thunk_t(const unsigned long a[5]);

struct hypercall_stats {
    u64 calls[HC_NR_SLOTS];
    u64 unknown;                       /* numbers with no handler */
};

struct hypercall_record {              /* for the panic screen */
    u16 domid, vcpu;
    u32 nr;                            /* its argument count: hypercall_info[nr] */
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
/* hc_stats counts only calls with no vCPU until a vCPU's own counts are folded in, when it is freed. */
void hypercall_fold_counts(const struct vcpu *v);
void hypercall_dump_stats(void);

/* Handlers, each with its subsystem: generated from hv/hypercall-defs. */
#include <hv/hypercall-protos.h>

/* The memory_op sub-ops common/memory.c leaves to the arch. */
/* CONSOLEIO_read for the privileged domain (common/console_input.c): bytes given. */
long console_input_read(unsigned int count, guest_handle_t to);
long arch_memory_op(unsigned long cmd, guest_handle_t arg);

#endif
