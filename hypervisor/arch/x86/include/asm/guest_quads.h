/*
 * Guest copies of a constant number of whole quadwords, inline: the bounce
 * frame and the iret frame, on every exception bounce and every iret.
 * Through arch_copy_raw's short path each copy costs a call, a computed
 * jump and a return, each one a jump-cache lookup under QEMU TCG
 * (docs/performance.md); inline, none. The caller range-checks the guest
 * address first (guest_range_ok). A page fault on any move resumes at the
 * fixup (exception table, traps.c), out of line, and the copy reports
 * failure; part of the destination may be written by then.
 */
#ifndef ASM_GUEST_QUADS_H
#define ASM_GUEST_QUADS_H

#include <hv/types.h>

/* n quadwords from src to dst, n a compile-time constant; false on a fault. */
static inline __attribute__((always_inline)) bool copy_quads_checked(void *dst, const void *src,
                                                                     unsigned int n)
{
    unsigned long tmp;
    unsigned int fault = 0;

    asm volatile("   .set .Lgq_off, 0\n"
                 "   .rept %c[n]\n"
                 "1: mov .Lgq_off(%[src]), %[tmp]\n"
                 "   .pushsection __ex_table, \"a\"\n"
                 "   .quad 1b, 3f\n"
                 "   .popsection\n"
                 "2: mov %[tmp], .Lgq_off(%[dst])\n"
                 "   .pushsection __ex_table, \"a\"\n"
                 "   .quad 2b, 3f\n"
                 "   .popsection\n"
                 "   .set .Lgq_off, .Lgq_off + 8\n"
                 "   .endr\n"
                 "   .pushsection .text.unlikely, \"ax\"\n"
                 "3: movl $1, %[fault]\n"
                 "   jmp 4f\n"
                 "   .popsection\n"
                 "4:\n"
                 : [fault] "+r"(fault), [tmp] "=&r"(tmp)
                 : [dst] "r"(dst), [src] "r"(src), [n] "i"(n)
                 : "memory");
    return !fault;
}

#endif
