/*
 * priv-emul: privileged instructions a PV guest gets emulated, as Xen 4.17
 * does: mov to/from DR0-DR7 in the guest kernel (dr.c); the forced-emulation
 * CPUID prefix from kernel and user mode (dr.c); cli/sti/in/out/ins/outs
 * under the virtual IOPL from kernel and user mode, and
 * VMASST_TYPE_architectural_iopl (io.c); string I/O aimed at memory that is
 * not the guest's to write, and single-stepping over emulated instructions
 * (hostile.c).
 */
#include "priv.h"

const char test_name[] = "priv-emul";

long trapped(unsigned long before)
{
    if (last_trap.count == before)
        return NO_TRAP;
    if (last_trap.count != before + 1)
        return -2;
    return (long)last_trap.regs.vector;
}

bool check_trap(unsigned long before, long vec, long ec, const char *what)
{
    long got = trapped(before);
    long got_ec = got >= 0 && (long)last_trap.regs.error_code != -1 ?
                  (long)last_trap.regs.error_code : -1;

    if (vec == NO_TRAP)
        return check(got == NO_TRAP, what, "exception %ld (ec %#lx) at %#lx", got, got_ec,
                     (unsigned long)last_trap.regs.rip);
    return check(got == vec && got_ec == ec, what, "exception %ld ec %#lx, want %ld ec %#lx",
                 got, got_ec, vec, ec);
}

void test_main(void)
{
    events_enable();
    if (!user_init())
        return;
    test_debugregs();
    test_forced_cpuid();
    test_io();
    test_architectural_iopl();
    test_hostile_io();
}
