/*
 * Virtual debug registers (set_debugreg/get_debugreg). Breakpoint addresses
 * must be guest addresses; DR6 records the last #DB the guest took; DR7 may
 * not enable I/O breakpoints or general detect.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/x86.h>

#define DR7_GD        (1UL << 13)
#define DR7_RESERVED  (0xffffffff00000000UL | (1UL << 12) | (1UL << 14) | (1UL << 15))
#define DR6_RESERVED  0xffffffff00000000UL

static void write_dr(unsigned int reg, unsigned long v)
{
    switch (reg) {
    case 0: asm volatile("mov %0, %%db0" :: "r"(v)); break;
    case 1: asm volatile("mov %0, %%db1" :: "r"(v)); break;
    case 2: asm volatile("mov %0, %%db2" :: "r"(v)); break;
    case 3: asm volatile("mov %0, %%db3" :: "r"(v)); break;
    case 6: asm volatile("mov %0, %%db6" :: "r"(v)); break;
    case 7: asm volatile("mov %0, %%db7" :: "r"(v)); break;
    }
}

unsigned long pv_read_dr6(void)
{
    unsigned long v;

    asm volatile("mov %%db6, %0" : "=r"(v));
    return v;
}

/*
 * A guest watchpoint hit by the hypervisor's own access to guest memory (a
 * copy, a bounce frame): ignored, as Xen 4.17 does (the guest's DR6 is not
 * touched; checked side by side by the watchpoint-hv guest). A data
 * breakpoint is a trap: the access has already happened, nothing to fix.
 */
void pv_debug_in_hypervisor(struct cpu_user_regs *regs)
{
    write_dr(6, 0xffff0ff0UL);
    regs->rflags &= ~X86_EFLAGS_TF;                  /* never single-step the hypervisor */
}

/* Loads a vCPU's breakpoints, or clears DR7 for a vCPU that has none. */
void pv_load_debugregs(struct vcpu *v)
{
    const unsigned long *dr = v->arch.debugreg;

    if (dr[7] & 0xff)
        for (unsigned int i = 0; i < 4; i++)
            write_dr(i, dr[i]);
    write_dr(7, dr[7] ? dr[7] : 0x400);
}

static bool dr7_valid(unsigned long v)
{
    if (v & (DR7_RESERVED | DR7_GD))
        return false;
    for (unsigned int i = 0; i < 4; i++)             /* R/W = 10b: I/O breakpoints */
        if ((v & (3UL << (2 * i))) && ((v >> (16 + 4 * i)) & 3) == 2)
            return false;
    return true;
}

long do_set_debugreg(unsigned long reg, unsigned long value)
{
    struct vcpu *v = current;

    switch (reg) {
    case 0: case 1: case 2: case 3:
        if (!guest_range_ok(value, 8))
            return -EPERM;
        break;
    case 6:
        if (value & DR6_RESERVED)
            return -EPERM;
        break;
    case 7:
        if (!dr7_valid(value))
            return -EPERM;
        break;
    default:
        return -ENODEV;
    }
    v->arch.debugreg[reg] = value;
    if (reg == 6 || reg == 7 || (v->arch.debugreg[7] & 0xff))
        pv_load_debugregs(v);
    return 0;
}

long do_get_debugreg(unsigned long reg)
{
    if (reg > 7 || reg == 4 || reg == 5)
        return -ENODEV;
    return (long)current->arch.debugreg[reg];
}
