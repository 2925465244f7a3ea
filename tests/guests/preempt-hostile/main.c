/*
 * preempt-hostile: hypercalls as long as the ABI allows. A multicall of
 * 1024 entries, each an mmu_update of 4096 requests, used to hold the CPU
 * for seconds with interrupts off; now every batch yields when a timer is
 * due and continues where it was (as Xen's continuations). This guest checks
 * that each batch still completes with the right counts; next to the
 * `timer` guest (tests.conf) it shows another domain's timers keep firing
 * on time meanwhile.
 */
#include "mm.h"

const char test_name[] = "preempt-hostile";

#define BATCH 4096
#define ENTRIES 1024

static uint64_t l1page[512] __aligned(PAGE_SIZE);
static uint8_t target[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct mmu_update reqs[BATCH];
static struct multicall_entry mc[ENTRIES];
static unsigned int done[ENTRIES];

/* A scratch L1 hooked into a free L2 slot: its entries are ours to rewrite. */
static bool scratch_l1(void)
{
    unsigned long va = (unsigned long)target;
    uint64_t *l2 = pte_ptr(boot_l4(), va, 2);
    unsigned int slot = 512;

    for (unsigned int i = 0; i < 511 && l2; i++)
        if (!(l2[i] & PTE_P)) { slot = i; break; }
    if (!check(slot < 512, "a free L2 slot", "none"))
        return false;
    check_eq(make_ro(l1page), 0, "scratch L1 read-only");
    return check_eq(mmu_set(&l2[slot], virt_to_maddr(l1page) | PTE_RW_ACC), 0, "scratch L1 hooked");
}

static void fill_requests(void)
{
    uint64_t maddr = virt_to_maddr(l1page), pte = virt_to_maddr(target) | PTE_RW_ACC;

    for (unsigned int i = 0; i < BATCH; i++) {
        unsigned int slot = i % 512;

        reqs[i].ptr = (maddr + slot * 8) | MMU_NORMAL_PT_UPDATE;
        reqs[i].val = (i / 512) % 2 ? 0 : pte;       /* map, unmap, map, ... */
    }
}

static void one_mmu_update(void)
{
    unsigned int n = 0;
    long rc = hc_mmu_update(reqs, BATCH, &n, DOMID_SELF);

    check(rc == 0 && n == BATCH, "mmu_update of 4096 requests", "rc %ld done %u", rc, n);
}

static void big_multicall(unsigned int round)
{
    unsigned int bad = 0;
    uint64_t t0 = pvclock_ns();
    long rc;

    for (unsigned int i = 0; i < ENTRIES; i++) {
        done[i] = 0;
        mc[i] = (struct multicall_entry){ .op = __HYPERVISOR_mmu_update,
            .args = { (unsigned long)reqs, BATCH, (unsigned long)&done[i], DOMID_SELF } };
    }
    rc = hc_multicall(mc, ENTRIES);
    for (unsigned int i = 0; i < ENTRIES; i++)
        bad += mc[i].result != 0 || done[i] != BATCH;
    check(rc == 0 && bad == 0, "multicall of 1024 x mmu_update(4096)", "rc %ld, %u entries wrong",
          rc, bad);
    info("round %u: %u updates in %lu ms", round, ENTRIES * BATCH,
         (unsigned long)((pvclock_ns() - t0) / 1000000));
}

static void big_mmuext(void)
{
    static struct mmuext_op ops[BATCH];
    unsigned int n = 0;
    long rc;

    for (unsigned int i = 0; i < BATCH; i++)
        ops[i] = (struct mmuext_op){ .cmd = MMUEXT_INVLPG_LOCAL,
                                     .arg1.linear_addr = (unsigned long)target };
    rc = hc_mmuext_op(ops, BATCH, &n, DOMID_SELF);
    check(rc == 0 && n == BATCH, "mmuext_op of 4096 INVLPG_LOCAL", "rc %ld done %u", rc, n);
}

void test_main(void)
{
    unsigned int rounds = (unsigned int)cmdline_ulong("rounds", 3);

    if (!scratch_l1())
        return;
    fill_requests();
    one_mmu_update();
    big_mmuext();
    for (unsigned int r = 0; r < rounds; r++)
        big_multicall(r);
    check_eq(mmu_set(&l1page[0], 0), 0, "scratch entry cleared");
}
