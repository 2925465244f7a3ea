/*
 * Local APIC timer (one-shot, reprogrammed for the earliest software timer)
 * and TSC calibration against the PIT; the CMOS clock gives the wallclock.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/time.h>
#include <asm/page.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/io.h>
#include <asm/apic.h>
#include <asm/layout.h>

#define APIC_ID      0x020
#define APIC_EOI     0x0b0
#define APIC_SVR     0x0f0
#define APIC_LVT_TMR 0x320
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310
#define APIC_ICR_BUSY (1u << 12)                     /* delivery status: send pending */
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

u32 apic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

/*
 * One interrupt command. The two ICR halves are written with interrupts
 * off, so no handler on this CPU sends in between; an NMI that does
 * (hv_panic) sends with a shorthand and no destination.
 */
void apic_send_icr(u32 dest_apic_id, u32 icr_lo)
{
    u64 flags;

    asm volatile("pushfq; popq %0; cli" : "=r"(flags) :: "memory");
    while (apic_read(APIC_ICR_LO) & APIC_ICR_BUSY)
        asm volatile("pause");
    apic_write(APIC_ICR_HI, dest_apic_id << 24);
    apic_write(APIC_ICR_LO, icr_lo);
    while (apic_read(APIC_ICR_LO) & APIC_ICR_BUSY)
        asm volatile("pause");
    if (flags & X86_EFLAGS_IF)
        sti();
}

/* Every CPU's own LAPIC: on, spurious vector, LINTs masked, the timer one-shot and idle. */
static void apic_setup_this(void)
{
    apic_write(APIC_SVR, 0x100 | HV_SPURIOUS_VECTOR);
    apic_write(APIC_LINT0, APIC_MASKED);
    apic_write(APIC_LINT1, APIC_MASKED);
    apic_write(APIC_TMR_DIV, 0xb);                   /* divide by 1 */
    apic_write(APIC_LVT_TMR, APIC_MASKED | HV_TIMER_VECTOR);
}

/* An application processor: same set-up; its timer stays unarmed (no guests there yet). */
void apic_init_ap(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11));
    apic_setup_this();
    apic_write(APIC_TMR_INIT, 0);
    apic_write(APIC_LVT_TMR, HV_TIMER_VECTOR);
}

/*
 * Calibration against PIT channel 2. Waiting for the PIT to expire and then
 * reading the TSC counts any time this CPU was not running (a loaded host
 * under TCG) as PIT time: the TSC came out at up to twice its rate and guest
 * clocks ran slow. So the three counters are read together instead, at the
 * start and the end of about 20 ms, each reading the tightest of a few
 * tries, and only the counts between the two readings matter. A stall of
 * more than the PIT's 55 ms period in between would wrap its count: the
 * median of three runs leaves such a run out.
 */
#define PIT_HZ 1193182ULL
#define CALIBRATE_PIT_TICKS (PIT_HZ / 50)

struct clock_reading {
    u64 tsc;                                         /* the bracket's midpoint */
    u32 apic;
    u16 pit;
};

static u16 pit2_count(void)
{
    u8 lo;

    outb(0x43, 0x80);                                /* latch counter 2 */
    lo = inb(0x42);
    return lo | (u16)inb(0x42) << 8;
}

static struct clock_reading read_clocks(void)
{
    struct clock_reading best = { 0, 0, 0 };
    u64 narrowest = ~0ULL;

    for (int i = 0; i < 8; i++) {
        u64 t0 = rdtsc();
        u16 pit = pit2_count();
        u32 apic_now = apic_read(APIC_TMR_CUR);
        u64 t1 = rdtsc();

        if (t1 - t0 < narrowest) {
            narrowest = t1 - t0;
            best = (struct clock_reading){ t0 + (t1 - t0) / 2, apic_now, pit };
        }
    }
    return best;
}

static void calibrate_once(u64 *tsc_hz, u64 *apic_ticks_hz)
{
    struct clock_reading r0, r1;
    u64 pit_ticks;

    outb(0x61, (inb(0x61) & ~0x02) | 0x01);          /* gate on, speaker off */
    outb(0x43, 0xb0);                                /* counter 2, lo/hi, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    apic_write(APIC_TMR_INIT, 0xffffffff);
    r0 = read_clocks();
    while ((u16)(r0.pit - pit2_count()) < CALIBRATE_PIT_TICKS)
        ;
    r1 = read_clocks();
    pit_ticks = (u16)(r0.pit - r1.pit);
    *tsc_hz = (r1.tsc - r0.tsc) * PIT_HZ / pit_ticks;
    *apic_ticks_hz = (u64)(r0.apic - r1.apic) * PIT_HZ / pit_ticks;
}

static u64 median3(u64 a, u64 b, u64 c)
{
    return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

static void calibrate(u64 *tsc_hz, u64 *apic_ticks_hz)
{
    u64 t[3], a[3];

    for (int i = 0; i < 3; i++)
        calibrate_once(&t[i], &a[i]);
    *tsc_hz = median3(t[0], t[1], t[2]);
    *apic_ticks_hz = median3(a[0], a[1], a[2]);
}

void apic_init(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);
    u64 tsc_hz;

    wrmsr(MSR_APIC_BASE, base | (1UL << 11));
    apic = VA(base & PTE_ADDR_MASK);
    apic_setup_this();
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
