/*
 * head.S: ELF notes, entry point, hypercall page, exception/event entry stubs.
 *
 * Every stub normalises Xen's bounce frame
 *     rcx, r11, [error code], rip, cs (saved upcall mask in bits 32-39), rflags, rsp, ss
 * into struct cpu_regs (guest.h), calls a C handler with it, and returns with
 * the iret hypercall (through the hypercall page, or `syscall` in direct mode).
 */
#include <xen/elfnote.h>
#include <xen/xen.h>

#define ELFNOTE(type, desc...)                  \
        .pushsection .note.Xen, "a", @note;     \
        .balign 4;                              \
        .long 2f - 1f; .long 4f - 3f; .long type; \
1:      .asciz "Xen";                           \
2:      .balign 4;                              \
3:      desc;                                   \
4:      .balign 4;                              \
        .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS,       .asciz "pvtest")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION,  .asciz "1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER,         .asciz "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE,      .quad 0xffffffff80000000)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET,   .quad 0)
ELFNOTE(XEN_ELFNOTE_ENTRY,          .quad _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
ELFNOTE(XEN_ELFNOTE_FEATURES,       .asciz "!writable_page_tables|pae_pgdir_above_4gb")
ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long (1 << 11)) /* XENFEAT_dom0: Xen boots us as dom0 */
ELFNOTE(XEN_ELFNOTE_PAE_MODE,       .asciz "yes")

        .section .text.head, "ax", @progbits
        .code64
        .globl _start
_start:
        cld
        lea     boot_stack_top(%rip), %rsp
        mov     %rsi, %rdi              /* start_info (virtual) */
        call    guest_start
        ud2

/* The loader overwrites this page; int3 filler lets guest_start detect that it did not. */
        .section .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl hypercall_page
hypercall_page:
        .fill 4096, 1, 0xcc

        .text
/* Stubs: vector without error code pushes ~0 so both kinds share one layout. */
.macro TRAP_STUB vec, has_ec
        .balign 16
        .globl trap_stub_\vec
trap_stub_\vec:
        pop     %rcx
        pop     %r11
        .if \has_ec == 0
        push    $-1
        .endif
        push    $\vec
        jmp     common_entry
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31,32,33,34,35,68,70,128
        TRAP_STUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
        TRAP_STUB \v, 1
.endr

        .balign 16
        .globl event_stub
event_stub:
        pop     %rcx
        pop     %r11
        push    $-1
        push    $0x100
        jmp     common_entry

        .balign 16
        .globl failsafe_stub
failsafe_stub:
        mov     %rsp, %rdi
        call    do_failsafe
        ud2

/*
 * Stack on arrival: vector, error code, rip, cs, rflags, rsp, ss.
 * Build the rest of struct cpu_regs below it: frame, entry_mask, then the GPRs.
 */
common_entry:
        sub     $16, %rsp               /* frame, entry_mask: filled in by do_entry() */
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rax
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, %rdi
        call    do_entry
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rax
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $32, %rsp               /* frame, entry_mask, vector, error code */
        /* rip, cs, rflags, rsp, ss are left: the iret hypercall frame minus 4 slots. */
        .globl hypercall_iret
hypercall_iret:
        pushq   $0                      /* flags: not VGCF_in_syscall, rcx/r11 restored */
        testb   $1, hc_direct(%rip)
        jnz     1f
        jmp     hypercall_page + __HYPERVISOR_iret * 32
1:      push    %rcx
        push    %r11
        push    %rax
        mov     $__HYPERVISOR_iret, %eax
        syscall
        ud2

        .bss
        .balign 4096
boot_stack:
        .skip 4 * 4096
boot_stack_top:
