/*
 * Loading guest-controlled values into the CPU from ring 0. A segment
 * selector, an MSR value or an FPU image that came from a guest can make the
 * loading instruction fault; in ring 0 an unhandled fault is a hypervisor
 * panic. So every such load in arch/x86 goes through one of these, each with
 * an exception-table fixup that falls back to a safe value and reports it,
 * as Xen's loaders do. The rule and the audit are in docs/security.md.
 *
 * Loads of values the hypervisor itself validated before storing them
 * (debug registers: pv/debugreg.c; descriptor tables: pv/descriptor.c and
 * pv/ldt.c; CR3: page types) need no fixup and do not come here.
 */
#include <hv/lib.h>
#include <asm/msr.h>
#include <asm/fpu.h>
#include <asm/guest_load.h>

/* One faulting instruction at label 1; its fixup clears `ok` and resumes at 2. */
#define FIXUP_ENTRY                                                    \
    ".pushsection __ex_table, \"a\"\n .quad 1b, 3f\n .popsection\n"     \
    ".pushsection .text.fixup, \"ax\"\n"                               \
    "3: xor %k[ok], %k[ok]\n jmp 2b\n .popsection\n"

#define LOAD_SEG(reg, sel, ok)                                         \
    asm volatile("1: mov %k[s], %%" reg "\n2:\n" FIXUP_ENTRY             \
                 : [ok] "+r"(ok) : [s] "r"((u32)(sel)) : "memory")

/*
 * Loads `sel` into a data segment register. A selector the CPU refuses
 * (past the GDT/LDT limit, LDT with no LDT, DPL below 3, a system
 * descriptor, not present) leaves the null selector instead: the return
 * value is what the register holds now.
 */
u16 load_segment_safe(enum seg_reg which, u16 sel)
{
    unsigned long ok = 1;

    switch (which) {
    case SEG_DS: LOAD_SEG("ds", sel, ok); break;
    case SEG_ES: LOAD_SEG("es", sel, ok); break;
    case SEG_FS: LOAD_SEG("fs", sel, ok); break;
    case SEG_GS: LOAD_SEG("gs", sel, ok); break;
    }
    if (ok)
        return sel;
    load_segment_safe(which, 0);                     /* a null selector never faults */
    return 0;
}

/* WRMSR that reports a refused value (reserved bits, non-canonical base). */
bool wrmsr_safe(u32 msr, u64 val)
{
    unsigned long ok = 1;

    asm volatile("1: wrmsr\n2:\n" FIXUP_ENTRY
                 : [ok] "+r"(ok)
                 : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
    return ok;
}

static bool fpu_restore_once(void *area)
{
    unsigned long ok = 1;

    if (fpu_xsave_size())
        asm volatile("1: xrstor64 (%[p])\n2:\n" FIXUP_ENTRY
                     : [ok] "+r"(ok)
                     : [p] "r"(area), "a"((u32)fpu_xcr0()), "d"((u32)(fpu_xcr0() >> 32))
                     : "memory");
    else
        asm volatile("1: fxrstor64 (%[p])\n2:\n" FIXUP_ENTRY
                     : [ok] "+r"(ok) : [p] "r"(area) : "memory");
    return ok;
}

/*
 * Restores an FPU image. One the CPU refuses (reserved MXCSR bits, a bad
 * XSAVE header) is replaced by the initial state, which is then loaded:
 * the vCPU loses its FPU state, the hypervisor keeps running.
 */
bool fpu_restore_safe(void *area)
{
    if (fpu_restore_once(area))
        return true;
    memset(area, 0, fpu_area_size());
    fpu_area_init(area);
    fpu_restore_once(area);
    return false;
}
