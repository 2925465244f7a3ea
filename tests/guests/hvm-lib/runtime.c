/* The HVM test guests' runtime: console on the debug port, checks, faults, the test device. */
#include "hvm.h"

volatile uint32_t fault_vec = NO_FAULT, fault_resume;
static unsigned int passed, failed;

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} __attribute__((packed));

static struct idt_gate idt[32];
extern char hvm_exc_stubs[];

void hvm_idt_init(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) desc = { sizeof(idt) - 1, (uint32_t)idt };

    for (unsigned int i = 0; i < 32; i++) {
        uint32_t a = (uint32_t)hvm_exc_stubs + 16 * i;

        idt[i] = (struct idt_gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16) };
    }
    __asm__ volatile("lidt %0" :: "m"(desc));
}

static void putc_(char c) { outb(HVM_PORT_DEBUG, (uint8_t)c); }

static void put_num(uint64_t v, unsigned int base, bool neg)
{
    char buf[24];
    int n = 0;

    if (neg)
        putc_('-');
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        putc_(buf[--n]);
}

static void vprintk(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        bool l = false;

        if (*fmt != '%') {
            putc_(*fmt);
            continue;
        }
        if (fmt[1] == 'l') {
            l = true;
            fmt++;
        }
        switch (*++fmt) {
        case 's': { const char *s = va_arg(ap, const char *); while (*s) putc_(*s++); break; }
        case 'u': put_num(l ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 10, false); break;
        case 'x': put_num(l ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 16, false); break;
        case 'd': { int32_t d = va_arg(ap, int32_t); put_num(d < 0 ? -(int64_t)d : d, 10, d < 0); break; }
        case '%': putc_('%'); break;
        default: putc_('?'); break;
        }
    }
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void check(bool ok, const char *fmt, ...)
{
    va_list ap;

    printk(ok ? "PASS: %s: " : "FAIL: %s: ", hvm_guest_name);
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    putc_('\n');
    if (ok)
        passed++;
    else
        failed++;
}

void done(void)
{
    printk("DONE: %s: %u passed, %u failed\n", hvm_guest_name, passed, failed);
}

void hvm_shutdown(uint32_t reason)
{
    outl(HVM_PORT_SHUTDOWN, reason);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void hvm_sleep_us(uint32_t us)
{
    outl(HVM_PORT_WAKE_US, us);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void hvm_unexpected_fault(uint32_t vec, uint32_t eip)
{
    printk("FAIL: %s: unexpected exception %u at %x\n", hvm_guest_name, vec, eip);
    done();
    hvm_shutdown(3);
}
