/*
 * Every way into the hypervisor: exceptions and interrupts (IDT stubs) and
 * SYSCALL (hypercalls from guest-kernel mode, system calls from guest user
 * mode). All build the same frame, Xen's struct cpu_user_regs, at the top
 * of the current vCPU's hypervisor stack, and all go back to a guest through
 * hv_return_to_guest, which delivers pending work before the IRETQ.
 */
#include <asm/layout.h>

#define ENTRY(name) .global name; .type name, @function; name:

.macro SAVE_ALL
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rax
    push %r8
    push %r9
    push %r10
    push %r11
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro RESTORE_ALL
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rax
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
.endm

#define REGS_CS 0x88                      /* offsetof(struct cpu_user_regs, cs) */
#define REGS_SIZE 0xa8                    /* offsetof(struct cpu_user_regs, es): the frame */

    .text
/*
 * Vector stubs, 16 bytes apart: those without a CPU error code push a zero
 * one. #DB, NMI and #MC arrive on IST stacks (cpu.c) and go through
 * hv_ist_entry; #DF (IST too) never returns, so it needs no move.
 */
    .align 16
ENTRY(hv_vector_stubs)
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    movl $vec, 4(%rsp)
    .else
    pushq $0
    movl $vec, 4(%rsp)
    .endif
    .if (vec == 1) || (vec == 2) || (vec == 18)
    jmp hv_ist_entry
    .else
    jmp hv_entry_common
    .endif
    .set vec, vec + 1
    .endr

/*
 * The paths every hypercall, guest exception and return take live in
 * .text.hot_path, one page with the C code they call (__hot_path): under
 * QEMU TCG only jumps inside a page are chained (docs/performance.md).
 */
    .section .text.hot_path, "ax"
    /*
     * Aligned where no other lookup target of the hypercall, unknown
     * hypercall and trap bounce paths shares its jump-cache entry
     * (bench/tcg-count.py's "jc collisions"; docs/performance.md). Which
     * addresses collide moves with every change to this page: recount.
     */
    .align 64
ENTRY(hv_entry_common)
    SAVE_ALL
    cld
hv_entry_dispatch:
    mov     %rsp, %rdi
    call    hv_trap_entry
    testb   $3, REGS_CS(%rsp)
    jnz     hv_return_to_guest
    RESTORE_ALL                           /* interrupted the hypervisor (idle) */
    add     $8, %rsp
    iretq

    .text
/*
 * An exception on an IST stack. The IST is what makes #DB safe when it is
 * raised on the first instruction of hv_syscall_entry, where rsp is still
 * the guest's (MOV SS / POP SS then SYSCALL: CVE-2018-8897): the CPU never
 * pushes onto a stack the guest chose. From the hypervisor the frame is
 * handled where it is. From a guest it moves to the vCPU's own stack,
 * where the return path expects it and may switch stacks (schedule); the
 * IST stack is then free for the next one.
 */
ENTRY(hv_ist_entry)
    SAVE_ALL
    cld
    testb   $3, REGS_CS(%rsp)
    jz      hv_entry_dispatch
    call    hv_ist_frame_top               /* this CPU's vCPU frame (cpu.c); regs are saved */
    mov     %rsp, %rsi
    mov     %rax, %rdi
    sub     $REGS_SIZE, %rdi
    mov     %rdi, %rsp
    mov     $REGS_SIZE / 8, %ecx
    rep movsq
    jmp     hv_entry_dispatch

    .section .text.hot_path, "ax"
/*
 * SYSCALL: interrupts are off (SFMASK), rsp is still the guest's. Switch to
 * the current vCPU's frame and build the same frame an interrupt would.
 * Which frame: each CPU's LSTAR points at code that names its own slot of
 * hv_entry_percpu by address (no %gs: the guest owns it). This is CPU 0's,
 * in the hot page; the other CPUs' are hv_syscall_stubs below.
 */
ENTRY(hv_syscall_entry)
    mov     %rsp, hv_entry_percpu + ENTRY_SCRATCH(%rip)
    mov     hv_entry_percpu + ENTRY_FRAME_TOP(%rip), %rsp
    pushq   $0xe02b                        /* FLAT_USER_SS */
    pushq   hv_entry_percpu + ENTRY_SCRATCH(%rip)   /* guest rsp */
hv_syscall_common:
    push    %r11                           /* guest rflags */
    pushq   $0xe033                        /* FLAT_USER_CS */
    push    %rcx                           /* guest rip */
    pushq   $0
    movl    $TRAP_SYSCALL_VECTOR, 4(%rsp)
    SAVE_ALL
    cld
    mov     %rsp, %rdi
    call    hv_syscall
    /* fall through */

ENTRY(hv_return_to_guest)
    cli
    mov     %rsp, %rdi
    call    hv_prepare_return              /* nonzero: the frame is SYSRET-shaped */
    test    %eax, %eax
    jnz     1f
    RESTORE_ALL
    add     $8, %rsp
ENTRY(hv_iret_to_guest)
    iretq
    /*
     * Fast path: rcx == rip, r11 == rflags, flat selectors, canonical rip
     * (checked in C), so SYSRET loads exactly what IRETQ would.
     */
1:  RESTORE_ALL
    mov     32(%rsp), %rsp                 /* guest rsp (frame: vector, rip, cs, rflags, rsp) */
    sysretq

    .text
/*
 * SYSCALL entry of CPU n (LSTAR = hv_syscall_stubs + n * 32; CPU 0 uses
 * hv_syscall_entry): the same first four instructions on slot n, then the
 * common path. 32 bytes each; the first instruction still runs on the
 * guest's rsp, so the #DB IST rule above holds here too.
 */
    .align 32
ENTRY(hv_syscall_stubs)
    .set cpu, 0
    .rept HV_ENTRY_CPUS
1:  mov     %rsp, hv_entry_percpu + cpu * ENTRY_SLOT_SIZE + ENTRY_SCRATCH(%rip)
    mov     hv_entry_percpu + cpu * ENTRY_SLOT_SIZE + ENTRY_FRAME_TOP(%rip), %rsp
    pushq   $0xe02b
    pushq   hv_entry_percpu + cpu * ENTRY_SLOT_SIZE + ENTRY_SCRATCH(%rip)
    jmp     hv_syscall_common
    .org    1b + 32, 0xcc                  /* an error if a stub outgrew its 32 bytes */
    .set cpu, cpu + 1
    .endr

/* A new vCPU's first run: arch_switch_stack "returns" here with rsp at its frame. */
ENTRY(hv_vcpu_first_entry)
    call    sched_switch_done              /* the vCPU this CPU left may run elsewhere now */
    jmp     hv_return_to_guest

/*
 * arch_switch_stack(unsigned long *save_rsp, unsigned long new_rsp):
 * callee-saved registers stay on the old stack.
 */
ENTRY(arch_switch_stack)
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, (%rdi)
    mov     %rsi, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret

/*
 * size_t arch_copy_raw(void *dst, const void *src, size_t len): returns the
 * bytes left uncopied (0: all copied). Up to 15 whole quadwords (bounce and
 * iret frames, hypercall arguments) take the short path: a computed jump
 * into a straight run of moves, because under QEMU TCG `rep movsq` runs one
 * translated block per quadword (docs/performance.md); a fault there
 * reports all `len` bytes as left (callers test for zero). Everything else:
 * quadwords, then the tail; a page fault in either loop resumes at its
 * fixup (exception table) with the count left.
 */
    .section .text.hot_path, "ax"
ENTRY(arch_copy_raw)
    test    $~0x78, %rdx                   /* one test: a multiple of 8, at most 120 */
    jnz     5f
    add     %rdx, %rsi                     /* both at their ends: the run */
    add     %rdx, %rdi                     /* copies at -8k for k = n .. 1 */
    lea     7f(%rip), %rax
    sub     %rdx, %rax                     /* each move pair is 8 bytes: n pairs back */
    jmp     *%rax
6:
    .irp k, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1
10: mov     -8*\k(%rsi), %r8              /* 4 bytes each (disp8) */
    .section __ex_table, "a"
    .quad 10b, 8f
    .previous
10: mov     %r8, -8*\k(%rdi)
    .section __ex_table, "a"
    .quad 10b, 8f
    .previous
    .endr
7:  xor     %eax, %eax
    ret
    .if (7b - 6b) != 120
    .error "arch_copy_raw: the move run must be 8 bytes a quadword"
    .endif
8:  mov     %rdx, %rax                     /* a fault on the short path */
    ret
5:  mov     %rdx, %rcx
    shr     $3, %rcx
1:  rep movsq
    mov     %rdx, %rcx
    and     $7, %rcx
2:  rep movsb
3:  mov     %rcx, %rax
    ret
4:  shl     $3, %rcx                       /* fault in the quadword loop */
    and     $7, %edx
    add     %rdx, %rcx
    jmp     3b
    .section __ex_table, "a"
    .quad 1b, 4b
    .quad 2b, 3b
    .previous
    .text

/*
 * Per CPU: the running vCPU's frame top (cpu_set_kernel_stack) and the
 * guest rsp while SYSCALL switches stacks; a cache line each.
 */
    .section .bss
    .align 64
    .global hv_entry_percpu
hv_entry_percpu:
    .skip HV_ENTRY_CPUS * ENTRY_SLOT_SIZE
