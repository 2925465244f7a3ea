/* fpu.c: #NM (virtual CR0.TS via fpu_taskswitch), #MF (x87), #XM (SSE), #AC. */
#include "frame.h"
#include "hypercall.h"
#include "traps.h"

void test_nm(void)
{
    struct expect e = { "#NM after fpu_taskswitch(1)", 7, NOEC, AT_FAULT, 0, false };
    struct site s;
    unsigned long n;
    long rc = hc_fpu_taskswitch(1);

    check_eq(rc, 0, "fpu_taskswitch(1)");
    n = last_trap.count;
    RUN_SITE(s, "", "fnop", "");
    check_frame(&e, &s, n);
    /* Xen clears the virtual TS when it delivers #NM (the guest sees CR0.TS=0 afterwards). */
    n = last_trap.count;
    RUN_SITE(s, "", "fnop", "");
    check(last_trap.count == n, "#NM delivery clears virtual TS (next x87 insn runs)",
          "second fnop faulted again (vector %lu)", last_trap.regs.vector);
    hc_fpu_taskswitch(1);
    hc_fpu_taskswitch(0);
    n = last_trap.count;
    RUN_SITE(s, "", "fnop", "");
    check(last_trap.count == n, "fpu_taskswitch(0): x87 usable", "faulted, vector %lu",
          last_trap.regs.vector);
}

void test_mf(void)
{
    struct expect e = { "#MF x87 divide-by-zero unmasked, at fwait", 16, NOEC, AT_FAULT, 0, false };
    struct site s;
    unsigned long n = last_trap.count;

    RUN_SITE(s, "fninit; sub $8, %%rsp; fnstcw (%%rsp); andw $0xfffb, (%%rsp); fldcw (%%rsp); "
                "add $8, %%rsp; fldz; fld1; fdiv %%st(1), %%st",
             "fwait", "fninit");
    check_frame(&e, &s, n);
}

uint32_t traps_mxcsr;

void test_xm(void)
{
    struct expect e = { "#XM SSE divide-by-zero unmasked", 19, NOEC, AT_FAULT, 0, false };
    struct site s;
    unsigned long n = last_trap.count;

    RUN_SITE(s, "sub $8, %%rsp; movl $0x1d80, (%%rsp); ldmxcsr (%%rsp); add $8, %%rsp; "
                "xorps %%xmm0, %%xmm0; mov $1, %%eax; cvtsi2ss %%eax, %%xmm1",
             "divss %%xmm0, %%xmm1",
             "stmxcsr traps_mxcsr(%%rip); "
             "sub $8, %%rsp; movl $0x1f80, (%%rsp); ldmxcsr (%%rsp); add $8, %%rsp");
    if (last_trap.count == n && (traps_mxcsr & 0x4)) {
        info("#XM not raised although MXCSR.ZE=1 and ZM=0 (QEMU TCG has no #XM); skipped");
        return;
    }
    check_frame(&e, &s, n);
}

/* #AC needs CR0.AM (the hypervisor's choice) and an emulator that checks alignment. */
void test_ac(void)
{
    struct expect e = { "#AC unaligned access with EFLAGS.AC", 17, 0, AT_FAULT, 0, false };
    struct site s;
    unsigned long n = last_trap.count;

    RUN_SITE(s, "pushf; orl $0x40000, (%%rsp); popf", "mov 1(%%rsp), %%rax",
             "pushf; andl $0xfffbffff, (%%rsp); popf");
    if (last_trap.count == n) {
        info("#AC not raised (CR0.AM clear or not emulated: QEMU TCG has no #AC); skipped");
        return;
    }
    check_frame(&e, &s, n);
}
