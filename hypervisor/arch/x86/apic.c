/*
 * Local APIC timer (one-shot, reprogrammed for the earliest software timer)
 * and TSC calibration against the PIT; the CMOS clock gives the wallclock.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/time.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/x86.h>

#define APIC_EOI     0x0b0
#define APIC_SVR     0x0f0
#define APIC_LVT_TMR 0x320
#define APIC_LINT0   0x350
#define APIC_LINT1   0x360
#define APIC_TMR_INIT 0x380
#define APIC_TMR_CUR 0x390
#define APIC_TMR_DIV 0x3e0
#define APIC_MASKED  0x10000

static volatile u32 *apic;
static u64 apic_hz;

static u32 apic_read(u32 reg) { return apic[reg / 4]; }
static void apic_write(u32 reg, u32 v) { apic[reg / 4] = v; }

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

/* Counts TSC and APIC ticks over 10 ms of PIT channel 2. */
static void calibrate(u64 *tsc_hz, u64 *apic_ticks_hz)
{
    const u16 count = 1193182 / 100;
    u64 t0, t1;
    u32 a0, a1;

    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    apic_write(APIC_TMR_INIT, 0xffffffff);
    t0 = rdtsc();
    a0 = apic_read(APIC_TMR_CUR);
    while (!(inb(0x61) & 0x20))
        ;
    t1 = rdtsc();
    a1 = apic_read(APIC_TMR_CUR);
    *tsc_hz = (t1 - t0) * 100;
    *apic_ticks_hz = (u64)(a0 - a1) * 100;
}

void apic_init(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);
    u64 tsc_hz;

    wrmsr(MSR_APIC_BASE, base | (1UL << 11));
    apic = VA(base & PTE_ADDR_MASK);
    apic_write(APIC_SVR, 0x100 | HV_SPURIOUS_VECTOR);
    apic_write(APIC_LINT0, APIC_MASKED);
    apic_write(APIC_LINT1, APIC_MASKED);
    apic_write(APIC_TMR_DIV, 0xb);                   /* divide by 1 */
    apic_write(APIC_LVT_TMR, APIC_MASKED | HV_TIMER_VECTOR);
    calibrate(&tsc_hz, &apic_hz);
    apic_write(APIC_TMR_INIT, 0);
    apic_write(APIC_LVT_TMR, HV_TIMER_VECTOR);       /* one-shot */
    time_init(tsc_hz, rdtsc(), rtc_read_unix_seconds());
    hv_info("time: TSC %lu kHz, APIC timer %lu kHz\n", tsc_hz / 1000, apic_hz / 1000);
}

void arch_timer_program(u64 deadline_ns)
{
    u64 now = hv_now(), ticks;

    if (deadline_ns == ~0ULL) {
        apic_write(APIC_TMR_INIT, 0);
        return;
    }
    if (deadline_ns <= now)
        ticks = 1;
    else {
        u64 delta = MIN(deadline_ns - now, 1000000000ULL);   /* at most 1 s ahead */
        ticks = delta * (apic_hz / 1000) / 1000000ULL;   /* delta <= 1 s: no overflow */
    }
    apic_write(APIC_TMR_INIT, (u32)MAX(MIN(ticks, 0xffffffffULL), 1ULL));
}

void arch_irq_disable(void)
{
    cli();
}

/* STI's one-instruction shadow: no interrupt slips in between the two. */
void arch_wait_for_interrupt(void)
{
    safe_halt();
}

u64 arch_read_tsc(void)
{
    return rdtsc();
}

/* --- CMOS real-time clock --- */

static u8 cmos(u8 reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(u8 v, bool binary)
{
    return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

static u64 days_from_civil(int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned int yoe = (unsigned int)(y - era * 400);
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (u64)(era * 146097 + (int)doe - 719468);
}

u64 rtc_read_unix_seconds(void)
{
    while (cmos(0x0a) & 0x80)
        ;                                            /* update in progress */
    bool bin = cmos(0x0b) & 0x04;
    unsigned int s = bcd(cmos(0x00), bin), mi = bcd(cmos(0x02), bin);
    unsigned int h = bcd(cmos(0x04), bin), d = bcd(cmos(0x07), bin);
    unsigned int mo = bcd(cmos(0x08), bin), y = bcd(cmos(0x09), bin) + 2000;

    return days_from_civil((int)y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}
