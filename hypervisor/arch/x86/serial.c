/* 16550 UART on COM1, polled: the hypervisor console. */
#include <hv/arch.h>
#include <hv/cmdline.h>
#include <asm/io.h>
#include <asm/boot.h>

#define COM1 0x3f8

static bool serial_enabled;

void serial_init(void)
{
    outb(COM1 + 1, 0x00);              /* no interrupts */
    outb(COM1 + 3, 0x80);              /* DLAB */
    outb(COM1 + 0, 0x01);              /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);              /* 8n1 */
    outb(COM1 + 2, 0xc7);              /* FIFO on */
    outb(COM1 + 4, 0x03);
    serial_enabled = true;
}

static void serial_putc(char c)
{
    for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
        ;
    outb(COM1, (u8)c);
}

void arch_console_write(const char *s, size_t len)
{
    if (!serial_enabled || hv_opts.console[0] == 'n')
        return;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

int arch_console_getc(void)
{
    if (!serial_enabled || !(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}
