/*
 * The emulated MC146818 RTC/CMOS of an HVM domain (ports 0x70 index, 0x71
 * data), after the datasheet and Xen's rtc.c (no code shared): the time
 * registers read the hypervisor's wallclock plus the domain's offset
 * (settimeoffset), in BCD or binary (register B's DM bit) and 24 or 12
 * hours; register A's update-in-progress bit is set in the last 244 us of
 * each second; register D says the battery is good; the rest of the 128
 * bytes are CMOS RAM kept per domain.
 *
 * Not done: setting the clock (writes to the time registers are ignored),
 * the alarm, periodic and update interrupts (register C reads 0).
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <asm/hvm.h>

#define RTC_SEC     0x00
#define RTC_MIN     0x02
#define RTC_HOUR    0x04
#define RTC_WDAY    0x06
#define RTC_MDAY    0x07
#define RTC_MONTH   0x08
#define RTC_YEAR    0x09
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_REG_C   0x0c
#define RTC_REG_D   0x0d
#define RTC_CENTURY 0x32

#define REG_A_UIP   0x80
#define REG_B_DM    0x04          /* binary, not BCD */
#define REG_B_24H   0x02
#define REG_D_VRT   0x80          /* valid RAM and time */
#define UIP_NS      244000ULL     /* the update cycle's warning, before each second */
#define NS_PER_SEC  1000000000ULL

struct rtc_time {
    u32 sec, min, hour, wday, mday, month, year;
};

/* Days since 1970-01-01 to the civil date (Howard Hinnant's algorithm, public domain). */
static void civil_from_days(s64 z, struct rtc_time *t)
{
    s64 era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    t->mday = (u32)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (u32)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (u32)(yoe + era * 400 + (t->month <= 2));
}

static void rtc_now(const struct domain *d, struct rtc_time *t, u64 *ns_in_sec)
{
    u64 ns = time_wallclock_now_ns();
    s64 secs = (s64)(ns / NS_PER_SEC) + d->time_offset_seconds;
    s64 days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    s64 in_day = secs - days * 86400;

    *ns_in_sec = ns % NS_PER_SEC;
    t->sec = (u32)(in_day % 60);
    t->min = (u32)(in_day / 60 % 60);
    t->hour = (u32)(in_day / 3600);
    t->wday = (u32)(((days % 7) + 11) % 7) + 1;       /* 1970-01-01 was a Thursday; Sunday is 1 */
    civil_from_days(days, t);
}

static u8 rtc_format(const struct hvm_rtc *rtc, u32 v)
{
    return (rtc->cmos[RTC_REG_B] & REG_B_DM) ? (u8)v : (u8)(((v / 10) << 4) | (v % 10));
}

static u8 rtc_hour(const struct hvm_rtc *rtc, u32 h)
{
    u32 h12 = h % 12 ? h % 12 : 12;

    if (rtc->cmos[RTC_REG_B] & REG_B_24H)
        return rtc_format(rtc, h);
    return rtc_format(rtc, h12) | (h >= 12 ? 0x80 : 0);
}

static u8 rtc_read(const struct domain *d, const struct hvm_rtc *rtc, u8 reg)
{
    struct rtc_time t;
    u64 ns;

    rtc_now(d, &t, &ns);
    switch (reg) {
    case RTC_SEC:     return rtc_format(rtc, t.sec);
    case RTC_MIN:     return rtc_format(rtc, t.min);
    case RTC_HOUR:    return rtc_hour(rtc, t.hour);
    case RTC_WDAY:    return rtc_format(rtc, t.wday);
    case RTC_MDAY:    return rtc_format(rtc, t.mday);
    case RTC_MONTH:   return rtc_format(rtc, t.month);
    case RTC_YEAR:    return rtc_format(rtc, t.year % 100);
    case RTC_CENTURY: return rtc_format(rtc, t.year / 100);
    case RTC_REG_A:   return (rtc->cmos[RTC_REG_A] & 0x7f) | (ns >= NS_PER_SEC - UIP_NS ? REG_A_UIP : 0);
    case RTC_REG_C:   return 0;
    case RTC_REG_D:   return REG_D_VRT;
    default:          return rtc->cmos[reg];
    }
}

static void rtc_write(struct hvm_rtc *rtc, u8 reg, u8 val)
{
    switch (reg) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY: case RTC_MDAY: case RTC_MONTH:
    case RTC_YEAR: case RTC_CENTURY: case RTC_REG_C: case RTC_REG_D:
        break;                                        /* the time is the host's: not settable yet */
    case RTC_REG_A:
        rtc->cmos[reg] = val & 0x7f;                  /* UIP is read-only */
        break;
    case RTC_REG_B:
        rtc->cmos[reg] = val & (REG_B_DM | REG_B_24H | 0x80);   /* SET, DM, 24/12; no interrupts */
        break;
    default:
        rtc->cmos[reg] = val;                         /* CMOS RAM */
    }
}

void hvm_rtc_init(struct hvm_rtc *rtc)
{
    memset(rtc, 0, sizeof(*rtc));
    rtc->cmos[RTC_REG_A] = 0x26;                      /* 32.768 kHz divider, 1024 Hz rate */
    rtc->cmos[RTC_REG_B] = REG_B_24H;                 /* BCD, 24 hours */
}

void hvm_rtc_io(struct vcpu *v, u16 port, bool in, u32 *val)
{
    struct hvm_rtc *rtc = &v->domain->hvm->rtc;

    if (port == HVM_PORT_RTC_INDEX) {
        if (in)
            *val = 0xff;                              /* the index port is write-only */
        else
            rtc->index = (u8)*val & 0x7f;             /* bit 7: the NMI mask, not ours */
        return;
    }
    if (in)
        *val = rtc_read(v->domain, rtc, rtc->index);
    else
        rtc_write(rtc, rtc->index, (u8)*val);
}
