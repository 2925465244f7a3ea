/*
 * A hostile guest of the emulated local APIC (docs/hvm.md): garbage
 * written to every register (dword and byte writes), the timer at its
 * shortest period with garbage vectors, a storm of random ICR writes
 * (INIT, SIPI, NMI, broadcasts, illegal vectors), reads of every offset,
 * random IO-APIC register selects and values;
 * then the APIC still works (a self-IPI arrives) and so does the
 * hypervisor. Last, MMIO with an instruction the decoder does not take
 * (add [apic], eax): the domain is crashed alone, its PV bystander runs on.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-apic-hostile";

static uint32_t rng = 0x12345678;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void garbage_everywhere(void)
{
    static const uint32_t vals[] = { 0xffffffff, 0, 0xdeadbeef, 0x000200ff, 0x0003000f };
    uint32_t sum = 0;

    for (uint32_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
        for (uint32_t off = 0; off < 0x1000; off += 0x10) {
            if (off == LAPIC_ICR)
                continue;                         /* the storm below */
            lapic_write(off, vals[v]);
            *(volatile uint8_t *)(LAPIC_BASE + off + 1) = (uint8_t)vals[v];
        }
    for (uint32_t off = 0; off < 0x1000; off += 4)
        sum += lapic_read(off);
    check(true, "garbage written to every register, every dword read (sum %x)", sum);
    lapic_write(LAPIC_TPR, 0x10);                 /* vectors 16-31 stay pending: not exceptions */
    lapic_write(LAPIC_SVR, 0x1ff);
    check(lapic_read(LAPIC_SVR) == 0x1ff, "SVR back to enabled");
}

/* The timer at its shortest: a 1-cycle periodic count, a garbage vector, interrupts on. */
static void timer_storm(void)
{
    uint32_t before = 0, after = 0;

    for (int i = 32; i < 256; i++)
        before += irq_count[i];
    lapic_write(LAPIC_TDCR, 0xb);
    lapic_write(LAPIC_LVTT, 0x20000 | 0xee);
    lapic_write(LAPIC_TMICT, 1);
    __asm__ volatile("sti" ::: "memory");
    for (int i = 0; i < 2000; i++)
        (void)inl(PM_TMR_PORT);
    __asm__ volatile("cli" ::: "memory");
    lapic_write(LAPIC_TMICT, 0);
    for (int i = 32; i < 256; i++)
        after += irq_count[i];
    check(after > before, "a 1-cycle periodic timer: %u interrupts, rate-limited by the hypervisor",
          after - before);
}

static void icr_storm(void)
{
    uint32_t got = 0;

    for (int i = 0; i < 20000; i++) {
        lapic_write(LAPIC_ICR2, rnd());
        lapic_write(LAPIC_ICR, rnd());
    }
    for (int i = 0; i < 5000; i++)                /* NMI, INIT, SIPI, broadcasts */
        lapic_write(LAPIC_ICR, (0x400 + (i & 3) * 0x100) | ((i & 0xc) << 16) | (i & 0xff));
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    for (int i = 32; i < 256; i++)
        got += irq_count[i];
    check(true, "25000 ICR writes survived (%u interrupts so far)", got);
    irq_count[0x77] = 0;
    lapic_write(LAPIC_TPR, 0x10);
    lapic_write(LAPIC_ICR, 0x40000 | 0x77);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    check(irq_count[0x77] == 1, "after the storms a self-IPI still arrives (%u)", irq_count[0x77]);
}

/* Random IOREGSEL/IOWIN pairs, odd widths; then the IO-APIC still answers as it should. */
static void ioapic_garbage(void)
{
    for (int i = 0; i < 5000; i++) {
        *(volatile uint32_t *)IOAPIC_BASE = rnd();
        *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = rnd();
        *(volatile uint8_t *)(IOAPIC_BASE + (rnd() & 0xfff)) = (uint8_t)rnd();
        (void)*(volatile uint32_t *)(IOAPIC_BASE + (rnd() & 0xffc));
    }
    ioapic_write(0x10, 0xffffffff);
    check(ioapic_read(1) == 0x170011 && ioapic_read(0x10) == 0x1afff,
          "after 5000 random IO-APIC writes: version %x, an entry keeps its bits (%x)",
          ioapic_read(1), ioapic_read(0x10));
    ioapic_write(0x10, 0x10000);
}

void hvm_main(uint32_t mem_bytes)
{
    lapic_write(LAPIC_SVR, 0x1ff);
    garbage_everywhere();
    timer_storm();
    icr_storm();
    ioapic_garbage();
    done();
    printk("MMIO with an instruction the decoder refuses (add [apic], eax): expect a crash\n");
    __asm__ volatile("addl %%eax, %0" : "+m"(*(volatile uint32_t *)(LAPIC_BASE + LAPIC_TPR)) :: "memory");
    printk("FAIL: %s: the undecodable MMIO instruction returned\n", hvm_guest_name);
    hvm_shutdown(0);
}
