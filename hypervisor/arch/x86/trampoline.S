/*
 * Application-processor start: a SIPI starts the AP in real mode at
 * HV_TRAMPOLINE_PHYS (CS = HV_TRAMPOLINE_PHYS >> 4, IP = 0). smpboot.c
 * copies this block there and fills its parameters (page tables, stack,
 * C entry) before each SIPI. It goes real mode -> 32-bit protected mode ->
 * long mode with the page tables given (an identity map of the trampoline
 * page plus the hypervisor's direct map), then jumps to the direct map.
 * Position: everything here is addressed as HV_TRAMPOLINE_PHYS + offset.
 */
#include <asm/layout.h>

#define T(x) (HV_TRAMPOLINE_PHYS + (x) - ap_trampoline_start)

    .section .rodata.trampoline, "a"
    .code16
    .global ap_trampoline_start, ap_trampoline_end
    .global ap_trampoline_cr3, ap_trampoline_stack, ap_trampoline_entry
ap_trampoline_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    lgdtl   tramp_gdt_desc - ap_trampoline_start
    mov     %cr0, %eax
    or      $1, %eax                     /* PE */
    mov     %eax, %cr0
    ljmpl   $0x08, $T(tramp32)

    .code32
tramp32:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $0x20, %eax                  /* PAE */
    mov     %eax, %cr4
    mov     T(ap_trampoline_cr3), %eax
    mov     %eax, %cr3
    mov     $0xC0000080, %ecx            /* EFER: LME | SCE (NXE: cpu_init_this) */
    rdmsr
    or      $0x101, %eax
    wrmsr
    mov     %cr0, %eax
    or      $0x80010001, %eax            /* PG | WP | PE */
    mov     %eax, %cr0
    ljmp    $0x18, $T(tramp64)

    .code64
tramp64:
    mov     T(ap_trampoline_stack), %rsp
    mov     T(ap_trampoline_entry), %rax
    jmp     *%rax                        /* into the direct map: ap_start() never returns */

    .align 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff             /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff             /* 0x10: data */
    .quad 0x00af9a000000ffff             /* 0x18: 64-bit code */
tramp_gdt_desc:
    .short tramp_gdt_desc - tramp_gdt - 1
    .long T(tramp_gdt)
    .align 8
ap_trampoline_cr3:   .quad 0
ap_trampoline_stack: .quad 0
ap_trampoline_entry: .quad 0
ap_trampoline_end:
