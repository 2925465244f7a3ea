/*
 * The emulated local APIC of an HVM vCPU (xAPIC mode, MMIO at 0xfee00000):
 * ID, version, TPR/PPR, EOI, LDR/DFR, SVR, ESR, ISR/IRR (TMR reads 0),
 * the ICR for fixed interrupts to itself, the six LVTs, and the timer in
 * one-shot and periodic mode with its divide and current count, on a
 * 1 GHz bus (as Xen's). Behaviour follows the SDM (vol. 3 ch. 11) and
 * Xen's vlapic.c; no code is shared.
 *
 * Every register write is the guest's and may be garbage: reserved bits
 * are dropped, unknown and read-only offsets ignored, non-dword writes
 * ignored, a periodic timer ticks at most every 100 us, and an ICR storm
 * only sets IRR bits. Nothing here fails.
 *
 * Concurrency: registers change only in the vCPU's own exits (its CPU,
 * interrupts off). The timer's handler may run on another CPU: it only
 * reads the latched timer fields and sets IRR bits atomically.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/hvm.h>

#define APIC_ID      0x020
#define APIC_VER     0x030
#define APIC_TPR     0x080
#define APIC_APR     0x090
#define APIC_PPR     0x0a0
#define APIC_EOI     0x0b0
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0
#define APIC_SVR     0x0f0
#define APIC_ISR     0x100
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_ICR     0x300
#define APIC_ICR2    0x310
#define APIC_LVTT    0x320
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0

#define SVR_ENABLE      (1u << 8)
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_SEND_ILLEGAL (1u << 5)

/* What a write may set in each LVT (timer, thermal, perf, LINT0, LINT1, error). */
static const u32 lvt_write_mask[VLAPIC_NR_LVT] = {
    0x300ff | 0,          /* timer: vector, mask, periodic (no TSC-deadline mode) */
    0x107ff, 0x107ff,     /* thermal, perf: vector, delivery mode, mask */
    0x1a7ff, 0x1a7ff,     /* LINT0/1: + polarity, trigger mode */
    0x100ff,              /* error: vector, mask */
};

static struct vlapic *vl(const struct vcpu *v)
{
    return &v->arch.hvm->vlapic;
}

static void set_vec(u32 *bits, unsigned int vec)
{
    __atomic_fetch_or(&bits[vec / 32], 1u << (vec % 32), __ATOMIC_SEQ_CST);
}

static void clear_vec(u32 *bits, unsigned int vec)
{
    __atomic_fetch_and(&bits[vec / 32], ~(1u << (vec % 32)), __ATOMIC_SEQ_CST);
}

/* The highest vector set, or -1. */
static int highest(const u32 *bits)
{
    for (int w = 7; w >= 0; w--) {
        u32 x = __atomic_load_n(&bits[w], __ATOMIC_RELAXED);

        if (x)
            return w * 32 + 31 - __builtin_clz(x);
    }
    return -1;
}

static u32 ppr(const struct vlapic *a)
{
    int isr = highest(a->isr);
    u32 isrv = isr < 0 ? 0 : (u32)isr & 0xf0;

    return (a->tpr & 0xf0) >= isrv ? a->tpr & 0xff : isrv;
}

void vlapic_set_irq(struct vcpu *v, u8 vec)
{
    struct vlapic *a = vl(v);

    if (vec < 16) {
        a->esr |= ESR_RECV_ILLEGAL;
        return;
    }
    set_vec(a->irr, vec);
    sched_wake(v);                                    /* a HLTed vCPU runs again */
}

int vlapic_pending(const struct vcpu *v)
{
    const struct vlapic *a = vl(v);
    int vec = highest(a->irr);

    if (vec < 0 || !(a->svr & SVR_ENABLE))
        return -1;
    return ((u32)vec & 0xf0) > (ppr(a) & 0xf0) ? vec : -1;
}

void vlapic_ack(struct vcpu *v, u8 vec)
{
    clear_vec(vl(v)->irr, vec);
    set_vec(vl(v)->isr, vec);
}

/* --- the timer --- */

static u32 divide_of(u32 tdcr)
{
    u32 d = ((tdcr >> 1) & 4) | (tdcr & 3);           /* bits 0, 1, 3 */

    return d == 7 ? 1 : 2u << d;
}

static void timer_fire(void *data)
{
    struct vcpu *v = data;
    struct vlapic *a = vl(v);
    u32 lvt = a->timer_vector_mode;
    u64 now = hv_now();

    if (v->domain->state != DOM_ACTIVE)
        return;                                       /* shut down or crashed: no more ticks */
    a->timer_ticks++;
    if (!(lvt & LVT_MASKED))
        vlapic_set_irq(v, (u8)lvt);
    if (!(lvt & LVT_PERIODIC))
        return;
    /* Late (a loaded host): the ticks missed meanwhile coalesce into this one; the phase stays. */
    a->timer_next += a->timer_period;
    if (a->timer_next <= now)
        a->timer_next += ((now - a->timer_next) / a->timer_period + 1) * a->timer_period;
    timer_set(&a->timer, a->timer_next);
}

/* A TMICT write: the count starts again with the divide and mode of now. */
static void timer_start(struct vcpu *v, u32 count)
{
    struct vlapic *a = vl(v);

    timer_stop(&a->timer);
    a->tmict = count;
    if (!count)
        return;
    a->timer_divide = divide_of(a->tdcr);
    a->timer_vector_mode = a->lvt[0] | ((a->svr & SVR_ENABLE) ? 0 : LVT_MASKED);
    a->timer_period = (u64)count * a->timer_divide * VLAPIC_BUS_NS;
    if ((a->lvt[0] & LVT_PERIODIC) && a->timer_period < VLAPIC_MIN_PERIOD_NS)
        a->timer_period = VLAPIC_MIN_PERIOD_NS;
    a->timer_start = hv_now();
    a->timer_next = a->timer_start + a->timer_period;
    timer_set(&a->timer, a->timer_next);
}

static u32 timer_current_count(const struct vlapic *a)
{
    u64 elapsed, cycles;

    if (!a->tmict)
        return 0;
    elapsed = hv_now() - a->timer_start;
    if (a->timer_vector_mode & LVT_PERIODIC)
        elapsed %= a->timer_period;
    else if (elapsed >= a->timer_period)
        return 0;
    cycles = elapsed / (a->timer_divide * VLAPIC_BUS_NS);
    return cycles >= a->tmict ? 0 : a->tmict - (u32)cycles;
}

/* --- registers --- */

static u32 reg_read(struct vcpu *v, unsigned int reg)
{
    const struct vlapic *a = vl(v);

    if (reg >= APIC_ISR && reg < APIC_ISR + 0x80)
        return a->isr[(reg - APIC_ISR) / 16];
    if (reg >= APIC_IRR && reg < APIC_IRR + 0x80)
        return __atomic_load_n(&a->irr[(reg - APIC_IRR) / 16], __ATOMIC_RELAXED);
    if (reg >= APIC_LVTT && reg <= APIC_LVTERR)
        return a->lvt[(reg - APIC_LVTT) / 16];
    switch (reg) {
    case APIC_ID:    return a->id;
    case APIC_VER:   return VLAPIC_VERSION;
    case APIC_TPR:   return a->tpr;
    case APIC_PPR:   return ppr(a);
    case APIC_LDR:   return a->ldr;
    case APIC_DFR:   return a->dfr;
    case APIC_SVR:   return a->svr;
    case APIC_ESR:   return a->esr;
    case APIC_ICR2:  return a->icr_hi;
    case APIC_TMICT: return a->tmict;
    case APIC_TMCCT: return timer_current_count(a);
    case APIC_TDCR:  return a->tdcr;
    default:         return 0;                        /* APR, TMR, ICR (idle), reserved */
    }
}

/* Fixed interrupts to this vCPU (self, all-including-self, or its own ID); the rest dropped. */
static void icr_write(struct vcpu *v, u32 lo)
{
    struct vlapic *a = vl(v);
    u32 shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
    bool to_me = shorthand == 1 || shorthand == 2 ||
                 (shorthand == 0 && !(lo & (1u << 11)) && (a->icr_hi >> 24) == (a->id >> 24));

    a->ipis++;
    if (mode != 0 || !to_me) {
        a->ipis_dropped++;                            /* INIT, SIPI, NMI, ...; other CPUs: none */
        return;
    }
    if ((lo & 0xff) < 16) {
        a->esr |= ESR_SEND_ILLEGAL;
        return;
    }
    vlapic_set_irq(v, (u8)lo);
}

static void svr_write(struct vlapic *a, u32 val)
{
    a->svr = val & 0x3ff;                             /* spurious vector, enable, focus */
    if (!(val & SVR_ENABLE)) {
        for (unsigned int i = 0; i < VLAPIC_NR_LVT; i++)
            a->lvt[i] |= LVT_MASKED;                  /* software-disabled: all masked */
        a->timer_vector_mode |= LVT_MASKED;
    }
}

static void lvt_write(struct vlapic *a, unsigned int i, u32 val)
{
    a->lvt[i] = val & lvt_write_mask[i];
    if (!(a->svr & SVR_ENABLE))
        a->lvt[i] |= LVT_MASKED;
    if (i == 0)                                       /* the mask applies at once, the mode at TMICT */
        a->timer_vector_mode = (a->timer_vector_mode & LVT_PERIODIC) |
                               (a->lvt[0] & ~LVT_PERIODIC);
}

static void reg_write(struct vcpu *v, unsigned int reg, u32 val)
{
    struct vlapic *a = vl(v);
    int isr;

    if (reg >= APIC_LVTT && reg <= APIC_LVTERR) {
        lvt_write(a, (reg - APIC_LVTT) / 16, val);
        return;
    }
    switch (reg) {
    case APIC_TPR:   a->tpr = val & 0xff; break;
    case APIC_EOI:
        if ((isr = highest(a->isr)) >= 0)
            clear_vec(a->isr, (unsigned int)isr);
        break;
    case APIC_LDR:   a->ldr = val & 0xff000000u; break;
    case APIC_DFR:   a->dfr = val | 0x0fffffffu; break;
    case APIC_SVR:   svr_write(a, val); break;
    case APIC_ESR:   a->esr = 0; break;
    case APIC_ICR:   icr_write(v, val); break;
    case APIC_ICR2:  a->icr_hi = val & 0xff000000u; break;
    case APIC_TMICT: timer_start(v, val); break;
    case APIC_TDCR:  a->tdcr = val & 0xb; break;
    default:         break;                           /* ID, version, PPR, ISR, ...: read-only */
    }
}

int vlapic_mmio_read(struct vcpu *v, u64 off, unsigned int size, u64 *val)
{
    unsigned int in_reg = off & 0xf;

    *val = 0;
    if (in_reg + size <= 4)                           /* a part of the register's dword */
        *val = (reg_read(v, (unsigned int)off & 0xff0) >> (8 * in_reg)) &
               (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
    return 0;
}

int vlapic_mmio_write(struct vcpu *v, u64 off, unsigned int size, u64 val)
{
    if (size == 4 && !(off & 0xf))
        reg_write(v, (unsigned int)off, (u32)val);
    return 0;                                         /* other widths: ignored, as Xen does */
}

void vlapic_init(struct vcpu *v)
{
    struct vlapic *a = vl(v);

    memset(a, 0, sizeof(*a));
    a->id = v->id << 24;
    a->svr = 0xff;                                    /* software-disabled until the guest enables it */
    a->dfr = 0xffffffffu;
    for (unsigned int i = 0; i < VLAPIC_NR_LVT; i++)
        a->lvt[i] = LVT_MASKED;
    a->timer_vector_mode = LVT_MASKED;
    timer_init(&a->timer, timer_fire, v);
}

void vlapic_destroy(struct vcpu *v)
{
    struct vlapic *a = vl(v);

    timer_kill(&a->timer);
    if (a->timer_ticks || a->ipis)
        hv_info("d%u v%u: local APIC: %lu timer ticks, %lu IPIs (%lu dropped)\n",
                v->domain->id, v->id, a->timer_ticks, a->ipis, a->ipis_dropped);
}
