/*
 * hvm-qemu: an HVM guest whose devices are Debian's QEMU-xen (qemu-system-xen,
 * `-machine xenfv`) in dom0, through the ioreq servers (tests/run-hvm-qemu.sh).
 * It reads the PCI IDs of QEMU's i440FX host bridge, PIIX3 and Xen platform
 * device by configuration cycles, writes and reads back COM1's scratch
 * register, prints its lines on COM1 (QEMU's 16550, which dom0 logs to a
 * file) as well as on the debug port, and powers off. With 12 MiB of memory
 * (EBX) it then keeps writing "HVM-QEMU: tick N" lines on COM1 instead, for
 * the test that kills QEMU under it (the hypervisor must crash it alone).
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-qemu";

#define COM1      0x3f8
#define COM1_LSR  (COM1 + 5)
#define COM1_SCR  (COM1 + 7)
#define LSR_THRE  0x20
#define PCI_ADDR  0xcf8
#define PCI_DATA  0xcfc

static uint32_t pci_read(unsigned int dev, unsigned int reg)
{
    outl(PCI_ADDR, 0x80000000u | dev << 11 | reg);
    return inl(PCI_DATA);
}

/* A byte to COM1 once its transmitter is empty (QEMU's: at once; a bound keeps a dead one from hanging us). */
static void serial_putc(char c)
{
    for (unsigned int i = 0; i < 100000 && !(inb(COM1_LSR) & LSR_THRE); i++)
        ;
    outb(COM1, (uint8_t)c);
}

static void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

void hvm_main(uint32_t mem_bytes)
{
    uint32_t id;

    printk("hvm-qemu: %u KiB, devices from QEMU-xen in dom0\n", mem_bytes >> 10);
    id = pci_read(0, 0);
    check(id == 0x12378086, "00:00.0 is QEMU's i440FX host bridge (%x)", id);
    id = pci_read(1, 0);
    check(id == 0x70008086, "00:01.0 is QEMU's PIIX3 (%x)", id);
    id = pci_read(2, 0);
    check(id == 0x00015853, "00:02.0 is QEMU's Xen platform device (%x)", id);
    id = pci_read(31, 0);
    check(id == 0xffffffffu, "00:1f.0: nothing there (%x)", id);
    outb(COM1_SCR, 0x5a);
    check(inb(COM1_SCR) == 0x5a, "COM1's scratch register holds what was written");
    check(inb(COM1_LSR) & LSR_THRE, "COM1's transmitter is empty");
    serial_puts("HVM-QEMU: hello over QEMU's emulated 16550\n");
    serial_puts("HVM-QEMU: host bridge, PIIX3 and platform device found\n");
    done();
    for (uint32_t tick = 0; mem_bytes == (12u << 20); tick++) {   /* until its device model dies */
        char line[32] = "HVM-QEMU: tick ";
        unsigned int n = 15, d = 1;

        while (tick / d >= 10)
            d *= 10;
        for (; d; d /= 10)
            line[n++] = (char)('0' + tick / d % 10);
        line[n++] = '\n';
        line[n] = 0;
        serial_puts(line);
        hvm_sleep_us(20000);
    }
    __asm__ volatile("cli; hlt");          /* poweroff */
}
