/*
 * lazy-cr3: an idle CPU may keep a PV vCPU's page tables in CR3 (docs/smp.md
 * "Lazy CR3"); this guest makes sure no CPU is ever left on tables that
 * stopped being page tables.
 *
 * Both vCPUs (two CPUs, smp=2) loop for ms milliseconds, each over its own
 * address spaces: build an L4 (the boot L4's kernel slot 511 and a private
 * chain at PRIV_VA), pin it, switch to it, sleep for `nap_us` (SCHEDOP_poll
 * with no ports: the CPU goes idle on these tables), wake (on the same CPU,
 * or pulled by the other one), check the private mapping, switch back to the
 * boot L4, unpin, make the four pages writable and fill them with garbage,
 * the hypervisor slots of the L4 included. A CPU still idle on that L4 (a
 * vCPU that moved on without its old CPU letting go) would take its next
 * TLB miss through garbage: the machine dies, the runner sees no DONE.
 * Left alone the vCPUs stay on their CPUs, so vCPU 0 (the guest is dom0:
 * it may) moves vCPU 1's hard affinity between the two CPUs every `flip`
 * of its own cycles: vCPU 1 then wakes on the CPU it was not idle on, and
 * that CPU must make the other let go first (arch_vcpu_drop_lazy). The
 * runner checks that vCPU 1 ran on both CPUs.
 * Arguments: pvhv.vcpus=2, ms=<N> (default 3000), nap_us=<N> (default 300),
 * flip=<N> (default 4).
 */
#include "ctl.h"
#include "mm.h"
#include "smp.h"

const char test_name[] = "lazy-cr3";

#define NSPACE   2
#define PRIV_VA  0x0000010000000000UL           /* L4 slot 2 */
#define GARBAGE  0xdeadbeefcafe0007UL           /* present, writable, user: nonsense */

struct space { uint64_t l4[512], l3[512], l2[512], l1[512]; };
static struct space spaces[2][NSPACE] __aligned(PAGE_SIZE);
static uint64_t data[2][512] __aligned(PAGE_SIZE);
static uint8_t v1_stack[16384] __aligned(16);
static struct vcpu_guest_context ctx;
static volatile uint64_t end_ns, nap_ns;
static volatile unsigned long cycles[2], errors[2];
static volatile bool v1_done;

static bool fail_once(unsigned int who, const char *what, long rc, unsigned long it)
{
    if (errors[who]++ < 3)
        fail(what, "vCPU %u, cycle %lu: rc %ld", who, it, rc);
    return false;
}

#define TRY(expr, what) do { long _rc = (expr); if (_rc) return fail_once(who, what, _rc, it); } while (0)

static bool build(struct space *s, unsigned int who, unsigned long it)
{
    memset(s, 0, sizeof(*s));
    s->l1[0] = virt_to_maddr(data[who]) | PTE_RW_ACC;
    s->l2[0] = virt_to_maddr(s->l1) | PTE_RW_ACC;
    s->l3[0] = virt_to_maddr(s->l2) | PTE_RW_ACC;
    s->l4[l4_idx(PRIV_VA)] = virt_to_maddr(s->l3) | PTE_RW_ACC;
    s->l4[511] = boot_l4()[511];
    TRY(make_ro(s->l1), "L1 read-only");
    TRY(make_ro(s->l2), "L2 read-only");
    TRY(make_ro(s->l3), "L3 read-only");
    TRY(make_ro(s->l4), "L4 read-only");
    TRY(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(s->l4)), "pin L4");
    return true;
}

/* Idle until the deadline: no ports, so only the timeout wakes us. */
static void nap(void)
{
    struct sched_poll p = { .nr_ports = 0, .timeout = pvclock_ns() + nap_ns };

    hc_sched_op(SCHEDOP_poll, &p);
}

/* The tables stop being tables and hold garbage, the L4's hypervisor slots too. */
static bool trash(struct space *s, unsigned int who, unsigned long it)
{
    TRY(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(s->l4)), "unpin L4");
    TRY(make_rw(s->l4), "L4 writable again");
    TRY(make_rw(s->l3), "L3 writable again");
    TRY(make_rw(s->l2), "L2 writable again");
    TRY(make_rw(s->l1), "L1 writable again");
    for (unsigned int i = 0; i < 512; i++)
        s->l4[i] = s->l3[i] = s->l2[i] = s->l1[i] = GARBAGE;
    return true;
}

static bool cycle(unsigned int who, unsigned long it)
{
    struct space *s = &spaces[who][it % NSPACE];
    volatile uint64_t *priv = (uint64_t *)PRIV_VA;

    if (!build(s, who, it))
        return false;
    TRY(mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(s->l4)), "NEW_BASEPTR(new L4)");
    nap();
    if (priv[1] != data[who][1])
        fail_once(who, "the private mapping after the nap", (long)priv[1], it);
    priv[2] = it;
    TRY(mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(boot_l4())), "NEW_BASEPTR(boot L4)");
    return trash(s, who, it);
}

static uint8_t cpumap[8];
static volatile unsigned long flips;

/* vCPU 1's hard affinity: only `cpu`. */
static long pin_v1(unsigned int cpu)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_setvcpuaffinity, .domain = (domid_t)own_domid() };

    memset(cpumap, 0, sizeof(cpumap));
    cpumap[0] = (uint8_t)(1u << cpu);
    op.u.vcpuaffinity.vcpu = 1;
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, cpumap);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 8;
    return ctl_domctl(&op);
}

static void run(unsigned int who, unsigned long flip)
{
    for (unsigned long it = 0; pvclock_ns() < end_ns && cycle(who, it); it++) {
        cycles[who]++;
        if (who == 0 && flip && it % flip == flip - 1 && !pin_v1((unsigned int)(it / flip) & 1))
            flips++;
    }
}

static void v1_main(void)
{
    run(1, 0);
    v1_done = true;
    hc_vcpu_op(VCPUOP_down, 1, NULL);
    for (;;)
        ;
}

void test_main(void)
{
    uint64_t ms = (uint64_t)cmdline_int("ms", 3000);

    nap_ns = (uint64_t)cmdline_int("nap_us", 300) * 1000;
    for (unsigned int w = 0; w < 2; w++)
        for (unsigned int i = 0; i < 512; i++)
            data[w][i] = 0x1a2ec3000000000UL | ((uint64_t)w << 16) | i;
    end_ns = pvclock_ns() + ms * 1000000;
    vcpu_context_at(&ctx, v1_main, v1_stack, sizeof(v1_stack));
    if (!check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1") ||
        !check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1"))
        return;
    run(0, (unsigned long)cmdline_int("flip", 4));
    while (!v1_done && pvclock_ns() < end_ns + 2000000000UL)
        sched_yield();
    check(v1_done, "vCPU 1 finished its cycles", "-");
    info("cycles: vCPU 0 %lu, vCPU 1 %lu; vCPU 1 moved %lu times", cycles[0], cycles[1], flips);
    check(flips > 10, "vCPU 1's affinity moved between the CPUs", "%lu times", flips);
    check(cycles[0] > 100 && cycles[1] > 100, "both vCPUs built, slept on and trashed tables",
          "vCPU 0 %lu, vCPU 1 %lu cycles", cycles[0], cycles[1]);
    check(errors[0] == 0 && errors[1] == 0, "every cycle whole", "%lu and %lu errors",
          errors[0], errors[1]);
    check(boot_l4()[511] != 0, "back on the boot L4", "-");
}
