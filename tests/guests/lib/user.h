/*
 * user.h: guest user mode for the test guests. user_init() gives the guest
 * user page tables (the kernel's own L4: every guest mapping is a user
 * mapping for a PV guest), a syscall callback and a kernel stack for
 * traps from user mode. user_enter() irets into user mode (cs RPL 3) and
 * comes back when the user code executes `syscall`; traps taken in user
 * mode go through the usual stubs (exception table and trap_hook work, the
 * stub's iret returns to user mode).
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H
#include "guest.h"

#define USER_CS FLAT_USER_CS           /* 0xe033: RPL 3 means guest user mode */
#define USER_SS FLAT_USER_SS
#define EFLAGS_IF   0x200UL
#define EFLAGS_IOPL 0x3000UL

extern char user_stack_top[];          /* a user stack for user_call() */
/* User-mode code that calls rbx(r12) and hands its value back with `syscall`. */
extern char user_trampoline[];

bool user_init(void);
/*
 * iret to user mode at rip with rsp and rflags; rbx and r12 carry b and c
 * into user mode. Returns the rax of the user's `syscall`; the event mask is
 * what it was before.
 */
unsigned long user_enter(unsigned long rip, unsigned long rsp, unsigned long rflags,
                         unsigned long b, unsigned long c);
/* Runs fn(arg) in user mode on user_stack_top with rflags; returns fn's value. */
unsigned long user_call_flags(unsigned long (*fn)(unsigned long), unsigned long arg,
                              unsigned long rflags);
static inline unsigned long user_call(unsigned long (*fn)(unsigned long), unsigned long arg)
{
    return user_call_flags(fn, arg, EFLAGS_IF);
}
#endif
