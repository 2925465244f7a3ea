/* SMP pure logic: the MADT parser (arch/x86/acpi_madt.c) and the CPU-mask helpers (hv/cpumask.h). */
#include <hv/cpumask.h>
#include <hv/domain.h>
#include <hv/tlb_mask.h>
#include <hv/tlb_clock.h>
#include <hv/frame.h>
#include <hv/errno.h>
#include <asm/acpi.h>

#include "harness.h"

/* A MADT under construction: header, LAPIC address, flags, then entries. */
struct madt_buf {
    u8 b[2048];
    size_t len;
};

static void madt_begin(struct madt_buf *m)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->b, "APIC", 4);
    m->b[36] = 0x00; m->b[37] = 0x00; m->b[38] = 0xe0; m->b[39] = 0xfe;   /* 0xfee00000 */
    m->len = 44;
}

static void madt_put(struct madt_buf *m, const u8 *e, size_t n)
{
    memcpy(m->b + m->len, e, n);
    m->len += n;
}

static void madt_lapic(struct madt_buf *m, u8 acpi_id, u8 apic_id, u32 flags)
{
    u8 e[8] = { 0, 8, acpi_id, apic_id };

    memcpy(e + 4, &flags, 4);
    madt_put(m, e, sizeof(e));
}

static void madt_x2apic(struct madt_buf *m, u32 apic_id, u32 flags)
{
    u8 e[16] = { 9, 16 };

    memcpy(e + 4, &apic_id, 4);
    memcpy(e + 8, &flags, 4);
    madt_put(m, e, sizeof(e));
}

/* Length and checksum, as a firmware would write them. */
static const void *madt_end(struct madt_buf *m)
{
    u32 len = (u32)m->len;
    u8 sum = 0;

    memcpy(m->b + 4, &len, 4);
    m->b[9] = 0;
    for (size_t i = 0; i < m->len; i++)
        sum += m->b[i];
    m->b[9] = (u8)-sum;
    return m->b;
}

static void test_madt_cpus_in_order(void)
{
    struct madt_buf m;
    struct madt_cpus c;
    u8 ioapic[12] = { 1, 12, 0, 0, 0, 0, 0xc0, 0xfe };

    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    madt_put(&m, ioapic, sizeof(ioapic));             /* other entries are skipped */
    madt_lapic(&m, 1, 4, 1);
    madt_lapic(&m, 2, 2, 0);                          /* disabled: not a CPU to start */
    madt_lapic(&m, 3, 6, 3);
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), 0);
    EXPECT_EQ(c.nr, 3);
    EXPECT_EQ(c.apic_id[0], 0);
    EXPECT_EQ(c.apic_id[1], 4);
    EXPECT_EQ(c.apic_id[2], 6);
    EXPECT_EQ(c.lapic_base, 0xfee00000ULL);
}

static void test_madt_x2apic_and_duplicates(void)
{
    struct madt_buf m;
    struct madt_cpus c;

    madt_begin(&m);
    madt_lapic(&m, 0, 1, 1);
    madt_x2apic(&m, 1, 1);                            /* the same CPU listed again */
    madt_x2apic(&m, 300, 1);                          /* only an x2APIC can have this id */
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), 0);
    EXPECT_EQ(c.nr, 2);
    EXPECT_EQ(c.apic_id[1], 300);
}

static void test_madt_too_many_cpus(void)
{
    struct madt_buf m;
    struct madt_cpus c;

    madt_begin(&m);
    for (unsigned int i = 0; i < HV_NR_CPUS + 5; i++)
        madt_x2apic(&m, i, 1);
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), 0);
    EXPECT_EQ(c.nr, HV_NR_CPUS);
    EXPECT_EQ(c.dropped, 5);
}

static void test_madt_rejects_broken_tables(void)
{
    struct madt_buf m;
    struct madt_cpus c;

    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    madt_end(&m);
    m.b[9] ^= 1;                                      /* bad checksum */
    EXPECT_EQ(madt_parse(m.b, m.len, &c), -EINVAL);
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len - 1, &c), -EINVAL);   /* length beyond the buffer */
    memcpy(m.b, "APIX", 4);
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), -EINVAL);   /* not a MADT */

    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    m.b[m.len - 7] = 0;                               /* an entry of length 0 would loop */
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), -EINVAL);
    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    m.b[m.len - 7] = 200;                             /* an entry past the table's end */
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), -EINVAL);
    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    m.b[m.len - 7] = 4;                               /* a LAPIC entry too short for its flags */
    m.len -= 4;
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), -EINVAL);
    EXPECT_EQ(madt_parse(m.b, 10, &c), -EINVAL);      /* shorter than the header */
}

static void test_madt_lapic_override(void)
{
    struct madt_buf m;
    struct madt_cpus c;
    u8 ovr[12] = { 5, 12, 0, 0 };
    u64 base = 0x123456789000ULL;

    memcpy(ovr + 4, &base, 8);
    madt_begin(&m);
    madt_put(&m, ovr, sizeof(ovr));
    madt_lapic(&m, 0, 0, 1);
    madt_end(&m);
    EXPECT_EQ(madt_parse(m.b, m.len, &c), 0);
    EXPECT_EQ(c.lapic_base, base);
    EXPECT_EQ(c.nr, 1);
}

static void test_cpumask_basics(void)
{
    cpumask_t m = cpumask_none(), all = cpumask_first_n(4), one = cpumask_of(2), r;
    unsigned int cpu, seen = 0, n = 0;

    CU_ASSERT(cpumask_empty(&m));
    cpumask_set(&m, 0);
    cpumask_set(&m, 63);
    cpumask_set(&m, 64);                              /* out of range: ignored */
    EXPECT_EQ(cpumask_weight(&m), 2);
    CU_ASSERT(cpumask_test(&m, 63));
    CU_ASSERT(!cpumask_test(&m, 64));
    cpumask_clear(&m, 0);
    EXPECT_EQ(cpumask_next(&m, 0), 63);
    EXPECT_EQ(cpumask_next(&m, 64), HV_NR_CPUS);
    EXPECT_EQ(cpumask_weight(&all), 4);
    r = cpumask_first_n(HV_NR_CPUS);
    EXPECT_EQ(cpumask_weight(&r), HV_NR_CPUS);
    r = cpumask_andnot(&all, &one);
    for_each_cpu(cpu, &r) {
        seen |= 1u << cpu;
        n++;
    }
    EXPECT_EQ(seen, 0xb);
    EXPECT_EQ(n, 3);
    r = cpumask_and(&all, &one);
    EXPECT_EQ(cpumask_weight(&r), 1);
    r = cpumask_or(&r, &m);
    EXPECT_EQ(cpumask_weight(&r), 2);
}

static void test_cpumask_atomic(void)
{
    cpumask_t m = cpumask_none();

    cpumask_set_atomic(&m, 5);
    cpumask_set_atomic(&m, 7);
    CU_ASSERT(cpumask_test_and_clear_atomic(&m, 5));
    CU_ASSERT(!cpumask_test_and_clear_atomic(&m, 5)); /* only the first clear owns it */
    CU_ASSERT(!cpumask_test_and_clear_atomic(&m, 99));
    EXPECT_EQ(cpumask_read_atomic(&m).bits, 1ULL << 7);
    cpumask_write_atomic(&m, cpumask_none());
    CU_ASSERT(cpumask_empty(&m));
}

/* The I/O APICs and ISA overrides (madt_parse_irqs), as QEMU's q35 lists them, and bad entries. */
static void test_madt_irqs(void)
{
    struct madt_buf m;
    struct madt_irqs irqs;
    u8 ioapic[12] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
    u8 ioapic2[12] = { 1, 12, 1, 0, 0x00, 0x10, 0xc0, 0xfe, 24, 0, 0, 0 };
    u8 iso_timer[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };          /* IRQ0 -> GSI 2 */
    u8 iso_sci[10] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0 };          /* IRQ9: level, high */
    u8 iso_bad[9] = { 2, 9, 0, 5, 5, 0, 0, 0, 0 };                   /* too short */

    madt_begin(&m);
    madt_lapic(&m, 0, 0, 1);
    madt_put(&m, ioapic, sizeof(ioapic));
    madt_put(&m, ioapic2, sizeof(ioapic2));
    madt_put(&m, iso_timer, sizeof(iso_timer));
    madt_put(&m, iso_sci, sizeof(iso_sci));
    madt_end(&m);
    EXPECT_EQ(madt_parse_irqs(m.b, m.len, &irqs), 0);
    EXPECT_EQ(irqs.nr_ioapics, 2);
    EXPECT_EQ(irqs.ioapic[0].addr, 0xfec00000u);
    EXPECT_EQ(irqs.ioapic[0].gsi_base, 0);
    EXPECT_EQ(irqs.ioapic[1].id, 1);
    EXPECT_EQ(irqs.ioapic[1].addr, 0xfec01000u);
    EXPECT_EQ(irqs.ioapic[1].gsi_base, 24);
    CU_ASSERT_TRUE(irqs.isa[0].present);
    EXPECT_EQ(irqs.isa[0].gsi, 2);
    CU_ASSERT_TRUE(irqs.isa[9].present);
    EXPECT_EQ(irqs.isa[9].flags, 0x0d);
    CU_ASSERT_FALSE(irqs.isa[4].present);

    madt_begin(&m);
    madt_put(&m, iso_bad, sizeof(iso_bad));
    madt_end(&m);
    EXPECT_EQ(madt_parse_irqs(m.b, m.len, &irqs), -EINVAL);
    ioapic[1] = 11;                                   /* an I/O APIC entry too short */
    madt_begin(&m);
    madt_put(&m, ioapic, 11);
    madt_end(&m);
    EXPECT_EQ(madt_parse_irqs(m.b, m.len, &irqs), -EINVAL);
}

/* The dirty-CPU mask: set and cleared per CPU, the vCPUs' CPUs for *_MULTI, the flushes. */
static void test_tlb_dirty_mask(void)
{
    struct domain *d = harness_domain(1, 3, false);

    CU_ASSERT(cpumask_empty(&d->dirty_cpumask));
    tlb_dirty_enter(d, 0);
    tlb_dirty_enter(d, 2);
    tlb_dirty_enter(d, 2);                            /* twice: still one bit */
    EXPECT_EQ(d->dirty_cpumask.bits, 0x5);
    tlb_dirty_leave(d, 2);
    tlb_dirty_leave(d, 7);                            /* never in it: nothing */
    EXPECT_EQ(d->dirty_cpumask.bits, 0x1);
    d->vcpus[0]->processor = 0;
    d->vcpus[1]->processor = 2;
    d->vcpus[2]->processor = 3;
    tlb_dirty_enter(d, 2);
    tlb_dirty_enter(d, 3);
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0x2).bits, 0x4);   /* vCPU 1: CPU 2 */
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0x5).bits, 0x9);   /* vCPUs 0 and 2: CPUs 0, 3 */
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0x7).bits, 0xd);
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0).bits, 0);
    EXPECT_EQ(tlb_mask_of_vcpus(d, 1ULL << 5).bits, 0);   /* no such vCPU */
    EXPECT_EQ(tlb_mask_of_vcpus(d, ~0ULL).bits, 0xd);
    tlb_dirty_leave(d, 3);                            /* CPU 3 ran another domain since */
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0x5).bits, 0x1);
    d->vcpus[1]->processor = 5;                       /* moved, not yet loaded there */
    EXPECT_EQ(tlb_mask_of_vcpus(d, 0x2).bits, 0);
}

static void test_tlb_flushes(void)
{
    struct domain *d = harness_domain(1, 2, false);
    cpumask_t m = { 0x1 };

    harness_flushed = cpumask_none();
    harness_flush_ipis = 0;
    CU_ASSERT(tlb_flush_others(&m));                  /* this CPU only: no IPI, flush here */
    EXPECT_EQ(harness_flush_ipis, 0);
    m.bits = 0x6;
    CU_ASSERT(!tlb_flush_others(&m));                 /* others only */
    EXPECT_EQ(harness_flushed.bits, 0x6);
    m.bits = 0x9;
    harness_flushed = cpumask_none();
    CU_ASSERT(tlb_flush_others(&m));                  /* both: the IPI never includes us */
    EXPECT_EQ(harness_flushed.bits, 0x8);
    harness_flushed = cpumask_none();
    harness_flush_ipis = 0;
    host_test_pcpu.tlb_flush_pending = false;
    tlb_dirty_enter(d, 0);
    tlb_flush_domain_stale(d);                        /* runs only here: a local flush later */
    CU_ASSERT(host_test_pcpu.tlb_flush_pending);
    EXPECT_EQ(harness_flush_ipis, 0);
    tlb_dirty_enter(d, 4);
    tlb_flush_domain_stale(d);                        /* and on CPU 4: flushed now */
    EXPECT_EQ(harness_flushed.bits, 0x10);
    host_test_pcpu.tlb_flush_pending = false;
    tlb_flush_domain_stale(NULL);                     /* no domain: this CPU only */
    CU_ASSERT(host_test_pcpu.tlb_flush_pending);
    EXPECT_EQ(harness_flush_ipis, 1);
    host_test_pcpu.tlb_flush_pending = false;
}

/* CPU `cpu` completes a full flush now (the harness has one pcpu; its id moves). */
static void flushed_on(unsigned int cpu)
{
    unsigned int me = host_test_pcpu.id;

    host_test_pcpu.id = cpu;
    tlb_clock_flushed(tlb_clock_read());
    host_test_pcpu.id = me;
}

static void test_tlb_clock_stale(void)
{
    cpumask_t four = cpumask_first_n(4);
    u64 s;

    for (unsigned int cpu = 0; cpu < 4; cpu++)
        flushed_on(cpu);
    s = tlb_clock_tick();                              /* a free after all four flushes */
    EXPECT_EQ(tlb_clock_stale(&four, s).bits, 0xf);
    EXPECT_EQ(tlb_clock_stale(&four, s - 1).bits, 0);  /* older frees: all flushed since */
    flushed_on(2);                                     /* CPU 2 flushed after the free */
    EXPECT_EQ(tlb_clock_stale(&four, s).bits, 0xb);
    EXPECT_EQ(tlb_clock_stale(&(cpumask_t){ 0x4 }, s).bits, 0);
    s = tlb_clock_tick();
    EXPECT_EQ(tlb_clock_stale(&four, s).bits, 0xf);    /* and then another free */
}

static void test_tlb_clock_widen(void)
{
    EXPECT_EQ(tlb_clock_widen(7, 7), 7);
    EXPECT_EQ(tlb_clock_widen(5, 0x100000007ULL), 0x100000005ULL);
    EXPECT_EQ(tlb_clock_widen(0xfffffff0U, 0x100000007ULL), 0xfffffff0ULL);   /* across a wrap */
    EXPECT_EQ(tlb_clock_widen(0, 0x100000007ULL), 0x100000000ULL);   /* never older than real */
    EXPECT_EQ(tlb_clock_widen(0, 12), 0);                             /* boot's frames */
}

/*
 * A frame another CPU may still cache (freed after that CPU's last flush)
 * goes out again only after that CPU is flushed; the free itself flushes
 * nothing, and frames freed before every CPU's last flush flush nothing.
 */
static void test_tlb_clock_alloc(void)
{
    static u64 bitmap[1];
    static struct frame_info info[8];
    struct frame_pool p;

    harness_cpus_online = cpumask_first_n(4);
    frame_pool_init(&p, bitmap, info, 8);
    frame_pool_free_range(&p, 0, 8);
    for (unsigned int cpu = 0; cpu < 4; cpu++)
        flushed_on(cpu);
    harness_flushed = cpumask_none();
    harness_flush_ipis = 0;
    EXPECT_EQ(frame_alloc(&p, 8, 1, 1), 0);            /* boot's frames: no flush */
    EXPECT_EQ(frame_free(&p, 3, 1), 0);
    EXPECT_EQ(harness_flush_ipis, 0);                  /* freeing flushes nothing */
    flushed_on(2);
    EXPECT_EQ(frame_alloc(&p, 1, 1, 2), 3);            /* the same frame, to another owner */
    EXPECT_EQ(harness_flushed.bits, 0xb);              /* all but CPU 2, which flushed since */
    EXPECT_EQ(frame_free(&p, 5, 1), 0);
    EXPECT_EQ(frame_free(&p, 6, 1), 0);
    for (unsigned int cpu = 0; cpu < 4; cpu++)
        flushed_on(cpu);                               /* everyone flushed after both frees */
    harness_flush_ipis = 0;
    EXPECT_EQ(frame_alloc(&p, 2, 1, 2), 5);
    EXPECT_EQ(harness_flush_ipis, 0);
    EXPECT_EQ(frame_free(&p, 0, 2), 0);                /* one tick, two frames */
    flushed_on(1);
    harness_flushed = cpumask_none();
    EXPECT_EQ(frame_alloc(&p, 2, 1, 2), 0);
    EXPECT_EQ(harness_flushed.bits, 0xd);
    harness_cpus_online = cpumask_of(0);
}

static const struct unit_test tests[] = {
    { "madt_irqs", test_madt_irqs },
    { "madt_cpus_in_order", test_madt_cpus_in_order },
    { "madt_x2apic_and_duplicates", test_madt_x2apic_and_duplicates },
    { "madt_too_many_cpus", test_madt_too_many_cpus },
    { "madt_rejects_broken_tables", test_madt_rejects_broken_tables },
    { "madt_lapic_override", test_madt_lapic_override },
    { "cpumask_basics", test_cpumask_basics },
    { "cpumask_atomic", test_cpumask_atomic },
    { "tlb_dirty_mask", test_tlb_dirty_mask },
    { "tlb_flushes", test_tlb_flushes },
    { "tlb_clock_stale", test_tlb_clock_stale },
    { "tlb_clock_widen", test_tlb_clock_widen },
    { "tlb_clock_alloc", test_tlb_clock_alloc },
};

void suite_smp(void)
{
    ADD_SUITE("smp", tests);
}
