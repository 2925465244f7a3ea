/*
 * The emulated 8254 PIT of an HVM domain (ports 0x40-0x43, and port 0x61's
 * channel 2 gate and output), after the datasheet and Xen's i8254.c (no
 * code shared). Counters run at 1.193182 MHz from system time: a count is
 * computed, never ticked. Channel 0 in mode 2 or 3 raises IRQ0 on the PIC
 * (and pin 2 of the IO-APIC) every period (at least 100 us, as the local APIC's), in mode 0 once.
 * Access modes lobyte, hibyte, lobyte/hibyte; the counter latch command;
 * BCD counting and the read-back command are not emulated (ignored).
 *
 * The period's hypervisor timer only posts a tick (atomically) and wakes
 * the vCPU; the tick becomes an IRQ0 edge in the vCPU's own context
 * (vpit_deliver, from the interrupt assist), where the PIC's state lives.
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/hvm.h>

#define PIT_HZ          1193182ULL
#define NS_PER_SEC      1000000000ULL
#define PIT_MIN_PERIOD_NS 100000ULL
#define ACCESS_LATCH    0
#define ACCESS_LO       1
#define ACCESS_HI       2
#define ACCESS_LOHI     3

static u64 pit_ticks_since(u64 start)
{
    u64 ns = hv_now() - start;

    return (ns / NS_PER_SEC) * PIT_HZ + (ns % NS_PER_SEC) * PIT_HZ / NS_PER_SEC;
}

static u32 reload_of(const struct vpit_channel *ch)
{
    return ch->reload ? ch->reload : 0x10000;         /* 0 counts 65536 */
}

/* The counter's value now. */
static u16 channel_count(const struct vpit_channel *ch)
{
    u64 t = pit_ticks_since(ch->start);
    u32 r = reload_of(ch);

    if (ch->mode == 2 || ch->mode == 3)
        return (u16)(r - t % r);
    return t >= r ? (u16)(0x10000 - (t - r) % 0x10000) : (u16)(r - t);   /* mode 0/1/4/5: wraps on */
}

/* OUT of a channel in mode 0 (interrupt on terminal count): high once the count ran out. */
static bool channel_out(const struct vpit_channel *ch)
{
    if (ch->mode != 0)
        return channel_count(ch) > reload_of(ch) / 2;   /* square wave's first half, roughly */
    return pit_ticks_since(ch->start) >= reload_of(ch);
}

static void pit_tick(void *data)
{
    struct vcpu *v = data;
    struct vpit *p = &v->domain->hvm->pit;

    if (v->domain->state != DOM_ACTIVE)
        return;
    __atomic_fetch_add(&p->pending, 1, __ATOMIC_SEQ_CST);
    sched_wake(v);
    if (!p->periodic)
        return;
    p->next += p->period;
    if (p->next <= hv_now())                          /* late: coalesce, keep the phase */
        p->next += ((hv_now() - p->next) / p->period + 1) * p->period;
    timer_set(&p->timer, p->next);
}

/* Channel 0 was (re)loaded: IRQ0 every period, or once in mode 0. */
static void channel0_start(struct vpit *p)
{
    struct vpit_channel *ch = &p->ch[0];

    timer_stop(&p->timer);
    p->periodic = ch->mode == 2 || ch->mode == 3;
    if (ch->mode != 0 && !p->periodic)
        return;                                       /* modes 1, 4, 5: no IRQ0 */
    p->period = reload_of(ch) * NS_PER_SEC / PIT_HZ;
    if (p->periodic && p->period < PIT_MIN_PERIOD_NS)
        p->period = PIT_MIN_PERIOD_NS;
    p->next = ch->start + p->period;
    timer_set(&p->timer, p->next);
}

static void control_write(struct vpit *p, u8 val)
{
    unsigned int sel = val >> 6, access = (val >> 4) & 3;
    struct vpit_channel *ch;

    if (sel == 3)
        return;                                       /* read-back: not emulated */
    ch = &p->ch[sel];
    if (access == ACCESS_LATCH) {
        if (!ch->latched) {
            ch->latch = channel_count(ch);
            ch->latched = true;
            ch->read_hi = false;
        }
        return;
    }
    ch->access = access;
    ch->mode = (val >> 1) & 7;
    if (ch->mode > 5)
        ch->mode -= 4;                                /* 6, 7 are 2, 3 */
    ch->write_hi = ch->read_hi = false;
    if (sel == 0)
        timer_stop(&p->timer);                        /* a new mode stops the count until loaded */
}

static void counter_write(struct vpit *p, unsigned int n, u8 val)
{
    struct vpit_channel *ch = &p->ch[n];

    if (ch->access == ACCESS_LO || (ch->access == ACCESS_LOHI && !ch->write_hi))
        ch->reload = (ch->access == ACCESS_LO ? 0 : ch->reload & 0xff00) | val;
    else
        ch->reload = (u16)((ch->reload & 0xff) | (val << 8));
    if (ch->access == ACCESS_LOHI && (ch->write_hi = !ch->write_hi))
        return;                                       /* the high byte is still to come */
    ch->start = hv_now();
    if (n == 0)
        channel0_start(p);
}

static u8 counter_read(struct vpit *p, unsigned int n)
{
    struct vpit_channel *ch = &p->ch[n];
    u16 v = ch->latched ? ch->latch : channel_count(ch);
    bool hi = ch->access == ACCESS_HI || (ch->access == ACCESS_LOHI && ch->read_hi);

    if (ch->access == ACCESS_LOHI)
        ch->read_hi = !ch->read_hi;
    if (ch->latched && (ch->access != ACCESS_LOHI || !ch->read_hi))
        ch->latched = false;                          /* the latch is read out */
    return hi ? (u8)(v >> 8) : (u8)v;
}

void vpit_io(struct vcpu *v, u16 port, bool in, u32 *val)
{
    struct vpit *p = &v->domain->hvm->pit;

    if (port == HVM_PORT_SPEAKER) {                   /* bit 0: gate 2; bit 5: channel 2's OUT */
        if (in)
            *val = (p->port61 & 3) | ((p->port61 & 1) && channel_out(&p->ch[2]) ? 0x20 : 0);
        else
            p->port61 = (u8)*val & 3;
        return;
    }
    if (port == HVM_PORT_PIT_CONTROL) {
        if (in)
            *val = 0xff;
        else
            control_write(p, (u8)*val);
        return;
    }
    if (in)
        *val = counter_read(p, port - HVM_PORT_PIT_CH0);
    else
        counter_write(p, port - HVM_PORT_PIT_CH0, (u8)*val);
}

/* The interrupt assist's part: each posted tick is an IRQ0 edge (coalesced if one waits). */
void vpit_deliver(struct vcpu *v)
{
    struct vpit *p = &v->domain->hvm->pit;

    if (__atomic_exchange_n(&p->pending, 0, __ATOMIC_SEQ_CST)) {
        vpic_raise(v->domain, 0);
        vioapic_raise(v->domain, 2);                  /* ISA IRQ0 is GSI 2 (the MADT's override) */
    }
}

void vpit_init(struct vcpu *v)
{
    struct vpit *p = &v->domain->hvm->pit;

    memset(p, 0, sizeof(*p));
    for (unsigned int i = 0; i < 3; i++)
        p->ch[i].access = ACCESS_LOHI;
    timer_init(&p->timer, pit_tick, v);
    p->ready = true;
}

void vpit_destroy(struct domain *d)
{
    if (d->hvm && d->hvm->pit.ready)
        timer_kill(&d->hvm->pit.timer);
}
