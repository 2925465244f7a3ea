/*
 * hypercall.h: hypercall wrappers.  Two entry styles, picked at run time by
 * `hc_direct` (guest command line "hc=direct"):
 *   - page:   call hypercall_page + nr*32 (the page the loader fills; preserves rcx/r11)
 *   - direct: `syscall` from guest-kernel mode with eax = nr (Linux >= 6.1.121)
 * Arguments in rdi, rsi, rdx, r10, r8; result in rax.  All argument registers
 * are treated as clobbered, as Linux does.
 */
#ifndef HYPERCALL_H
#define HYPERCALL_H
#include "guest.h"

static inline long hypercall_page_call(unsigned long nr, unsigned long a1, unsigned long a2,
                                       unsigned long a3, unsigned long a4, unsigned long a5)
{
    register unsigned long r10 asm("r10") = a4;
    register unsigned long r8 asm("r8") = a5;
    unsigned long target = (unsigned long)hypercall_page + nr * 32;
    long ret;

    asm volatile("call *%[t]"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : [t] "a"(target)
                 : "memory", "rcx", "r11", "r9");
    return ret;
}

static inline long hypercall_syscall(unsigned long nr, unsigned long a1, unsigned long a2,
                                     unsigned long a3, unsigned long a4, unsigned long a5)
{
    register unsigned long r10 asm("r10") = a4;
    register unsigned long r8 asm("r8") = a5;
    long ret;

    asm volatile("syscall"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : "0"(nr)
                 : "memory", "rcx", "r11", "r9");
    return ret;
}

static inline long hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
                             unsigned long a3, unsigned long a4, unsigned long a5)
{
    if (hc_direct)
        return hypercall_syscall(nr, a1, a2, a3, a4, a5);
    return hypercall_page_call(nr, a1, a2, a3, a4, a5);
}

#define HC0(nr)                 hypercall(nr, 0, 0, 0, 0, 0)
#define HC1(nr, a)              hypercall(nr, (unsigned long)(a), 0, 0, 0, 0)
#define HC2(nr, a, b)           hypercall(nr, (unsigned long)(a), (unsigned long)(b), 0, 0, 0)
#define HC3(nr, a, b, c)        hypercall(nr, (unsigned long)(a), (unsigned long)(b), \
                                          (unsigned long)(c), 0, 0)
#define HC4(nr, a, b, c, d)     hypercall(nr, (unsigned long)(a), (unsigned long)(b), \
                                          (unsigned long)(c), (unsigned long)(d), 0)

static inline long hc_console_io(int cmd, unsigned long len, const void *buf)
{ return HC3(__HYPERVISOR_console_io, cmd, len, buf); }
static inline long hc_xen_version(int cmd, void *arg)
{ return HC2(__HYPERVISOR_xen_version, cmd, arg); }
static inline long hc_sched_op(int cmd, void *arg)
{ return HC2(__HYPERVISOR_sched_op, cmd, arg); }
static inline long hc_event_channel_op(int cmd, void *arg)
{ return HC2(__HYPERVISOR_event_channel_op, cmd, arg); }
static inline long hc_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{ return HC3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg); }
static inline long hc_set_trap_table(const void *table)
{ return HC1(__HYPERVISOR_set_trap_table, table); }
static inline long hc_callback_op(int cmd, const void *arg)
{ return HC2(__HYPERVISOR_callback_op, cmd, arg); }
static inline long hc_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{ return HC3(__HYPERVISOR_update_va_mapping, va, pte, flags); }
static inline long hc_set_timer_op(uint64_t deadline)
{ return HC1(__HYPERVISOR_set_timer_op, deadline); }
static inline long hc_fpu_taskswitch(int set)
{ return HC1(__HYPERVISOR_fpu_taskswitch, set); }
static inline long hc_multicall(void *calls, unsigned long nr)
{ return HC2(__HYPERVISOR_multicall, calls, nr); }
static inline long hc_vm_assist(unsigned int cmd, unsigned int type)
{ return HC2(__HYPERVISOR_vm_assist, cmd, type); }
static inline long hc_stack_switch(unsigned long ss, unsigned long sp)
{ return HC2(__HYPERVISOR_stack_switch, ss, sp); }
static inline long hc_set_segment_base(unsigned int which, unsigned long base)
{ return HC2(__HYPERVISOR_set_segment_base, which, base); }
static inline long hc_memory_op(unsigned int cmd, void *arg)
{ return HC2(__HYPERVISOR_memory_op, cmd, arg); }
static inline long hc_mmuext_op(void *ops, unsigned int count, unsigned int *done, domid_t dom)
{ return HC4(__HYPERVISOR_mmuext_op, ops, count, done, dom); }
static inline long hc_mmu_update(void *reqs, unsigned int count, unsigned int *done, domid_t dom)
{ return HC4(__HYPERVISOR_mmu_update, reqs, count, done, dom); }
static inline long hc_set_gdt(unsigned long *frames, unsigned int entries)
{ return HC2(__HYPERVISOR_set_gdt, frames, entries); }
static inline long hc_update_descriptor(uint64_t maddr, uint64_t desc)
{ return HC2(__HYPERVISOR_update_descriptor, maddr, desc); }
static inline long hc_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{ return HC3(__HYPERVISOR_grant_table_op, cmd, uop, count); }
static inline long hc_set_debugreg(int reg, unsigned long val)
{ return HC2(__HYPERVISOR_set_debugreg, reg, val); }
static inline long hc_get_debugreg(int reg)
{ return HC1(__HYPERVISOR_get_debugreg, reg); }
static inline long hc_physdev_op(int cmd, void *arg)
{ return HC2(__HYPERVISOR_physdev_op, cmd, arg); }

static inline long sched_yield(void) { return hc_sched_op(SCHEDOP_yield, NULL); }

#endif
