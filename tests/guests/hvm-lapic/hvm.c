/*
 * The emulated local APIC and the ACPI PM timer (docs/hvm.md, issue 16
 * stage 2): the registers read back as the SDM says, the PM timer advances
 * at 3.579545 MHz against the LAPIC timer, the LAPIC timer ticks in
 * periodic mode for a PM-timer window and fires once in one-shot mode,
 * its current count runs down, self-IPIs arrive (and wait for the TPR),
 * and MMIO through each decoded instruction form reaches the device.
 * Bounds are generous: TCG on a loaded host may lose ticks, never gain.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-lapic";

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }

static uint32_t pm_now(void) { return inl(PM_TMR_PORT); }

/* Waits (interrupts as they are) until `ticks` of the PM timer passed. */
static void pm_wait(uint32_t ticks)
{
    uint32_t t0 = pm_now();

    while (pm_now() - t0 < ticks)
        ;
}

static void registers(void)
{
    uint32_t svr;

    check(lapic_read(LAPIC_ID) == 0, "ID of vCPU 0 is 0 (%x)", lapic_read(LAPIC_ID));
    check((lapic_read(LAPIC_VER) & 0xff) == 0x14 && (lapic_read(LAPIC_VER) >> 16) == 5,
          "version 0x14, 6 LVTs (%x)", lapic_read(LAPIC_VER));
    check(lapic_read(LAPIC_SVR) == 0xff && lapic_read(LAPIC_LVTT) == 0x10000,
          "at reset: software-disabled, LVTs masked");
    lapic_write(LAPIC_SVR, 0x1ff);
    svr = lapic_read(LAPIC_SVR);
    check(svr == 0x1ff, "SVR enabled, spurious vector 0xff (%x)", svr);
    lapic_write(LAPIC_TPR, 0x12345620);
    check(lapic_read(LAPIC_TPR) == 0x20 && lapic_read(LAPIC_PPR) == 0x20, "TPR keeps 8 bits; PPR = TPR");
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_ID, 0x5000000);
    check(lapic_read(LAPIC_ID) == 0, "ID is read-only");
    lapic_write(LAPIC_TDCR, 0xffffffff);
    check(lapic_read(LAPIC_TDCR) == 0xb, "TDCR keeps bits 0, 1, 3 (%x)", lapic_read(LAPIC_TDCR));
    check(*(volatile uint8_t *)(LAPIC_BASE + LAPIC_VER + 2) == 5, "a byte read of the version's LVT count");
}

/* MMIO through the decoder's forms: or, and, test, cmp, movzx, xor with memory. */
static void decoder_forms(void)
{
    volatile uint32_t *tpr = (volatile uint32_t *)(LAPIC_BASE + LAPIC_TPR);
    uint32_t v = 0x10, z;
    uint8_t zf;

    *tpr = 0;
    __asm__ volatile("orl %1, %0" : "+m"(*tpr) : "r"(v));
    check(*tpr == 0x10, "or [tpr], reg");
    __asm__ volatile("orl $0x40, %0" : "+m"(*tpr));
    __asm__ volatile("andl $0x50, %0" : "+m"(*tpr));
    check(*tpr == 0x50, "or/and [tpr], imm8 (%x)", *tpr);
    __asm__ volatile("xorl $0x10, %0" : "+m"(*tpr));
    check(*tpr == 0x40, "xor [tpr], imm8");
    __asm__ volatile("testl $0x40, %1; setz %0" : "=r"(zf) : "m"(*tpr));
    check(!zf, "test [tpr], imm: ZF clear");
    __asm__ volatile("cmpl $0x40, %1; setz %0" : "=r"(zf) : "m"(*tpr));
    check(zf, "cmp [tpr], imm: ZF set");
    __asm__ volatile("movzbl %1, %0" : "=r"(z) : "m"(*(volatile uint8_t *)tpr));
    check(z == 0x40, "movzx reg, byte [tpr]");
    __asm__ volatile("movw $0x30, %%ax; movw %%ax, %0" : "=m"(*(volatile uint16_t *)tpr) :: "eax");
    check(*tpr == 0x40, "a 16-bit write is ignored (as Xen)");
    *tpr = 0;
}

static void self_ipi(void)
{
    irq_count[0x50] = irq_count[0x51] = irq_count[0x52] = 0;
    sti();
    lapic_write(LAPIC_ICR, 0x40000 | 0x50);          /* shorthand: self */
    check(irq_count[0x50] == 1, "self-IPI (shorthand) delivered once (%u)", irq_count[0x50]);
    lapic_write(LAPIC_ICR2, 0);
    lapic_write(LAPIC_ICR, 0x51);                    /* physical destination 0: ourselves */
    check(irq_count[0x51] == 1, "IPI to our own ID delivered (%u)", irq_count[0x51]);
    lapic_write(LAPIC_TPR, 0x60);
    lapic_write(LAPIC_ICR, 0x40000 | 0x52);
    check(irq_count[0x52] == 0 && (lapic_read(LAPIC_IRR + 0x20) & (1u << 0x12)),
          "TPR 0x60 holds vector 0x52 in the IRR");
    lapic_write(LAPIC_TPR, 0);
    check(irq_count[0x52] == 1, "TPR 0: vector 0x52 delivered (%u)", irq_count[0x52]);
    lapic_write(LAPIC_ICR, 0x40000 | 0x05);          /* illegal vector */
    check(lapic_read(LAPIC_ESR) & 0x20, "vector 5: send-illegal-vector in ESR");
    lapic_write(LAPIC_ESR, 0);
    check(lapic_read(LAPIC_ESR) == 0, "ESR cleared by a write");
    cli();
}

/* Periodic: 1 ms ticks (divide 1, 1e6 bus cycles of 1 ns) counted for 200 ms of PM timer. */
static void timer_periodic(void)
{
    uint32_t n, c1, c2, t0, dt;

    lapic_write(LAPIC_TDCR, 0xb);
    lapic_write(LAPIC_LVTT, 0x20000 | 0x40);
    irq_count[0x40] = 0;
    lapic_write(LAPIC_TMICT, 1000000);
    c1 = lapic_read(LAPIC_TMCCT);
    pm_wait(100);
    c2 = lapic_read(LAPIC_TMCCT);
    check(c1 <= 1000000 && c1 > 0 && c2 != c1, "current count runs (%u then %u)", c1, c2);
    /* 100 ticks, waited for up to 5 s: a loaded host loses ticks (QEMU's time jumps), but they
     * never come faster than 1 ms apart. */
    t0 = pm_now();
    sti();
    while (irq_count[0x40] < 101 && pm_now() - t0 < 5 * PM_TMR_HZ)
        ;
    cli();
    dt = pm_now() - t0;
    n = irq_count[0x40];
    check(n >= 101 && dt >= 100 * 3579 * 9 / 10,
          "periodic 1 ms timer: %u ticks in %u PM ticks (101 in 5 s, no sooner than 100 ms)", n, dt);
    lapic_write(LAPIC_TMICT, 0);
    check(lapic_read(LAPIC_TMCCT) == 0, "TMICT 0 stops it");
    n = irq_count[0x40];
    sti();
    pm_wait(PM_TMR_HZ / 50);
    cli();
    check(irq_count[0x40] <= n + 1, "stopped: no more ticks (one already in the IRR may come)");
}

/* One-shot: 5 ms (divide 2: 2.5e6 cycles), HLT until it fires, then never again. */
static void timer_one_shot(void)
{
    uint32_t t0, dt;

    lapic_write(LAPIC_TDCR, 0);
    lapic_write(LAPIC_LVTT, 0x41);
    irq_count[0x41] = 0;
    t0 = pm_now();
    lapic_write(LAPIC_TMICT, 2500000);
    while (!irq_count[0x41])
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    dt = pm_now() - t0;
    check(dt >= PM_TMR_HZ / 200 - 10, "one-shot 5 ms: HLT woke after %u PM ticks (>= 17898)", dt);
    sti();
    pm_wait(PM_TMR_HZ / 50);
    cli();
    check(irq_count[0x41] == 1 && lapic_read(LAPIC_TMCCT) == 0, "one-shot: once, count 0 (%u)",
          irq_count[0x41]);
}

/*
 * The PM timer against the LAPIC timer's count over 50 ms: the count's
 * window lies inside the PM timer's (each read exits, which takes time
 * under TCG), so bus cycles <= PM ticks * 279.4 ns and not far below.
 */
static void pm_timer_rate(void)
{
    uint32_t a = pm_now(), b, p0, p1, c0, c1, cycles, ns;

    pm_wait(10);
    b = pm_now();
    check(b != a, "the PM timer advances (%u -> %u)", a, b);
    lapic_write(LAPIC_TDCR, 0xb);
    lapic_write(LAPIC_LVTT, 0x10000 | 0x42);
    lapic_write(LAPIC_TMICT, 0xffffffff);
    p0 = pm_now();
    c0 = lapic_read(LAPIC_TMCCT);
    pm_wait(PM_TMR_HZ / 20);
    c1 = lapic_read(LAPIC_TMCCT);
    p1 = pm_now();
    cycles = c0 - c1;
    ns = (p1 - p0) * 279 + (p1 - p0) * 2 / 5;        /* 279.4 ns a tick */
    check(cycles <= ns + ns / 100 && cycles >= ns / 10 * 8,
          "50 ms: %u LAPIC bus cycles in %u ns of PM timer (80-101%%)", cycles, ns);
    lapic_write(LAPIC_TMICT, 0);
}

void hvm_main(uint32_t mem_bytes)
{
    registers();
    decoder_forms();
    self_ipi();
    timer_periodic();
    timer_one_shot();
    pm_timer_rate();
    done();
    hvm_shutdown(0);
}
