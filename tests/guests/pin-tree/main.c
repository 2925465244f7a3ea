/*
 * pin-tree: the largest page-table tree this guest's memory allows, pinned
 * and released while a 1 ms timer keeps interrupting. `tables=` frames
 * (default and at most 3072): one L4, one L3, then L2s and L1s; every L1
 * has 512 present entries (all mapping one data page read-only), and the
 * same subtrees are referenced many times (each L2's spare entries repeat
 * its first L1, the L3's spare entries repeat the L2s, L4 slots 0-255 all
 * hold the one L3). Pinning validates the whole tree and unpinning releases
 * it: both must be preemptible (continuations), so a bystander's timers
 * stay on time (pin-tree-bystander in tests.conf).
 *
 * While the pin is preempted (the event arrives with the guest rewound to
 * its mmuext_op, the count marked MMU_UPDATE_PREEMPTED), the event handler
 * attacks the half-validated tree: unpin it, pin it as another type, write
 * an entry with mmu_update, map it writable; all must fail. While the
 * unpin is preempted, an mmu_update must first finish the release (then it
 * succeeds as a plain write). Afterwards: the pin succeeded, the tree maps
 * what it should (NEW_BASEPTR to it), the unpin released every type (every
 * table page maps writable again) and the reservation is unchanged.
 * `attacks=` (default 8): how many preempted pin steps are attacked (0: none,
 * for a latency measurement: a refused pin is logged at loglvl=all with a
 * scan of the domain's frames). `die=1`: shut down in the middle of a pin (the hypervisor must release
 * the half-validated tree: its frame check at the end); `die=2`: shut down with the whole tree
 * pinned (destruction releases all of it, in bounded steps: pin-tree-die-big in tests.conf).
 */
#include "mm.h"

const char test_name[] = "pin-tree";

#define NPOOL 3072
#define PREEMPTED 0x80000000UL

enum phase { IDLE, PINNING, UNPINNING };

static uint64_t pool[NPOOL][512] __aligned(PAGE_SIZE);
static uint8_t data[PAGE_SIZE] __aligned(PAGE_SIZE);
static unsigned int ntables, nl2;
static volatile enum phase phase;
static volatile bool ticking;
static volatile unsigned long mid_pin, mid_unpin, wrong;
static unsigned long die;
static unsigned long attacks;
static evtchn_port_t timer_port;

static uint64_t ro(const void *p) { return virt_to_maddr(p) | PTE_RO; }
static uint64_t rw(const void *p) { return virt_to_maddr(p) | PTE_RW_ACC; }

static void on_timer(evtchn_port_t port, void *arg)
{
    if (ticking)
        hc_set_timer_op(pvclock_ns() + 1000000);
}

static void expect_rc(long got, bool ok, const char *what)
{
    if (!ok && wrong++ < 8)
        fail(what, "rc %ld", got);
}

/* The half-validated L4 must refuse every other use. */
static void attack_partial_pin(void)
{
    long rc;

    rc = mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(pool[0]));
    expect_rc(rc, rc == -EINVAL, "mid-pin: unpin = -EINVAL");
    rc = mmuext1(MMUEXT_PIN_L3_TABLE, virt_to_mfn(pool[0]));
    expect_rc(rc, rc == -EINVAL, "mid-pin: pin as L3 = -EINVAL");
    rc = mmu_set(&pool[0][5], pool[0][5]);
    expect_rc(rc, rc < 0, "mid-pin: mmu_update of an entry refused");
    rc = hc_update_va_mapping((unsigned long)pool[0], rw(pool[0]), UVMF_INVLPG);
    expect_rc(rc, rc < 0, "mid-pin: mapping the L4 writable refused");
    if (!rc)
        make_ro(pool[0]);
}

static void upcall(struct cpu_regs *regs)
{
    bool cont = regs->rax == __HYPERVISOR_mmuext_op && (regs->rsi & PREEMPTED);

    if (!cont)
        return;
    if (phase == PINNING && (regs->rsi & ~PREEMPTED) == 1) {
        if (mid_pin++ < attacks)
            attack_partial_pin();
        if (die == 1 && mid_pin == 3) {
            info("shutting down with the tree half validated");
            test_done();
        }
    } else if (phase == UNPINNING && (regs->rsi & ~PREEMPTED) == 0 && mid_unpin++ == 0 && attacks) {
        long rc = mmu_set(&pool[0][5], pool[0][5]);

        expect_rc(rc, rc == 0, "mid-unpin: mmu_update finishes the release first, then writes");
    }
}

static void build(void)
{
    unsigned int nl1 = ntables - 2 - nl2, first_l1 = 2 + nl2;

    memset(pool, 0, sizeof(pool[0]) * ntables);
    for (unsigned int i = 0; i < nl1; i++)
        for (unsigned int j = 0; j < 512; j++)
            pool[first_l1 + i][j] = ro(data);
    for (unsigned int k = 0; k < nl2; k++)
        for (unsigned int j = 0; j < 512; j++) {
            unsigned int l1 = k * 512 + j < nl1 ? k * 512 + j : k * 512;

            pool[2 + k][j] = rw(pool[first_l1 + l1]);
        }
    for (unsigned int j = 0; j < 512; j++)
        pool[1][j] = rw(pool[2 + j % nl2]);
    for (unsigned int j = 0; j < 256; j++)
        pool[0][j] = rw(pool[1]);
    pool[0][511] = boot_l4()[511];                  /* the kernel: switching to it works */
}

static unsigned long remap_all(bool writable)
{
    unsigned long bad = 0;

    for (unsigned int i = 0; i < ntables; i++)
        bad += (writable ? make_rw(pool[i]) : make_ro(pool[i])) != 0;
    return bad;
}

/* Through the new tree, VA 0x1000 and a VA under a repeated L4/L3 entry map `data`. */
static bool tree_works(void)
{
    volatile uint64_t *a = (volatile uint64_t *)0x1000UL;
    volatile uint64_t *b = (volatile uint64_t *)((200UL << 39) | (300UL << 30) | (7UL << 12));
    uint64_t va = 0, vb = 0;
    long rc = mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(pool[0]));

    if (!check_eq(rc, 0, "NEW_BASEPTR(pinned tree)"))
        return false;
    try_read64(a, &va);
    try_read64(b, &vb);
    rc = mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(boot_l4()));
    check_eq(rc, 0, "NEW_BASEPTR(boot L4)");
    return check(va == *(uint64_t *)data && vb == va, "the tree maps the data page",
                 "read %#lx and %#lx, want %#lx", va, vb, *(uint64_t *)data);
}

static uint64_t ms_since(uint64_t t0) { return (pvclock_ns() - t0) / 1000000; }

static void round_trip(unsigned int r)
{
    uint64_t t0;
    long rc;

    check_eq(remap_all(false), 0, "every table page read-only");
    ticking = true;
    hc_set_timer_op(pvclock_ns() + 1000000);
    t0 = pvclock_ns();
    phase = PINNING;
    rc = mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(pool[0]));
    phase = IDLE;
    info("round %u: pin of %u tables took %lu ms", r, ntables, (unsigned long)ms_since(t0));
    if (!check_eq(rc, 0, "pin of the whole tree"))
        return;
    tree_works();
    if (die == 2) {
        info("shutting down with the whole tree pinned");
        test_done();
    }
    t0 = pvclock_ns();
    phase = UNPINNING;
    rc = mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(pool[0]));
    phase = IDLE;
    ticking = false;
    info("round %u: unpin took %lu ms", r, (unsigned long)ms_since(t0));
    check_eq(rc, 0, "unpin of the whole tree");
    check_eq(remap_all(true), 0, "every table page writable again (no type left)");
}

void test_main(void)
{
    unsigned long rounds = cmdline_int("rounds", 2);
    long resv = reservation(XENMEM_current_reservation);

    ntables = cmdline_int("tables", NPOOL);
    ntables = ntables > NPOOL ? NPOOL : ntables < 16 ? 16 : ntables;
    nl2 = (ntables - 2 + 512) / 513;
    die = cmdline_int("die", 0);
    attacks = cmdline_int("attacks", 8);
    *(uint64_t *)data = 0x5eed0f7ee5UL;
    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind_virq(VIRQ_TIMER)");
    evtchn_set_handler(timer_port, on_timer, NULL);
    upcall_hook = upcall;
    events_enable();
    build();
    for (unsigned int r = 0; r < rounds; r++)
        round_trip(r);
    info("preempted: %lu times mid-pin, %lu mid-unpin", mid_pin, mid_unpin);
    check(mid_pin > 0, "the pin was preempted (events came in the middle)", "never");
    if (attacks)
        check(wrong == 0, "every attempt on the half-done tree answered as it should", "%lu wrong",
              wrong);
    check_eq(reservation(XENMEM_current_reservation), resv, "reservation unchanged");
}
