/*
 * hostile.c: emulated port I/O pointed at memory that is not the guest's to
 * write (the hypervisor, its own page tables, non-canonical addresses): the
 * guest gets its fault (Xen 4.17: #GP(0) for the hypervisor hole and
 * non-canonical addresses, #PF for the rest), nothing is written; and
 * single-stepping over an emulated instruction and I/O breakpoints (the
 * #DB of emulated port I/O).
 */
#include "priv.h"
#include "mm.h"
#include <xen/physdev.h>

#define HV_ADDR   0xffff830000100000UL                     /* the hypervisor image */
#define NONCANON  0x8000000000000000UL

static long set_iopl(unsigned int iopl)
{
    struct physdev_set_iopl s = { .iopl = iopl };

    return hc_physdev_op(PHYSDEVOP_set_iopl, &s);
}

static void ins_at(unsigned long rdi, unsigned long count, const char *what, long vec, long ec)
{
    unsigned long before = last_trap.count, rcx = count;

    TRY("rep insb", : "+D"(rdi), "+c"(rcx) : "d"(0xa0) : "memory");
    if (check_trap(before, vec, ec, what) && vec == 14)
        check_eq((long)last_trap.cr2, (long)(rdi), "... cr2 = the first byte not stored");
}

static void outs_from(unsigned long rsi, const char *what, long vec, long ec)
{
    unsigned long before = last_trap.count, rcx = 4;

    TRY("rep outsb", : "+S"(rsi), "+c"(rcx) : "d"(0x21) : "memory");
    check_trap(before, vec, ec, what);
}

/* String I/O aimed at the hypervisor, at the guest's own L1, and past the canonical range. */
static void string_io_attempts(void)
{
    uint64_t *l1 = pte_ptr(boot_l4(), (unsigned long)boot_l4(), 2);
    uint64_t *table = l1 ? (uint64_t *)((VIRT_BASE + (M2P[(*l1 & PTE_ADDR) >> 12] << 12))) : NULL;
    uint64_t saved = table ? table[0] : 0;

    ins_at(HV_ADDR, 4, "kernel rep insb into the hypervisor image: #GP(0)", 13, 0);
    ins_at(0xffff87fffffffffeUL, 4, "kernel rep insb at the last bytes of the hypervisor hole: #GP(0)",
           13, 0);
    ins_at(0xffff800000000000UL, 1, "kernel insb at the first byte of the hypervisor hole: #GP(0)",
           13, 0);
    outs_from(HV_ADDR, "kernel rep outsb from the hypervisor image: #GP(0)", 13, 0);
    ins_at(NONCANON, 1, "kernel insb at a non-canonical address: #GP(0)", 13, 0);
    outs_from(NONCANON, "kernel outsb from a non-canonical address: #GP(0)", 13, 0);
    if (check(table != NULL, "found the L1 page that maps the boot L4", "-")) {
        ins_at((unsigned long)table, 8, "kernel rep insb into its own (read-only) L1 table: #PF(write)",
               14, 2);
        check(table[0] == saved, "... the L1 entry is unchanged", "%#lx, was %#lx", table[0], saved);
    }
}

/* TF over an emulated instruction: #DB after it, DR6.BS, as Xen's pv_emul_instruction_done. */
static void single_step_emulated(const char *what, bool cpuid)
{
    unsigned long before = last_trap.count, next = 0;

    if (cpuid)
        asm volatile("lea 1f(%%rip), %0\n\t"
                     "pushf; orq $0x100, (%%rsp); popf\n\t"
                     "ud2; .ascii \"xen\"; cpuid\n"
                     "1:\n\t"
                     : "=&r"(next) : "a"(0), "c"(0) : "rbx", "rdx", "memory", "cc");
    else
        asm volatile("lea 1f(%%rip), %0\n\t"
                     "pushf; orq $0x100, (%%rsp); popf\n\t"
                     "inb $0x21, %%al\n"
                     "1:\n\t"
                     : "=&r"(next) :: "rax", "memory", "cc");
    check(trapped(before) == 1 && last_trap.regs.rip == next && (hc_get_debugreg(6) & (1 << 14)),
          what, "exception %ld at %#lx (next %#lx), dr6 %#lx", trapped(before),
          (unsigned long)last_trap.regs.rip, next, hc_get_debugreg(6));
}

/*
 * I/O breakpoints: with CR4.DE a DR7 slot with R/W = 10b watches a port;
 * Xen keeps it emulated and raises #DB after a matching in/out.
 */
static void io_bp_access(const char *what, bool word, bool hit)
{
    unsigned long before = last_trap.count, next = 0;

    if (word)
        asm volatile("lea 1f(%%rip), %0\n\tinw $0x20, %%ax\n1:" : "=&r"(next) :: "rax", "memory");
    else
        asm volatile("lea 1f(%%rip), %0\n\tinb $0x20, %%al\n1:" : "=&r"(next) :: "rax", "memory");
    if (hit)
        check(trapped(before) == 1 && last_trap.regs.rip == next && (hc_get_debugreg(6) & 1), what,
              "exception %ld at %#lx (next %#lx), dr6 %#lx", trapped(before),
              (unsigned long)last_trap.regs.rip, next, hc_get_debugreg(6));
    else
        check_trap(before, NO_TRAP, -1, what);
}

static void io_breakpoints(void)
{
    unsigned long cr4 = 0, now = 0, dr7 = 0x1UL | (2UL << 16);    /* L0, I/O, 1 byte */

    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" :: "r"(cr4 | 8));
    asm volatile("mov %%cr4, %0" : "=r"(now));
    if (!(now & 8)) {
        info("CR4.DE not settable here: I/O breakpoints not checked");
        return;
    }
    check_eq(hc_set_debugreg(0, 0x21), 0, "CR4.DE: set_debugreg(0, port 0x21)");
    check_eq(hc_set_debugreg(7, dr7), 0, "CR4.DE: set_debugreg(7, I/O breakpoint on DR0)");
    check_eq(hc_get_debugreg(7), (long)(dr7 | 0x400), "... get_debugreg(7) shows it");
    hc_set_debugreg(6, 0);
    io_bp_access("in %al from port 0x20 (no match): no #DB", false, false);
    io_bp_access("in %ax from ports 0x20-0x21 (match): #DB after it, DR6.B0", true, true);
    hc_set_debugreg(6, 0);
    check_eq(hc_set_debugreg(7, 0), 0, "clear DR7");
    io_bp_access("in %ax with the breakpoint cleared: no #DB", true, false);
    asm volatile("mov %0, %%cr4" :: "r"(cr4 & ~8UL));
    check_eq(hc_set_debugreg(7, dr7), -EPERM, "CR4.DE clear again: I/O breakpoint = -EPERM");
}

void test_hostile_io(void)
{
    check_eq(set_iopl(1), 0, "PHYSDEVOP_set_iopl(1) for the hostile attempts");
    string_io_attempts();
    hc_set_debugreg(6, 0);
    single_step_emulated("TF over forced CPUID: #DB after it, DR6.BS", true);
    hc_set_debugreg(6, 0);
    single_step_emulated("TF over an emulated in: #DB after it, DR6.BS", false);
    io_breakpoints();
    check_eq(set_iopl(0), 0, "PHYSDEVOP_set_iopl(0)");
}
