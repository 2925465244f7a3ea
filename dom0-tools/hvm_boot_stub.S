/*
 * hvm_boot_stub.S: the little firmware an HVM guest booted with kernel=
 * runs before its kernel (hvm_linux.h). With no BIOS, nobody else does
 * what firmware does to the emulated PC before a boot loader runs, and a
 * kernel expects: PIIX3's IDE function (00:01.1 on QEMU's xenfv machine)
 * comes out of reset with both channels' decode disabled in its IDETIM
 * registers (0x40, 0x42), and Linux's ata_piix then treats the channels as
 * absent; SeaBIOS and hvmloader set the enable bit (0x8000) in both. And
 * PCI interrupts: PIIX3 (00:01.0) routes its four links PIRQA-D to ISA
 * IRQs 10, 11, 10, 11 (its registers 0x60-0x63; QEMU tells the hypervisor
 * with set_pci_link_route), and each device on bus 0 with an interrupt
 * pin gets its link's IRQ in its Interrupt Line register, link = (slot +
 * pin - 1) & 3 as Xen wires them (hvmloader does the same with its own
 * IRQs): with no ACPI or $PIR table, Linux takes the IRQ from there. Then
 * the kernel's 32-bit entry, as the boot protocol asks: ESI = the zero
 * page (left as pvctl set it), EBX = EDI = EBP = 0. Position-independent:
 * pvctl copies these bytes to HVM_LINUX_STUB and starts vCPU 0 there.
 * Config accesses go through ports 0xcf8/0xcfc to QEMU (ioreq PCI config).
 */
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define CFG(dev, fn, reg) (0x80000000 | ((dev) << 11) | ((fn) << 8) | (reg))
#define PIIX3_IDE_ID 0x70108086          /* device << 16 | Intel */
#define PIIX3_ISA_ID 0x70008086
#define PIRQ_ROUTES 0x0b0a0b0a           /* 0x60-0x63: links A-D to IRQs 10, 11, 10, 11 */
#define IRQ_OF_EVEN_LINK 10              /* link & 1 ? 11 : 10, as PIRQ_ROUTES says */
#define IDETIM_DECODE_BOTH 0x80008000    /* 0x40 and 0x42: bit 15, IDE decode enable */
#define KERNEL_ENTRY 0x100000            /* HVM_LINUX_KERNEL */

    .code32
    .section .rodata.hvm_boot_stub, "a"
    .globl hvm_boot_stub, hvm_boot_stub_end
hvm_boot_stub:
    movl $CFG(1, 1, 0), %eax             /* 00:01.1's vendor and device */
    movw $PCI_ADDR, %dx
    outl %eax, %dx
    movw $PCI_DATA, %dx
    inl %dx, %eax
    cmpl $PIIX3_IDE_ID, %eax
    jne 1f                               /* not QEMU's PIIX3: leave it alone */
    movl $CFG(1, 1, 0x40), %eax
    movw $PCI_ADDR, %dx
    outl %eax, %dx
    movl $IDETIM_DECODE_BOTH, %eax
    movw $PCI_DATA, %dx
    outl %eax, %dx
1:  movl $CFG(1, 0, 0), %eax             /* 00:01.0: PIIX3's ISA bridge? */
    movw $PCI_ADDR, %dx
    outl %eax, %dx
    movw $PCI_DATA, %dx
    inl %dx, %eax
    cmpl $PIIX3_ISA_ID, %eax
    jne 4f
    movl $CFG(1, 0, 0x60), %eax
    movw $PCI_ADDR, %dx
    outl %eax, %dx
    movl $PIRQ_ROUTES, %eax
    movw $PCI_DATA, %dx
    outl %eax, %dx
    xorl %ecx, %ecx                      /* slot 0..31, function 0 */
2:  movl %ecx, %eax
    shll $11, %eax
    orl $CFG(0, 0, 0x3c), %eax           /* Interrupt Line (byte 0), Pin (byte 1) */
    movw $PCI_ADDR, %dx
    outl %eax, %dx
    movw $PCI_DATA, %dx
    inl %dx, %eax
    movzbl %ah, %ebx                     /* the pin: 1-4 INTA-D; 0 none; 0xff no device */
    decl %ebx
    cmpl $3, %ebx
    ja 3f
    addl %ecx, %ebx                      /* link = (slot + pin - 1) & 3; its IRQ 10 + (link & 1) */
    andl $1, %ebx
    leal IRQ_OF_EVEN_LINK(%ebx), %eax
    outb %al, %dx                        /* byte 0 of the selected dword: 0x3c */
3:  incl %ecx
    cmpl $32, %ecx
    jb 2b
4:  xorl %eax, %eax
    movw $PCI_ADDR, %dx
    outl %eax, %dx                       /* CONFIG_ADDRESS back to 0, as a BIOS leaves it */
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edi, %edi
    xorl %ebp, %ebp
    movl $KERNEL_ENTRY, %eax
    jmp *%eax
hvm_boot_stub_end:

    .section .note.GNU-stack, "", @progbits
