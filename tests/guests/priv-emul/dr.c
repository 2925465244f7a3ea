/* dr.c: mov to/from debug registers in the guest kernel; forced CPUID from both modes. */
#include "priv.h"

#define MOV_TO_DR(n, v)   TRY("mov %0, %%db" #n, :: "r"((unsigned long)(v)) : "memory")
#define MOV_FROM_DR(n, v) TRY("mov %%db" #n ", %0", : "+r"(v) :: "memory")

static unsigned long dr_scratch;

static void dr_values(void)
{
    unsigned long before, v = 0;

    before = last_trap.count;
    MOV_TO_DR(0, &dr_scratch);
    MOV_FROM_DR(0, v);
    check(trapped(before) == NO_TRAP && v == (unsigned long)&dr_scratch,
          "mov to/from %dr0 (a guest address)", "v %#lx, exception %ld", v, trapped(before));
    check_eq(hc_get_debugreg(0), (long)&dr_scratch, "get_debugreg(0) sees the mov to %dr0");
    check_eq(hc_set_debugreg(3, 0x1000), 0, "set_debugreg(3, 0x1000)");
    v = 0;
    MOV_FROM_DR(3, v);
    check_eq((long)v, 0x1000, "mov from %dr3 sees set_debugreg(3)");

    before = last_trap.count;
    MOV_TO_DR(1, 0xffff830000000000UL);
    check_trap(before, 13, 0, "mov to %dr1 of a hypervisor address: #GP(0)");
    check_eq(hc_get_debugreg(1), 0, "... and %dr1 unchanged");
    before = last_trap.count;
    MOV_TO_DR(2, 0x8000000000000000UL);
    check_trap(before, 13, 0, "mov to %dr2 of a non-canonical address: #GP(0)");
}

static void dr6_dr7(void)
{
    unsigned long before, v = 0;

    MOV_TO_DR(6, 0);
    MOV_FROM_DR(6, v);
    check_eq((long)v, 0xffff0ff0L, "mov 0 to %dr6 reads back 0xffff0ff0 (reserved bits)");
    MOV_TO_DR(7, 0);
    v = 0;
    MOV_FROM_DR(7, v);
    check_eq((long)v, 0x400, "mov 0 to %dr7 reads back 0x400 (reserved bit 10)");
    before = last_trap.count;
    MOV_TO_DR(7, 1UL << 13);
    check_trap(before, 13, 0, "mov to %dr7 with general detect: #GP(0)");
    before = last_trap.count;
    MOV_TO_DR(7, 1UL << 32);
    check_trap(before, 13, 0, "mov to %dr7 with bit 32: #GP(0)");
    before = last_trap.count;
    MOV_TO_DR(7, 0x1UL | (2UL << 16));
    check_trap(before, 13, 0, "mov to %dr7 enabling an I/O breakpoint (no CR4.DE): #GP(0)");
    before = last_trap.count;
    MOV_TO_DR(6, 1UL << 40);
    check_trap(before, 13, 0, "mov to %dr6 with bit 40: #GP(0)");
    v = 0;
    MOV_FROM_DR(4, v);
    check_eq((long)v, 0xffff0ff0L, "mov from %dr4 = %dr6 (CR4.DE clear)");
    MOV_TO_DR(5, 0);
    check_eq(hc_get_debugreg(7), 0x400, "mov to %dr5 = mov to %dr7 (CR4.DE clear)");
    before = last_trap.count;
    TRY(".byte 0x44, 0x0f, 0x21, 0xc0", ::: "rax", "memory");   /* mov %dr8, %rax */
    check_trap(before, 6, -1, "mov from %dr8 (REX.R): #UD");
    before = last_trap.count;
    TRY(".byte 0x44, 0x0f, 0x23, 0xc8", ::: "memory");           /* mov %rax, %dr9 */
    check_trap(before, 6, -1, "mov to %dr9 (REX.R): #UD");
}

/* With CR4.DE (when the guest may set it) DR4/DR5 no longer exist: #UD, -ENODEV. */
static void dr4_with_de(void)
{
    unsigned long cr4 = 0, now = 0, before, v = 0;

    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" :: "r"(cr4 | 8));
    asm volatile("mov %%cr4, %0" : "=r"(now));
    if (!(now & 8)) {
        info("CR4.DE not settable here (cr4 %#lx): DR4/DR5 with DE not checked", now);
        return;
    }
    before = last_trap.count;
    MOV_FROM_DR(4, v);
    check_trap(before, 6, -1, "CR4.DE set: mov from %dr4: #UD");
    before = last_trap.count;
    MOV_TO_DR(5, 0);
    check_trap(before, 6, -1, "CR4.DE set: mov to %dr5: #UD");
    check_eq(hc_get_debugreg(4), -ENODEV, "CR4.DE set: get_debugreg(4) = -ENODEV");
    check_eq(hc_set_debugreg(5, 0), -ENODEV, "CR4.DE set: set_debugreg(5) = -ENODEV");
    asm volatile("mov %0, %%cr4" :: "r"(cr4 & ~8UL));
}

/* An instruction breakpoint set only through mov: the #DB arrives, DR6 says B0. */
static bool bp_hook(struct cpu_regs *regs)
{
    if (regs->vector != 1)
        return false;
    regs->rflags |= EFLAGS_RF;                        /* resume over the breakpoint */
    return true;
}

static void dr_breakpoint(void)
{
    extern char priv_bp_insn[];
    unsigned long before = last_trap.count, dr6 = 0;

    MOV_TO_DR(6, 0);
    MOV_TO_DR(0, priv_bp_insn);
    MOV_TO_DR(7, 0x1);                                /* L0, execute, 1 byte */
    trap_hook = bp_hook;
    asm volatile(".globl priv_bp_insn\npriv_bp_insn: nop" ::: "memory");
    trap_hook = NULL;
    MOV_TO_DR(7, 0);
    MOV_FROM_DR(6, dr6);
    check(trapped(before) == 1 && last_trap.regs.rip == (unsigned long)priv_bp_insn,
          "breakpoint set by mov to %dr0/%dr7 raises #DB at the instruction",
          "exception %ld at %#lx", trapped(before), (unsigned long)last_trap.regs.rip);
    check(dr6 & 1, "mov from %dr6 after the breakpoint: B0 set", "dr6 %#lx", dr6);
    MOV_TO_DR(0, 0);
}

static unsigned long user_mov_dr(unsigned long which)
{
    unsigned long v = 0;

    if (which)
        MOV_FROM_DR(7, v);
    else
        MOV_TO_DR(0, &dr_scratch);
    return v;
}

void test_debugregs(void)
{
    unsigned long before;

    dr_values();
    dr6_dr7();
    dr4_with_de();
    dr_breakpoint();
    before = last_trap.count;
    user_call(user_mov_dr, 0);
    check_trap(before, 13, 0, "user mode: mov to %dr0: #GP(0)");
    check(last_trap.regs.cs == USER_CS, "... delivered from user mode (cs RPL 3)", "cs %#lx",
          (unsigned long)last_trap.regs.cs);
    before = last_trap.count;
    user_call(user_mov_dr, 1);
    check_trap(before, 13, 0, "user mode: mov from %dr7: #GP(0)");
    check_eq(hc_get_debugreg(0), 0, "... %dr0 unchanged by the user-mode attempt");
}

/* Forced CPUID: ud2; "xen"; cpuid. */
static uint32_t cpuid_out[4];

static unsigned long forced_cpuid(unsigned long leaf)
{
    uint32_t a, b, c, d;

    asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                 : "0"((uint32_t)leaf), "2"(0));
    cpuid_out[0] = a, cpuid_out[1] = b, cpuid_out[2] = c, cpuid_out[3] = d;
    return a;
}

static unsigned long bad_forced_prefix(unsigned long unused)
{
    TRY("ud2; .ascii \"xen\"; nop", ::: "memory");
    return 0;
}

void test_forced_cpuid(void)
{
    uint32_t k[4];
    unsigned long before;

    forced_cpuid(0x40000000);
    check(cpuid_out[1] == 0x566e6558 && cpuid_out[2] == 0x65584d4d && cpuid_out[3] == 0x4d4d566e,
          "kernel mode: forced CPUID 0x40000000 = XenVMMXenVMM", "%#x %#x %#x", cpuid_out[1],
          cpuid_out[2], cpuid_out[3]);
    forced_cpuid(0);
    memcpy(k, cpuid_out, sizeof(k));
    before = last_trap.count;
    memset(cpuid_out, 0, sizeof(cpuid_out));
    user_call(forced_cpuid, 0x40000000);
    check(trapped(before) == NO_TRAP && cpuid_out[1] == 0x566e6558 && cpuid_out[2] == 0x65584d4d,
          "user mode: forced CPUID 0x40000000 = XenVMMXenVMM (emulated, no exception)",
          "exception %ld; %#x %#x", trapped(before), cpuid_out[1], cpuid_out[2]);
    memset(cpuid_out, 0, sizeof(cpuid_out));
    user_call(forced_cpuid, 0);
    check(!memcmp(k, cpuid_out, sizeof(k)), "user mode: forced CPUID leaf 0 = kernel mode's",
          "%#x %#x %#x %#x", cpuid_out[0], cpuid_out[1], cpuid_out[2], cpuid_out[3]);
    memset(cpuid_out, 0, sizeof(cpuid_out));
    user_call(forced_cpuid, 1);
    check(cpuid_out[2] & (1u << 31), "user mode: forced CPUID leaf 1 has the hypervisor bit",
          "ecx %#x", cpuid_out[2]);
    before = last_trap.count;
    user_call(bad_forced_prefix, 0);
    check_trap(before, 6, -1, "user mode: ud2; \"xen\"; nop: #UD");
    before = last_trap.count;
    bad_forced_prefix(0);
    check_trap(before, 6, -1, "kernel mode: ud2; \"xen\"; nop: #UD");
}
