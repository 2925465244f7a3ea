/*
 * The IPI self-test (smp_selftest on the command line), run once the APs
 * are up and before any domain exists: call-function on every CPU and on
 * each alone, a TLB-flush round that must make every CPU drop a stale
 * translation, and many IPIs in a row. Prints "(HV) smp selftest: PASS: ..."
 * or "FAIL: ..." lines and "smp selftest: N passed, M failed" (the test
 * runner greps for it: tests/guests/tests.conf, smp-*).
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <asm/boot.h>
#include <asm/ipi.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/percpu.h>

#define ROUNDS         500
#define RESCHED_ROUNDS 200
#define WAIT_NS        2000000000ULL
#define TEST_L4_SLOT   263                           /* unused by the hypervisor and guests */
#define TEST_VA        (0xffff000000000000UL | ((u64)TEST_L4_SLOT << 39))

static unsigned int passed, failed;
static u64 ran[HV_NR_CPUS];                          /* call-function runs, per CPU */
static u64 seen[HV_NR_CPUS];                         /* what each CPU read at TEST_VA */

static void check(bool ok, const char *what)
{
    if (ok)
        passed++;
    else
        failed++;
    hv_info("smp selftest: %s: %s\n", ok ? "PASS" : "FAIL", what);
}

static void mark_ran(void *unused)
{
    (void)unused;
    __atomic_fetch_add(&ran[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

/* Exactly the CPUs in mask ran `times` times since the counters were zeroed. */
static bool ran_exactly(const cpumask_t *mask, u64 times)
{
    for (unsigned int cpu = 0; cpu < HV_NR_CPUS; cpu++)
        if (ran[cpu] != (cpumask_test(mask, cpu) ? times : 0))
            return false;
    return true;
}

static void test_call_function(void)
{
    cpumask_t all = arch_cpus_online(), one;
    bool each_alone = true;
    unsigned int cpu;

    memset(ran, 0, sizeof(ran));
    arch_on_cpus(&all, mark_ran, NULL);
    check(ran_exactly(&all, 1), "call-function on every CPU ran once on each");
    for_each_cpu(cpu, &all) {
        memset(ran, 0, sizeof(ran));
        one = cpumask_of(cpu);
        arch_on_cpus(&one, mark_ran, NULL);
        each_alone &= ran_exactly(&one, 1);
    }
    check(each_alone, "call-function on each CPU alone ran there and nowhere else");
    memset(ran, 0, sizeof(ran));
    for (int i = 0; i < ROUNDS; i++)
        arch_on_cpus(&all, mark_ran, NULL);
    check(ran_exactly(&all, ROUNDS), "500 call-function rounds in a row, every run counted");
}

static void read_test_va(void *unused)
{
    (void)unused;
    seen[smp_processor_id()] = *(volatile u64 *)TEST_VA;
}

/* Every online CPU read `want` at TEST_VA; *stale counts those that did not. */
static bool all_saw(u64 want, unsigned int *stale)
{
    cpumask_t all = arch_cpus_online();
    unsigned int cpu;

    *stale = 0;
    for_each_cpu(cpu, &all)
        *stale += seen[cpu] != want;
    return *stale == 0;
}

/* TEST_VA -> page a through fresh tables in hv_idle_l4 (every CPU's while idle). */
static u64 *map_test_page(u64 **tables, u64 *a)
{
    for (int i = 0; i < 3; i++)
        tables[i] = hv_alloc_pages(1);
    if (!tables[0] || !tables[1] || !tables[2])
        return NULL;
    tables[2][0] = PA(a) | _PAGE_PRESENT | _PAGE_RW;
    tables[1][0] = PA(tables[2]) | _PAGE_PRESENT | _PAGE_RW;
    tables[0][0] = PA(tables[1]) | _PAGE_PRESENT | _PAGE_RW;
    hv_idle_l4[TEST_L4_SLOT] = PA(tables[0]) | _PAGE_PRESENT | _PAGE_RW;
    return &tables[2][0];
}

static void test_tlb_flush(void)
{
    cpumask_t all = arch_cpus_online();
    u64 *a = hv_alloc_pages(1), *b = hv_alloc_pages(1), *tables[3] = { 0 }, *pte;
    unsigned int stale_before, stale_after;

    pte = a && b ? map_test_page(tables, a) : NULL;
    if (!pte) {
        check(false, "TLB flush: no memory for the test mapping");
        return;
    }
    *a = 0xaaaa;
    *b = 0xbbbb;
    arch_flush_tlb_mask(&all);                       /* nobody holds an older TEST_VA entry */
    arch_on_cpus(&all, read_test_va, NULL);          /* every CPU caches TEST_VA -> a */
    check(all_saw(0xaaaa, &stale_before), "TLB flush: every CPU reads the first page");
    *pte = PA(b) | _PAGE_PRESENT | _PAGE_RW;         /* no flush yet: entries may be stale */
    arch_on_cpus(&all, read_test_va, NULL);
    all_saw(0xbbbb, &stale_before);
    arch_flush_tlb_mask(&all);
    arch_on_cpus(&all, read_test_va, NULL);
    check(all_saw(0xbbbb, &stale_after), "TLB flush IPI round: every CPU reads the new page");
    hv_info("smp selftest: %u CPU(s) still read the old page before the flush, %u after\n",
            stale_before, stale_after);
    hv_idle_l4[TEST_L4_SLOT] = 0;
    arch_flush_tlb_mask(&all);
    for (int i = 0; i < 3; i++)
        hv_free_pages(tables[i], 1);
    hv_free_pages(a, 1);
    hv_free_pages(b, 1);
}

/* One reschedule IPI at a time, each seen before the next (pending IPIs would merge). */
static bool resched_one_by_one(unsigned int cpu)
{
    volatile u64 *got = &hv_cpu_data[cpu]->ipis_received[IPI_RESCHED];

    for (int i = 0; i < RESCHED_ROUNDS; i++) {
        u64 before = *got, end = hv_now() + WAIT_NS;

        arch_send_reschedule(cpu);
        while (*got == before)
            if (hv_now() > end)
                return false;
    }
    return true;
}

static void test_resched(void)
{
    cpumask_t all = arch_cpus_online();
    bool ok = true;
    unsigned int cpu;

    for_each_cpu(cpu, &all)
        if (cpu != smp_processor_id())
            ok &= resched_one_by_one(cpu);
    check(ok, "200 reschedule IPIs to every other CPU, each received");
}

static void planted_panic(void *unused)
{
    (void)unused;
    hv_panic("debug_panic=ap: planted panic on CPU %u\n", smp_processor_id());
}

/* debug_panic=ap: CPU 1 panics while CPU 0 waits for it; the NMI must stop CPU 0. */
void smp_debug_panic_ap(void)
{
    cpumask_t one = cpumask_of(1);

    if (hv_nr_cpus_online > 1)
        arch_on_cpus(&one, planted_panic, NULL);
}

void smp_selftest(void)
{
    u64 t0 = hv_now();

    hv_info("smp selftest: %u CPUs\n", hv_nr_cpus_online);
    test_call_function();
    test_tlb_flush();
    test_resched();
    hv_info("smp selftest: %u passed, %u failed (%lu ms)\n", passed, failed,
            (hv_now() - t0) / 1000000);
}
