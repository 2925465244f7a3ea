/*
 * The emulated PIT and PIC pair (docs/hvm.md): the PIC initialised as
 * Linux does (vectors 0x20/0x28, cascade, 8086 mode), the local APIC's
 * LINT0 in ExtINT (virtual wire); PIT channel 0 at 100 Hz raises IRQ0,
 * counted over 500 ms of ACPI PM timer; without an EOI no second IRQ0
 * comes, masked none; the counter latch reads a running count; channel 2
 * in mode 0 ends its 10 ms count on port 0x61 no sooner than the PM timer
 * says. Bounds are generous: TCG under load may lose ticks, never gain.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-pit";

static volatile bool send_eoi = true;

static void pic_eoi(uint32_t vec)
{
    if (vec == 0x20 && send_eoi)
        outb(0x20, 0x20);                            /* OCW2: non-specific EOI */
    if (vec == 0x31)
        lapic_write(LAPIC_EOI, 0);                   /* through the IO-APIC: the local APIC's EOI */
}

static void pm_wait(uint32_t ticks)
{
    uint32_t t0 = inl(PM_TMR_PORT);

    while (inl(PM_TMR_PORT) - t0 < ticks)
        ;
}

static void pic_init(void)
{
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
    outb(0x21, 0xfe);                                /* only IRQ0 */
    outb(0xa1, 0xff);
    check(inb(0x21) == 0xfe && inb(0xa1) == 0xff, "PIC masks read back");
}

static uint16_t pit_latch0(void)
{
    uint8_t lo, hi;

    outb(0x43, 0x00);                                /* latch channel 0 */
    lo = inb(0x40);
    hi = inb(0x40);
    return (uint16_t)(lo | (hi << 8));
}

static void irq0_rate(void)
{
    uint32_t n, t0, dt;
    uint16_t c1, c2;

    outb(0x43, 0x34);                                /* channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);                          /* 100 Hz */
    c1 = pit_latch0();
    pm_wait(200);
    c2 = pit_latch0();
    check(c1 <= 11932 && c2 <= 11932 && c1 != c2, "the latched count runs (%u, %u)", c1, c2);
    /* 20 ticks, waited for up to 5 s: a loaded host loses ticks (and QEMU's time jumps), but
     * they never come faster than 10 ms apart. */
    irq_count[0x20] = 0;
    t0 = inl(PM_TMR_PORT);
    __asm__ volatile("sti" ::: "memory");
    while (irq_count[0x20] < 21 && inl(PM_TMR_PORT) - t0 < 5 * PM_TMR_HZ)
        ;
    __asm__ volatile("cli" ::: "memory");
    dt = inl(PM_TMR_PORT) - t0;
    n = irq_count[0x20];
    check(n >= 21 && dt >= 20 * 35795 * 9 / 10,
          "IRQ0 at 100 Hz: %u ticks in %u PM ticks (21 in 5 s, no sooner than 200 ms)", n, dt);
}

static void eoi_and_mask(void)
{
    uint32_t n;

    send_eoi = false;
    irq_count[0x20] = 0;
    __asm__ volatile("sti" ::: "memory");
    pm_wait(PM_TMR_HZ / 10);
    __asm__ volatile("cli" ::: "memory");
    n = irq_count[0x20];
    outb(0x20, 0x0b);                                /* OCW3: read the ISR */
    check(n == 1 && (inb(0x20) & 1), "no EOI: one IRQ0 in 100 ms, in service (%u)", n);
    outb(0x20, 0x0a);                                /* back to the IRR */
    send_eoi = true;
    outb(0x20, 0x60);                                /* specific EOI, IRQ0 */
    outb(0x21, 0xff);                                /* all masked */
    irq_count[0x20] = 0;
    __asm__ volatile("sti" ::: "memory");
    pm_wait(PM_TMR_HZ / 10);
    __asm__ volatile("cli" ::: "memory");
    check(irq_count[0x20] == 0, "masked: no IRQ0 (%u)", irq_count[0x20]);
    outb(0x21, 0xfe);
    __asm__ volatile("sti" ::: "memory");
    pm_wait(PM_TMR_HZ / 10);
    __asm__ volatile("cli" ::: "memory");
    check(irq_count[0x20] >= 1, "unmasked: IRQ0 again (%u)", irq_count[0x20]);
    outb(0x43, 0x30);                                /* channel 0 mode 0, not loaded: stopped */
}

/* Channel 2, mode 0, 10 ms: OUT (port 0x61 bit 5) rises when the count runs out. */
static void channel2_gate(void)
{
    uint32_t t0, dt, spins = 0;

    outb(0x61, 0x01);                                /* gate 2 on, speaker off */
    outb(0x43, 0xb0);                                /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, 11932 & 0xff);
    outb(0x42, 11932 >> 8);
    t0 = inl(PM_TMR_PORT);
    while (!(inb(0x61) & 0x20) && spins++ < 10000000)
        ;
    dt = inl(PM_TMR_PORT) - t0;
    check((inb(0x61) & 0x20) && dt >= 35795 * 9 / 10,
          "channel 2: OUT after %u PM ticks (10 ms = 35795)", dt);
}

/* The same IRQ0 through the IO-APIC's pin 2 (the ISA override), the PIC masked. */
static void ioapic_route(void)
{
    uint32_t ver = ioapic_read(1), t0, dt;

    check((ver & 0xff) == 0x11 && ((ver >> 16) & 0xff) == 23, "IO-APIC version 0x11, 24 pins (%x)", ver);
    check(ioapic_read(0x14) == 0x10000, "pin 2 masked at reset");
    outb(0x21, 0xff);
    ioapic_write(0x15, 0);
    ioapic_write(0x14, 0x31);                        /* fixed, edge, vector 0x31 */
    irq_count[0x31] = irq_count[0x20] = 0;
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    t0 = inl(PM_TMR_PORT);
    __asm__ volatile("sti" ::: "memory");
    while (irq_count[0x31] < 11 && inl(PM_TMR_PORT) - t0 < 5 * PM_TMR_HZ)
        ;
    __asm__ volatile("cli" ::: "memory");
    dt = inl(PM_TMR_PORT) - t0;
    check(irq_count[0x31] >= 11 && irq_count[0x20] == 0 && dt >= 10 * 35795 * 9 / 10,
          "IRQ0 on IO-APIC pin 2: %u in %u PM ticks, none by the masked PIC", irq_count[0x31], dt);
    ioapic_write(0x14, 0x10031);
    irq_count[0x31] = 0;
    __asm__ volatile("sti" ::: "memory");
    pm_wait(PM_TMR_HZ / 10);
    __asm__ volatile("cli" ::: "memory");
    check(irq_count[0x31] <= 1, "pin 2 masked: no more (%u)", irq_count[0x31]);
    outb(0x43, 0x30);                                /* channel 0 stopped */
}

void hvm_main(uint32_t mem_bytes)
{
    irq_hook = pic_eoi;
    irq_auto_eoi = false;
    lapic_write(LAPIC_SVR, 0x1ff);
    lapic_write(0x350, 0x700);                       /* LINT0: ExtINT, unmasked */
    pic_init();
    irq0_rate();
    eoi_and_mask();
    channel2_gate();
    ioapic_route();
    done();
    hvm_shutdown(0);
}
