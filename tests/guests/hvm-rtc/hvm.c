/*
 * The emulated RTC/CMOS (ports 0x70/0x71, docs/hvm.md): the time
 * registers read a plausible date in BCD with the update-in-progress
 * protocol, the seconds advance over 1.5 s of ACPI PM timer, binary mode
 * and 12-hour mode convert, register D says the battery is good, and CMOS
 * RAM keeps what is written.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-rtc";

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_set(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static bool bcd_ok(uint8_t v, uint8_t max)
{
    return (v & 0xf) <= 9 && (v >> 4) <= 9 && (v >> 4) * 10 + (v & 0xf) <= max;
}

static uint32_t from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0xf); }

struct tm_ { uint8_t sec, min, hour, wday, mday, mon, year, cent; };

/* Waits out an update in progress, as a driver does, then reads the time. */
static void read_time(struct tm_ *t)
{
    while (cmos(0x0a) & 0x80)
        ;
    t->sec = cmos(0); t->min = cmos(2); t->hour = cmos(4); t->wday = cmos(6);
    t->mday = cmos(7); t->mon = cmos(8); t->year = cmos(9); t->cent = cmos(0x32);
}

static void pm_wait(uint32_t ticks)
{
    uint32_t t0 = inl(PM_TMR_PORT);

    while (inl(PM_TMR_PORT) - t0 < ticks)
        ;
}

void hvm_main(uint32_t mem_bytes)
{
    struct tm_ t, u;
    uint32_t s0, s1, d;
    uint8_t b;

    read_time(&t);
    printk("INFO: %s: %x%x-%x-%x %x:%x:%x weekday %x\n", hvm_guest_name, t.cent, t.year, t.mon,
           t.mday, t.hour, t.min, t.sec, t.wday);
    check(bcd_ok(t.sec, 59) && bcd_ok(t.min, 59) && bcd_ok(t.hour, 23) && bcd_ok(t.mday, 31) &&
          t.mday && bcd_ok(t.mon, 12) && t.mon && t.wday >= 1 && t.wday <= 7,
          "BCD time registers in range");
    check(t.cent == 0x20 && t.year >= 0x24, "century 20, year >= 2024 (%x%x)", t.cent, t.year);
    check(cmos(0x0d) == 0x80, "register D: valid RAM and time");
    check((cmos(0x0b) & 0x06) == 0x02, "register B: BCD, 24 hours (%x)", cmos(0x0b));
    s0 = from_bcd(t.sec) + 60 * from_bcd(t.min);
    pm_wait(PM_TMR_HZ + PM_TMR_HZ / 2);
    read_time(&u);
    s1 = from_bcd(u.sec) + 60 * from_bcd(u.min);
    d = (s1 + 3600 - s0) % 3600;
    check(d >= 1 && d <= 3, "1.5 s of PM timer: the RTC advanced %u s (1-3)", d);
    b = cmos(0x0b);
    cmos_set(0x0b, b | 0x04);                        /* binary */
    read_time(&u);
    check(u.sec < 60 && u.min < 60 && u.hour < 24 && u.year < 100 && u.cent == 20,
          "binary mode: %u:%u:%u, century %u", u.hour, u.min, u.sec, u.cent);
    cmos_set(0x0b, 0x04);                            /* binary, 12 hours */
    read_time(&t);
    check((t.hour & 0x7f) >= 1 && (t.hour & 0x7f) <= 12 &&
          ((t.hour & 0x80) != 0) == (u.hour >= 12 && !(t.min == 0 && u.min == 59)),
          "12-hour mode: hour %u %s (24-hour %u)", t.hour & 0x7f, t.hour & 0x80 ? "pm" : "am", u.hour);
    cmos_set(0x0b, b);
    cmos_set(0x40, 0x5a);
    cmos_set(0x7f, 0xa5);
    cmos_set(0x0a, 0xff);
    check(cmos(0x40) == 0x5a && cmos(0x7f) == 0xa5, "CMOS RAM keeps bytes");
    check((cmos(0x0a) & 0x7f) == 0x7f, "register A: writable bits, UIP read-only");
    outb(0x70, 0x80 | 0x40);                         /* NMI-mask bit: the same register */
    check(inb(0x71) == 0x5a, "index bit 7 (NMI mask) ignored");
    done();
    hvm_shutdown(0);
}
