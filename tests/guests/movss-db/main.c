/*
 * movss-db: the MOV SS / POP SS pattern of CVE-2018-8897. A data
 * breakpoint on the operand of `mov ss` stays pending for one instruction;
 * if that instruction is SYSCALL (a hypercall) or a software interrupt,
 * the #DB is raised in ring 0 on the hypervisor's first instruction, where
 * for SYSCALL rsp is still the guest's. The hypervisor takes #DB on an IST
 * stack, so it never runs on a stack the guest chose; the guest's own #DB
 * (if the CPU raises it before the SYSCALL, as TCG does) is bounced as
 * usual. Every attempt must leave the hypervisor running and give the
 * hypercall's or the interrupt's normal result.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "movss-db";

#define ROUNDS 50

static volatile uint16_t ss_val __aligned(8);

static bool count_db(struct cpu_regs *regs)
{
    return regs->vector == 1;                        /* the guest's #DB: continue */
}

static long movss_syscall(void)
{
    long rc;

    asm volatile("mov %[ss], %%ss\n\tsyscall"
                 : "=a"(rc)
                 : [ss] "m"(ss_val), "a"((long)__HYPERVISOR_xen_version), "D"(XENVER_version),
                   "S"(0L)
                 : "rcx", "r11", "memory");
    return rc;
}

static void movss_int3(void)
{
    asm volatile("mov %[ss], %%ss\n\tint3" :: [ss] "m"(ss_val) : "memory");
}

static void movss_int80(void)
{
    asm volatile("mov %[ss], %%ss\n\tint $0x80" :: [ss] "m"(ss_val) : "memory");
}

void test_main(void)
{
    long version = hc_xen_version(XENVER_version, NULL);
    unsigned long before, dbs = 0;
    unsigned int wrong = 0;
    uint16_t ss;

    asm volatile("mov %%ss, %0" : "=r"(ss));
    ss_val = ss;
    check_eq(hc_set_debugreg(0, (unsigned long)&ss_val), 0, "set_debugreg(0, &ss operand)");
    /* L0, R/W0 = 11 (read or write), LEN0 = 01 (2 bytes) */
    check_eq(hc_set_debugreg(7, 0x1UL | (3UL << 16) | (1UL << 18)), 0,
             "set_debugreg(7, read watchpoint on the ss operand)");
    trap_hook = count_db;
    for (unsigned int i = 0; i < ROUNDS; i++) {
        before = last_trap.count;
        wrong += movss_syscall() != version;
        dbs += last_trap.count - before;
    }
    check(wrong == 0, "mov ss; syscall: the hypercall's result", "%u of %u wrong", wrong, ROUNDS);
    info("mov ss; syscall: %lu #DB delivered to the guest in %u rounds", dbs, ROUNDS);
    before = last_trap.count;
    movss_int3();
    check(last_trap.count > before && last_trap.regs.vector == 3, "mov ss; int3: #BP delivered",
          "count %lu -> %lu, vector %lu", before, last_trap.count, (unsigned long)last_trap.regs.vector);
    before = last_trap.count;
    movss_int80();
    check(last_trap.count > before && last_trap.regs.vector == 0x80,
          "mov ss; int $0x80: delivered", "count %lu -> %lu, vector %lu", before,
          last_trap.count, (unsigned long)last_trap.regs.vector);
    trap_hook = NULL;
    check_eq(hc_set_debugreg(7, 0), 0, "set_debugreg(7, off)");
    check_eq(hc_xen_version(XENVER_version, NULL), version, "the hypervisor still answers");
}
