/*
 * iret-user: the iret hypercall with a non-canonical stack pointer. Xen
 * 4.17 loads whatever rsp the frame holds: the guest is not killed, it
 * takes the #SS (QEMU TCG: #GP) of its first stack access itself, on its
 * kernel stack when that happens in user mode. Several values, through the
 * IRETQ and the SYSRET-shaped (rcx = rip, r11 = rflags) return paths, to
 * user mode and (events masked) to kernel mode. The same for rip: a
 * non-canonical one is the guest's #GP(0) there, one in the hypervisor
 * hole its #PF.
 */
#include "guest.h"
#include "hypercall.h"
#include "user.h"

const char test_name[] = "iret-user";

extern char iu_report_rsp[], iu_push[], iu_push_resume[];

/* User mode: hand back the rsp the iret gave us, on a good stack. */
asm(".text\n"
    "iu_report_rsp:\n"
    "   mov %rsp, %rax\n"
    "   lea user_stack_top(%rip), %rsp\n"
    "   syscall\n"
    "   ud2\n"
    /* User mode: a pop from the bad stack faults; the hook resumes at iu_push_resume. */
    "iu_push:\n"
    "   pop %rax\n"
    "   ud2\n"
    "iu_push_resume:\n"
    "   mov $0x600d, %eax\n"
    "   syscall\n"
    "   ud2\n");

static const unsigned long bad_rsp[] = {
    0x0000800000000000UL,           /* first non-canonical address */
    0x8000000000000000UL,
    0xffff7ffffffffff8UL,           /* last non-canonical quadword */
    0x5555555555555550UL,
};

static struct { unsigned long count, vector, ec, rip, rsp, cs; } seen;

/* A stack fault from user mode: note the frame, go on at iu_push_resume on a good stack. */
static bool stack_fault_hook(struct cpu_regs *regs)
{
    if ((regs->cs & 3) != 3 || (regs->vector != 12 && regs->vector != 13))
        return false;
    seen.count++;
    seen.vector = regs->vector;
    seen.ec = regs->error_code;
    seen.rip = regs->rip;
    seen.rsp = regs->rsp;
    seen.cs = regs->cs;
    regs->rsp = (unsigned long)user_stack_top;
    regs->rip = (unsigned long)iu_push_resume;
    return true;
}

static void report_rsp(unsigned long rsp)
{
    unsigned long got = user_enter((unsigned long)iu_report_rsp, rsp, EFLAGS_IF, 0, 0);

    char what[120];

    snprintf(what, sizeof(what), "iret to user mode with rsp %#lx: loaded as it is, guest alive",
             rsp);
    check(got == rsp, what, "user saw rsp %#lx", got);
}

static void push_faults(unsigned long rsp)
{
    char what[160];
    unsigned long rv;

    memset(&seen, 0, sizeof(seen));
    trap_hook = stack_fault_hook;
    rv = user_enter((unsigned long)iu_push, rsp, EFLAGS_IF, 0, 0);
    trap_hook = NULL;
    snprintf(what, sizeof(what), "user pop from rsp %#lx: the guest kernel gets #SS(0)/#GP(0) "
             "at the pop, with that rsp in the frame", rsp);
    check(rv == 0x600d && seen.count == 1 && (seen.vector == 12 || seen.vector == 13) &&
          seen.ec == 0 && seen.rip == (unsigned long)iu_push && seen.rsp == rsp &&
          seen.cs == USER_CS, what, "rv %#lx count %lu vector %lu ec %#lx rip %#lx rsp %#lx cs %#lx",
          rv, seen.count, seen.vector, seen.ec, seen.rip, seen.rsp, seen.cs);
    if (seen.vector == 13)
        info("rsp %#lx: #GP rather than #SS (QEMU TCG)", rsp);
}

/*
 * The SYSRET-shaped frame: rcx = rip, r11 = rflags (a hypervisor may return
 * with SYSRET then; it must load the bad rsp all the same, and survive it).
 * Made by hand (the iret hypercall through `syscall`); back through the
 * syscall callback of user.c like user_enter().
 */
unsigned long iu_enter_sysret_shaped(unsigned long rip, unsigned long rsp);
asm(".text\n"
    "iu_enter_sysret_shaped:\n"
    "   push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "   mov %rsp, user_kernel_rsp(%rip)\n"
    "   pushq $0xe02b\n"                 /* ss */
    "   push %rsi\n"                     /* rsp */
    "   pushq $0x202\n"                  /* rflags */
    "   pushq $0xe033\n"                 /* cs: user mode */
    "   push %rdi\n"                     /* rip */
    "   pushq $0\n"                      /* flags */
    "   push %rdi\n"                     /* rcx = rip */
    "   pushq $0x202\n"                  /* r11 = rflags */
    "   pushq $0\n"                      /* rax */
    "   mov $23, %eax\n"                 /* __HYPERVISOR_iret */
    "   syscall\n"
    "   ud2\n");

static void sysret_shaped(unsigned long rsp)
{
    uint8_t mask = vcpu0->evtchn_upcall_mask;
    unsigned long got = iu_enter_sysret_shaped((unsigned long)iu_report_rsp, rsp);

    char what[120];

    vcpu0->evtchn_upcall_mask = mask;
    snprintf(what, sizeof(what), "SYSRET-shaped iret to user mode with rsp %#lx: loaded, guest alive",
             rsp);
    check(got == rsp, what, "user saw rsp %#lx", got);
}

/*
 * Kernel mode, events masked (IF = 0 in the frame, so nothing is bounced
 * onto the bad stack): the code at rip reads rsp and goes back to a good one.
 */
unsigned long kernel_rsp_seen, kernel_rsp_good;     /* used from asm */
void iu_kernel_target(void);
asm(".text\n"
    "iu_kernel_target:\n"
    "   mov %rsp, kernel_rsp_seen(%rip)\n"
    "   mov kernel_rsp_good(%rip), %rsp\n"
    "   ret\n");

static void kernel_iret(unsigned long rsp)
{
    kernel_rsp_seen = 0;
    asm volatile("lea 1f(%%rip), %%rax\n\t"
                 "push %%rax\n\t"                   /* where iu_kernel_target returns */
                 "mov %%rsp, kernel_rsp_good(%%rip)\n\t"
                 "pushq $0xe02b\n\t"
                 "push %[rsp]\n\t"
                 "pushq $0x2\n\t"                   /* IF = 0: events masked */
                 "pushq $0xe030\n\t"                /* RPL 0: stay in kernel mode */
                 "lea iu_kernel_target(%%rip), %%rax\n\t"
                 "push %%rax\n\t"
                 "jmp hypercall_iret\n"
                 "1:\n\t"
                 : : [rsp] "r"(rsp)
                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    char what[120];

    vcpu0->evtchn_upcall_mask = 0;
    snprintf(what, sizeof(what), "iret to kernel mode (events masked) with rsp %#lx: loaded", rsp);
    check(kernel_rsp_seen == rsp, what, "kernel saw rsp %#lx", kernel_rsp_seen);
}

/*
 * rip: Xen checks it no more than rsp. A non-canonical one becomes the
 * guest's #GP(0) at that rip (from the mode the iret went to); one in the
 * hypervisor hole, a #PF on the fetch. The hook resumes the user code.
 */
static bool bad_rip_hook(struct cpu_regs *regs)
{
    if ((regs->vector != 13 && regs->vector != 14) || regs->rip != seen.rip)
        return false;
    seen.count++;
    seen.vector = regs->vector;
    seen.ec = regs->error_code;
    seen.cs = regs->cs;
    seen.rsp = regs->rsp;
    regs->rsp = (unsigned long)user_stack_top;
    regs->rip = (unsigned long)iu_push_resume;
    return true;
}

static void bad_rip(unsigned long rip, long vector)
{
    char what[160];
    unsigned long rv, rsp = (unsigned long)user_stack_top - 128;

    memset(&seen, 0, sizeof(seen));
    seen.rip = rip;
    trap_hook = bad_rip_hook;
    rv = user_enter(rip, rsp, EFLAGS_IF, 0, 0);
    trap_hook = NULL;
    snprintf(what, sizeof(what), "iret to user mode at rip %#lx: the guest gets %s there, from "
             "user mode", rip, vector == 13 ? "#GP(0)" : "#PF");
    check(rv == 0x600d && seen.count == 1 && (long)seen.vector == vector &&
          (vector != 13 || seen.ec == 0) && (vector != 14 || last_trap.cr2 == rip) &&
          seen.cs == USER_CS && seen.rsp == rsp, what,
          "rv %#lx count %lu vector %lu ec %#lx cs %#lx rsp %#lx cr2 %#lx", rv, seen.count,
          seen.vector, seen.ec, seen.cs, seen.rsp, (unsigned long)last_trap.cr2);
}

void test_main(void)
{
    events_enable();
    if (!user_init())
        return;
    report_rsp((unsigned long)user_stack_top - 64);  /* canonical control */
    for (size_t i = 0; i < ARRAY_SIZE(bad_rsp); i++)
        report_rsp(bad_rsp[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bad_rsp); i++)
        push_faults(bad_rsp[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bad_rsp); i++)
        sysret_shaped(bad_rsp[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bad_rsp); i++)
        kernel_iret(bad_rsp[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bad_rsp); i++)
        bad_rip(bad_rsp[i], 13);
    bad_rip(0xffff830000100000UL, 14);               /* the hypervisor image */
    bad_rip(0xffff800000000000UL, 14);               /* the read-only M2P */
}
