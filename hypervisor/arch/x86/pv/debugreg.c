/*
 * Virtual debug registers (set_debugreg/get_debugreg, and `mov` to and from
 * DR0-DR7 in the guest kernel, emulate.c). Breakpoint addresses must be
 * guest addresses; DR6 records the last #DB the guest took; DR7 may not
 * enable general detect, nor I/O breakpoints unless the guest set CR4.DE
 * (then they are emulated: pv_io_breakpoints); reserved bits are
 * normalised as Xen does.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/processor.h>
#include <asm/pv.h>

#define DR7_GD             (1UL << 13)
#define DR7_RESERVED_ZERO  ((1UL << 11) | (1UL << 12) | (1UL << 14) | (1UL << 15))
#define DR7_RESERVED_ONE   (1UL << 10)
#define DR6_RESERVED_ZERO  (1UL << 12)
#define DR6_RESERVED_ONE   0xffff0ff0UL
#define CR4_DE             (1UL << 3)            /* the guest's virtual CR4 */

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

/*
 * DR7 as Xen's set_debugreg takes it: the upper half refused (-EINVAL),
 * reserved bits normalised, general detect refused (-EPERM). I/O
 * breakpoints (R/W = 10b in any slot, once anything is enabled) need the
 * guest's CR4.DE (else -EPERM); their enable bits are kept apart in
 * dr7_emul and matched by the port I/O emulation, never loaded.
 */
static long dr7_normalise(const struct vcpu *v, unsigned long *val, unsigned long *io_enable)
{
    unsigned long d = *val;

    *io_enable = 0;
    if (d != (u32)d)
        return -EINVAL;
    d = (d & ~DR7_RESERVED_ZERO) | DR7_RESERVED_ONE;
    if (d & DR7_GD)
        return -EPERM;
    if (!(d & 0xff))
        goto out;
    for (unsigned int i = 0; i < 4; i++) {
        if (((d >> (16 + 4 * i)) & 3) != 2)
            continue;
        if (!(v->arch.cr4 & CR4_DE))
            return -EPERM;
        *io_enable |= d & (3UL << (2 * i));
    }
    d &= ~*io_enable;
out:
    *val = d;
    return 0;
}

/* The I/O breakpoints an access to [port, port+len) hits: DR6 bits B0-B3. */
unsigned int pv_io_breakpoints(const struct vcpu *v, unsigned int port, unsigned int len)
{
    static const unsigned int width[4] = { 1, 2, 8, 4 };   /* LEN 00, 01, 10, 11 */
    unsigned int match = 0;

    if (!v->arch.dr7_emul || !(v->arch.cr4 & CR4_DE))
        return 0;
    for (unsigned int i = 0; i < 4; i++) {
        unsigned long start = v->arch.debugreg[i];
        unsigned int w = width[(v->arch.debugreg[7] >> (18 + 4 * i)) & 3];

        if ((v->arch.dr7_emul & (3UL << (2 * i))) && start < port + len && start + w > port)
            match |= 1u << i;
    }
    return match;
}

/* DR4/DR5 are DR6/DR7 while the guest's CR4.DE is clear, else they do not exist. */
static long dr_alias(const struct vcpu *v, unsigned int reg)
{
    if (reg == 4 || reg == 5)
        return (v->arch.cr4 & CR4_DE) ? -ENODEV : (long)reg + 2;
    return reg > 7 ? -ENODEV : (long)reg;
}

/*
 * set_debugreg and `mov %reg, %drN` from the guest kernel share these checks
 * (Xen's set_debugreg): 0 or -ENODEV (no such register), -EPERM, -EINVAL.
 */
long pv_set_debugreg(struct vcpu *v, unsigned int reg, unsigned long value)
{
    long r = dr_alias(v, reg), rc = 0;
    unsigned long io_enable = 0;

    if (r < 0)
        return r;
    switch (r) {
    case 0: case 1: case 2: case 3:
        if (!guest_range_ok(value, 1))
            return -EPERM;
        break;
    case 6:
        if (value != (u32)value)
            return -EINVAL;
        value = (value & ~DR6_RESERVED_ZERO) | DR6_RESERVED_ONE;
        break;
    case 7:
        rc = dr7_normalise(v, &value, &io_enable);
        break;
    default:
        return -ENODEV;
    }
    if (rc)
        return rc;
    if (r == 7)
        v->arch.dr7_emul = io_enable;
    v->arch.debugreg[r] = value;
    if (r == 6 || r == 7 || (v->arch.debugreg[7] & 0xff))
        pv_load_debugregs(v);
    return 0;
}

/* get_debugreg and `mov %drN, %reg`: -ENODEV for a register that does not exist. */
long pv_get_debugreg(const struct vcpu *v, unsigned int reg, unsigned long *val)
{
    long r = dr_alias(v, reg);

    if (r < 0)
        return -ENODEV;
    *val = v->arch.debugreg[r] | (r == 7 ? v->arch.dr7_emul : 0);
    return 0;
}

/* A negative reg is as far out of range as a large one. */
static unsigned int dr_number(int reg)
{
    return (unsigned int)reg > 7 ? 8 : (unsigned int)reg;
}

long do_set_debugreg(int reg, unsigned long value)
{
    return pv_set_debugreg(current, dr_number(reg), value);
}

long do_get_debugreg(int reg)
{
    unsigned long val;

    if (pv_get_debugreg(current, dr_number(reg), &val))
        return -ENODEV;
    return (long)val;
}
