/*
 * Sets of physical CPUs. HV_NR_CPUS fits one word, so a mask is a plain
 * value; the _atomic variants are for masks other CPUs change at the same
 * time (the call-function pending set). Pure logic: unit-tested on the host.
 */
#ifndef HV_CPUMASK_H
#define HV_CPUMASK_H

#include <hv/types.h>

#define HV_NR_CPUS 64

typedef struct { u64 bits; } cpumask_t;

static inline cpumask_t cpumask_none(void) { return (cpumask_t){ 0 }; }
static inline cpumask_t cpumask_of(unsigned int cpu) { return (cpumask_t){ 1ULL << cpu }; }

/* CPUs 0..n-1 (n <= HV_NR_CPUS). */
static inline cpumask_t cpumask_first_n(unsigned int n)
{
    return (cpumask_t){ n >= HV_NR_CPUS ? ~0ULL : (1ULL << n) - 1 };
}

static inline bool cpumask_test(const cpumask_t *m, unsigned int cpu)
{
    return cpu < HV_NR_CPUS && (m->bits >> cpu) & 1;
}

static inline void cpumask_set(cpumask_t *m, unsigned int cpu)
{
    if (cpu < HV_NR_CPUS)
        m->bits |= 1ULL << cpu;
}

static inline void cpumask_clear(cpumask_t *m, unsigned int cpu)
{
    if (cpu < HV_NR_CPUS)
        m->bits &= ~(1ULL << cpu);
}

static inline bool cpumask_empty(const cpumask_t *m) { return !m->bits; }
/* Counted by hand: __builtin_popcountll may call libgcc, which the hypervisor does not link. */
static inline unsigned int cpumask_weight(const cpumask_t *m)
{
    unsigned int n = 0;

    for (u64 b = m->bits; b; b &= b - 1)
        n++;
    return n;
}

static inline cpumask_t cpumask_and(const cpumask_t *a, const cpumask_t *b)
{
    return (cpumask_t){ a->bits & b->bits };
}

static inline cpumask_t cpumask_andnot(const cpumask_t *a, const cpumask_t *b)
{
    return (cpumask_t){ a->bits & ~b->bits };
}

static inline cpumask_t cpumask_or(const cpumask_t *a, const cpumask_t *b)
{
    return (cpumask_t){ a->bits | b->bits };
}

/* The lowest CPU in m at or above `from`; HV_NR_CPUS when there is none. */
static inline unsigned int cpumask_next(const cpumask_t *m, unsigned int from)
{
    u64 rest = from >= HV_NR_CPUS ? 0 : m->bits >> from << from;

    return rest ? (unsigned int)__builtin_ctzll(rest) : HV_NR_CPUS;
}

/* The highest CPU in m; HV_NR_CPUS when there is none (Xen's cpumask_last). */
static inline unsigned int cpumask_last(const cpumask_t *m)
{
    return m->bits ? HV_NR_CPUS - 1 - (unsigned int)__builtin_clzll(m->bits) : HV_NR_CPUS;
}

#define for_each_cpu(cpu, m) \
    for ((cpu) = cpumask_next((m), 0); (cpu) < HV_NR_CPUS; (cpu) = cpumask_next((m), (cpu) + 1))

/* Shared masks: every read and change is one atomic operation on the word. */
static inline cpumask_t cpumask_read_atomic(const cpumask_t *m)
{
    return (cpumask_t){ __atomic_load_n(&m->bits, __ATOMIC_ACQUIRE) };
}

static inline void cpumask_write_atomic(cpumask_t *m, cpumask_t v)
{
    __atomic_store_n(&m->bits, v.bits, __ATOMIC_RELEASE);
}

static inline void cpumask_set_atomic(cpumask_t *m, unsigned int cpu)
{
    if (cpu < HV_NR_CPUS)
        __atomic_fetch_or(&m->bits, 1ULL << cpu, __ATOMIC_ACQ_REL);
}

/* Clears cpu's bit; true if it was set (whoever clears it first owns the event). */
static inline bool cpumask_test_and_clear_atomic(cpumask_t *m, unsigned int cpu)
{
    if (cpu >= HV_NR_CPUS)
        return false;
    return __atomic_fetch_and(&m->bits, ~(1ULL << cpu), __ATOMIC_ACQ_REL) & (1ULL << cpu);
}

#endif
