/*
 * Boot entry: Multiboot 1 (QEMU -kernel, via the header's address fields so a
 * flat image loads) and Multiboot 2 (GRUB). Both arrive here in 32-bit
 * protected mode; we map the first 4 GiB twice (identity, and the direct map
 * the image is linked in), enter long mode and call arch_start(magic, info).
 */
#include <asm/layout.h>

#define PA(x) ((x) - HV_DIRECTMAP_BASE)
#define MB1_MAGIC  0x1BADB002
#define MB1_FLAGS  0x00010003            /* page-align modules, memory info, address fields */
#define MB2_MAGIC  0xE85250D6

    .section .text.head, "ax"
    .code32
    .align 4
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long PA(mb1_header)                 /* header_addr */
    .long PA(_start)                     /* load_addr */
    .long PA(_edata)                     /* load_end_addr */
    .long PA(_end)                       /* bss_end_addr */
    .long PA(_start32)                   /* entry_addr */

    .align 8
mb2_header:
    .long MB2_MAGIC
    .long 0                              /* i386 */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    .align 8
    .short 2, 0                          /* address tag */
    .long 24
    .long PA(mb2_header)
    .long PA(_start)
    .long PA(_edata)
    .long PA(_end)
    .align 8
    .short 3, 0                          /* entry address tag */
    .long 12
    .long PA(_start32)
    .align 8
    .short 0, 0                          /* end tag */
    .long 8
mb2_header_end:

    .global _start32
_start32:
    cli
    cld
    mov     %eax, %esi                   /* multiboot magic */
    mov     %ebx, %edi                   /* multiboot info (physical) */

    /* zero .bss (it holds the boot stack and page tables) */
    mov     $PA(__bss_start), %ebx
1:  cmp     $PA(__bss_end), %ebx
    jae     2f
    movl    $0, (%ebx)
    add     $4, %ebx
    jmp     1b
2:
    /* L2: 2048 x 2 MiB pages = 4 GiB; the top GiB (MMIO: APIC, IOAPIC) uncached */
    mov     $PA(boot_l2), %ebx
    xor     %ecx, %ecx
3:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax                  /* present, writable, 2 MiB */
    cmp     $1536, %ecx
    jb      4f
    or      $0x18, %eax                  /* PCD | PWT */
4:  mov     %eax, (%ebx,%ecx,8)
    mov     %ecx, %eax
    shr     $11, %eax                    /* bits 32+ of the address: i >> 11 */
    mov     %eax, 4(%ebx,%ecx,8)
    inc     %ecx
    cmp     $2048, %ecx
    jb      3b

    /* L3[0..3] -> the four L2 pages */
    mov     $PA(boot_l3), %ebx
    mov     $PA(boot_l2) + 3, %eax
    xor     %ecx, %ecx
5:  mov     %eax, (%ebx,%ecx,8)
    add     $4096, %eax
    inc     %ecx
    cmp     $4, %ecx
    jb      5b

    /* L4[0] (identity, for the jump) and L4[262] (direct map) -> L3 */
    mov     $PA(boot_l4), %ebx
    movl    $PA(boot_l3) + 3, (%ebx)
    movl    $PA(boot_l3) + 3, HV_L4_SLOT_DIRECTMAP*8(%ebx)

    mov     %cr4, %eax
    or      $0x20, %eax                  /* PAE */
    mov     %eax, %cr4
    mov     $PA(boot_l4), %eax
    mov     %eax, %cr3
    mov     $0xC0000080, %ecx            /* EFER */
    rdmsr
    or      $0x101, %eax                 /* LME | SCE */
    wrmsr
    mov     %cr0, %eax
    or      $0x80010001, %eax            /* PG | WP | PE */
    mov     %eax, %cr0

    lgdt    PA(boot_gdt_desc)
    ljmp    $0x08, $PA(start64)

    .code64
start64:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    movabs  $high64, %rax
    jmp     *%rax
high64:
    lea     boot_stack_top(%rip), %rsp
    /* reload the GDT pointer with its direct-map address */
    lea     boot_gdt(%rip), %rax
    mov     %rax, boot_gdt_desc+2(%rip)
    lgdt    boot_gdt_desc(%rip)
    mov     %esi, %esi
    mov     %edi, %edi
    xchg    %rsi, %rdi                   /* arch_start(magic, info_phys) */
    call    arch_start
    ud2

    .section .data
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff             /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff             /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
    .short boot_gdt_end - boot_gdt - 1
    .quad PA(boot_gdt)

    .section .bss.page_aligned, "aw", @nobits
    .align 4096
    .global boot_l4, boot_l3, boot_l2
boot_l4:    .skip 4096
boot_l3:    .skip 4096
boot_l2:    .skip 4 * 4096
    .global boot_stack, boot_stack_top
boot_stack: .skip 16384
boot_stack_top:
