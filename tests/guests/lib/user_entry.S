/*
 * user_entry.S: into guest user mode with the iret hypercall, and back with
 * the guest's own syscall callback (which discards the bounce frame and
 * resumes the kernel where user_enter_raw was called).
 */
#include <xen/xen.h>

        .text
/* unsigned long user_enter_raw(rip, rsp, rflags, b, c): rdi rsi rdx rcx r8 */
        .globl user_enter_raw
user_enter_raw:
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, user_kernel_rsp(%rip)
        mov     %rcx, %rbx
        mov     %r8, %r12
        pushq   $FLAT_USER_SS
        push    %rsi
        push    %rdx
        pushq   $FLAT_USER_CS
        push    %rdi
        jmp     hypercall_iret          /* head.S: flags 0, then the iret hypercall */

/* Registered as CALLBACKTYPE_syscall: the user code is done; rax is its result. */
        .globl user_syscall_stub
user_syscall_stub:
        mov     user_kernel_rsp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret

/* In user mode: rbx = fn, r12 = arg; fn's value goes back through syscall. */
        .globl user_trampoline
user_trampoline:
        mov     %r12, %rdi
        call    *%rbx
        syscall
        ud2

        .bss
        .balign 16
        .globl user_kernel_rsp
user_kernel_rsp:
        .quad 0
        .balign 4096
user_stack:
        .skip 4 * 4096
        .globl user_stack_top
user_stack_top:
