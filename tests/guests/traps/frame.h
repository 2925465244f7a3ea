/* frame.h: run one instruction that faults/traps, then compare Xen's bounce frame. */
#ifndef TRAPS_FRAME_H
#define TRAPS_FRAME_H
#include "guest.h"

#define MARK_RCX 0x1c1c1c1cUL
#define MARK_R11 0x11111111UL
#define X86_EFLAGS_TF 0x100UL
#define X86_EFLAGS_IF 0x200UL
#define X86_EFLAGS_RF 0x10000UL
#define X86_EFLAGS_AC 0x40000UL

/* What the guest knew just before the instruction. */
struct site {
    uint64_t fault;   /* address of the instruction */
    uint64_t next;    /* address after it */
    uint64_t rsp;     /* rsp at the instruction */
    uint64_t rflags;  /* rflags at the instruction (real: IF always 1) */
};

/*
 * SETUP runs first (may clobber rax, rdx, r8, flags), then rcx/r11 get markers and the
 * site is recorded; INSN is expected to trap.  On a fault execution resumes after INSN
 * (exception table), on a trap it continues there anyway.  CLEANUP runs after both.
 */
#define RUN_SITE(s, setup, insn, cleanup)                                          \
    asm volatile(setup "\n\t"                                                       \
                 "lea 1f(%%rip), %[f]\n\t"                                          \
                 "lea 2f(%%rip), %[n]\n\t"                                          \
                 "pushf\n\t"                                                        \
                 "pop %[fl]\n\t"                                                    \
                 "mov $0x1c1c1c1c, %%ecx\n\t"                                       \
                 "mov $0x11111111, %%r11d\n\t"                                      \
                 "mov %%rsp, %[sp]\n"                                               \
                 "1: " insn "\n"                                                    \
                 "2:\n\t" cleanup "\n"                                              \
                 _EXTABLE(1b, 2b)                                                   \
                 : [f] "=&r"((s).fault), [n] "=&r"((s).next), [sp] "=&r"((s).rsp),  \
                   [fl] "=&r"((s).rflags)                                           \
                 :                                                                  \
                 : "rax", "rcx", "rdx", "r8", "r11", "memory", "cc")

enum rip_kind { AT_FAULT, AFTER };
#define NOEC (-1L)          /* vector pushes no error code */
#define EC_INT_GP (-2L)     /* #GP from int $n: (n<<3)|2 (n read from the instruction) */
extern bool qemu_tcg_idt_ec_bug;

struct expect {
    const char *name;
    unsigned int vector;
    long error_code;        /* >= 0, NOEC or EC_INT_GP */
    enum rip_kind rip;
    uint8_t mask;           /* upcall mask before delivery */
    bool masks_events;      /* trap_info flag bit 2: handler runs with the mask set */
};

bool check_frame(const struct expect *e, const struct site *s, unsigned long count_before);

#endif
