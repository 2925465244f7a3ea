/* time.c: pvclock (vcpu_time_info, version-protocol reads). */
#include "guest.h"

struct pvclock_snap { uint64_t tsc, sys; uint32_t mul; int8_t shift; };

static void snapshot(struct pvclock_snap *s)
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t v;

    do {
        v = t->version;
        barrier();
        s->tsc = t->tsc_timestamp;
        s->sys = t->system_time;
        s->mul = t->tsc_to_system_mul;
        s->shift = t->tsc_shift;
        barrier();
    } while ((v & 1) || v != t->version);
}

static uint64_t scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t pvclock_tsc_to_ns(uint64_t tsc_delta)
{
    struct pvclock_snap s;

    snapshot(&s);
    return scale(tsc_delta, s.mul, s.shift);
}

uint64_t pvclock_ns(void)
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t v;
    uint64_t ns;

    do {
        v = t->version;
        barrier();
        ns = t->system_time + scale(rdtsc() - t->tsc_timestamp, t->tsc_to_system_mul,
                                    t->tsc_shift);
        barrier();
    } while ((v & 1) || v != t->version);
    return ns;
}

void udelay_spin(uint64_t us)
{
    uint64_t end = pvclock_ns() + us * 1000;

    while (pvclock_ns() < end)
        asm volatile("pause");
}
