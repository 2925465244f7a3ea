/*
 * bench-mmu: rdtsc cycles per operation, printed as "BENCH: <figure> <cycles>":
 *   mmu-update-512      one mmu_update of 512 L1 entries (each entry changes frame, so every
 *                       request takes the full validate + reference path)
 *   uvm-invlpg          update_va_mapping of one page with UVMF_INVLPG
 *   pin-unpin-l4        pin + unpin of a full address space (L4 -> L3 -> L2 -> one L1 with
 *                       512 present entries; the L4 also shares the kernel L3)
 *   grant-map-unmap     GNTTABOP_map_grant_ref + unmap_grant_ref of a loopback grant
 * Each figure is the median over `batches` (default 9) batches of `iters` (default 50).
 * Used by bench/mmu.sh under our hypervisor (as d1) and under Xen 4.17 (as dom0).
 */
#include "mm.h"
#include <xen/grant_table.h>

const char test_name[] = "bench-mmu";

#define MAX_BATCHES 64
#define FREE_VA 0x0000018000000000UL              /* L4 slot 3, private chain below */
static unsigned long iters, batches;
static uint64_t l4[512] __aligned(PAGE_SIZE), l3[512] __aligned(PAGE_SIZE);
static uint64_t l2[512] __aligned(PAGE_SIZE), l1[512] __aligned(PAGE_SIZE);
static uint64_t d[2][512] __aligned(PAGE_SIZE);
static uint8_t win[PAGE_SIZE] __aligned(PAGE_SIZE), gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct mmu_update req[2][512];
static unsigned long flip;
static domid_t self_id;

static bool failed;
static void op_mmu512(void)
{
    unsigned int done = 0;

    if (hc_mmu_update(req[flip++ & 1], 512, &done, DOMID_SELF) || done != 512)
        failed = true;
}

static void op_uvm(void)
{
    if (hc_update_va_mapping((unsigned long)win, virt_to_maddr(d[flip++ & 1]) | PTE_RW_ACC,
                             UVMF_INVLPG | UVMF_LOCAL))
        failed = true;
}

static void op_pin(void)
{
    if (mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(l4)) || mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(l4)))
        failed = true;
}

static void op_grant(void)
{
    struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)win, .flags = GNTMAP_host_map,
                                      .ref = 8, .dom = self_id };
    struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)win };

    if (hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1) || m.status) {
        failed = true;
        return;
    }
    u.handle = m.handle;
    if (hc_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1) || u.status)
        failed = true;
}

static void measure(const char *figure, void (*op)(void))
{
    uint64_t per[MAX_BATCHES];

    failed = false;
    for (unsigned long i = 0; i < 5; i++)
        op();
    for (unsigned long b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned long i = 0; i < iters; i++)
            op();
        per[b] = (rdtsc() - t0) / iters;
    }
    sort_u64(per, batches);
    if (check(!failed, figure, "an operation failed"))
        printf("BENCH: %s %lu\n", figure, per[batches / 2]);
}

static bool setup(void)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    volatile grant_entry_v1_t *gt = (void *)gt_va;
    xen_pfn_t frame = 0;

    self_id = (domid_t)own_domid();
    for (unsigned int i = 0; i < 512; i++) {
        l1[i] = virt_to_maddr(d[i & 1]) | PTE_RO;
        req[0][i].ptr = virt_to_maddr(&l1[i]) | MMU_NORMAL_PT_UPDATE;
        req[0][i].val = virt_to_maddr(d[(i + 1) & 1]) | PTE_RO;
        req[1][i].ptr = req[0][i].ptr;
        req[1][i].val = virt_to_maddr(d[i & 1]) | PTE_RO;
    }
    l2[0] = virt_to_maddr(l1) | PTE_RW_ACC;
    l3[0] = virt_to_maddr(l2) | PTE_RW_ACC;
    l4[l4_idx(FREE_VA)] = virt_to_maddr(l3) | PTE_RW_ACC;
    l4[511] = boot_l4()[511];
    if (make_ro(l1) || make_ro(l2) || make_ro(l3) || make_ro(l4))
        return check(false, "setup: tables read-only", "-");
    set_xen_guest_handle(st.frame_list, &frame);
    if (hc_grant_table_op(GNTTABOP_setup_table, &st, 1) || st.status ||
        map_page_at(gt_va, frame << 12, PTE_RW_ACC))
        return check(false, "setup: grant table", "status %d", st.status);
    gt[8].domid = self_id;
    gt[8].frame = (uint32_t)virt_to_mfn(d[0]);
    asm volatile("" ::: "memory");
    gt[8].flags = GTF_permit_access;
    return true;
}

void test_main(void)
{
    iters = (unsigned long)cmdline_int("iters", 50);
    batches = (unsigned long)cmdline_int("batches", 9);
    if (batches > MAX_BATCHES)
        batches = MAX_BATCHES;
    if (!setup())
        return;
    measure("pin-unpin-l4", op_pin);
    /* The L1 is live (pinned) for the mmu_update figure. */
    if (!check_eq(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(l4)), 0, "pin the bench L4"))
        return;
    measure("mmu-update-512", op_mmu512);
    check_eq(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(l4)), 0, "unpin the bench L4");
    measure("uvm-invlpg", op_uvm);
    check_eq(make_rw(win), 0, "window restored");
    measure("grant-map-unmap", op_grant);
    check_eq(make_rw(win), 0, "window restored after grants");
}
