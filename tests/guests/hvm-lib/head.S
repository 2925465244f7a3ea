/*
 * HVM test guest entry: the hypervisor starts us in 32-bit protected mode,
 * paging off, flat segments (CS 0x08, data 0x10), interrupts off, EBX =
 * our memory size. We load our own GDT (same selectors) and IDT, then
 * hvm_main(mem_bytes).
 */
    .section .text.start, "ax"
    .code32
    .global _start
_start:
    cli
    lgdt    gdt_desc
    ljmp    $0x08, $1f
1:  mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %ax, %fs
    mov     %ax, %gs
    mov     $stack_top, %esp
    push    %ebx
    call    hvm_idt_init
    call    hvm_main
    push    $3                      /* hvm_main returned: SHUTDOWN_crash */
    call    hvm_shutdown

/* Exception stubs, 16 bytes apart: vector, then a zero error code where the CPU pushes none. */
    .align 16
    .global hvm_exc_stubs
hvm_exc_stubs:
    .set vec, 0
    .rept 32
    .align 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17)
    .else
    pushl   $0
    .endif
    pushl   $vec
    jmp     exc_common
    .set vec, vec + 1
    .endr

/* A fault the test expects resumes at fault_resume; any other ends the guest (hvm.c). */
exc_common:
    push    %eax
    mov     4(%esp), %eax
    mov     %eax, fault_vec
    mov     fault_resume, %eax
    test    %eax, %eax
    jz      2f
    mov     %eax, 12(%esp)          /* eax, vector, error, EIP */
    movl    $0, fault_resume
    pop     %eax
    add     $8, %esp
    iret
2:  pushl   12(%esp)                /* EIP */
    pushl   8(%esp)                 /* vector */
    call    hvm_unexpected_fault

    .data
    .align 8
gdt:
    .quad   0
    .quad   0x00cf9b000000ffff      /* 0x08: code, flat */
    .quad   0x00cf93000000ffff      /* 0x10: data, flat */
gdt_desc:
    .word   gdt_desc - gdt - 1
    .long   gdt

    .bss
    .align 16
    .space  16384
stack_top:
