/*
 * mmu: direct-paging basics Linux relies on: walk the bootstrap tables through the M2P,
 * build a new L1, pin it, hook it into the live L2 with mmu_update, use the mapping,
 * rewrite the (read-only) L1 with a plain store (writable-pagetable emulation), and the
 * refusals: pinning a writable page (-EINVAL), mapping a page table writable (-EBUSY).
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "mmu";

#define PTE_ADDR   0x000ffffffffff000UL
#define PTE_RW_ACC 0x63UL                  /* P|RW|A|D */
#define PTE_RO     0x21UL                  /* P|A */
#define M2P        ((const unsigned long *)0xffff800000000000UL)

static uint64_t l1[512] __aligned(PAGE_SIZE);
static uint64_t data_a[512] __aligned(PAGE_SIZE), data_b[512] __aligned(PAGE_SIZE);

static uint64_t *table_va(uint64_t entry)
{
    return (uint64_t *)(VIRT_BASE + (M2P[(entry & PTE_ADDR) >> 12] << 12));
}

static long mmu_set(const void *entry_va, uint64_t val)
{
    struct mmu_update u = { .ptr = virt_to_maddr(entry_va) | MMU_NORMAL_PT_UPDATE, .val = val };

    return hc_mmu_update(&u, 1, NULL, DOMID_SELF);
}

static long mmuext(unsigned int cmd, unsigned long arg)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.mfn = arg;
    return hc_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* The L2 covering the image, and a free slot in it above the image. */
static uint64_t *find_l2(unsigned int *slot)
{
    uint64_t *l4 = (uint64_t *)start_info->pt_base, *l3, *l2;
    unsigned int i = (VIRT_BASE >> 21) & 511;

    l3 = table_va(l4[511]);
    l2 = table_va(l3[510]);
    while (i < 511 && (l2[i] & 1))
        i++;
    *slot = i;
    return l2;
}

static void use_mapping(uint64_t *l2, unsigned int slot)
{
    volatile uint64_t *va = (uint64_t *)(VIRT_BASE + ((uint64_t)slot << 21));
    unsigned long faults = last_trap.count;

    check_eq(mmu_set(&l2[slot], virt_to_maddr(l1) | 0x23), 0, "mmu_update(L2 slot -> new L1)");
    check(va[1] == data_a[1], "new mapping reads data_a", "read %#lx", va[1]);
    l1[0] = virt_to_maddr(data_b) | PTE_RW_ACC;      /* plain store to a read-only L1 */
    mmuext(MMUEXT_INVLPG_LOCAL, (unsigned long)va);
    check(last_trap.count == faults && va[1] == data_b[1],
          "plain store into the RO L1 emulated (writable pagetables)", "faults %lu read %#lx",
          last_trap.count - faults, va[1]);
    check_eq(mmu_set(&l1[1], virt_to_maddr(l1) | PTE_RW_ACC), -EBUSY,
             "mmu_update mapping a page table writable = -EBUSY (as Xen)");
    check_eq(mmu_set(&l1[1], virt_to_maddr(l1) | PTE_RO), 0, "read-only alias of the L1 is fine");
    check_eq(mmu_set(&l2[slot], 0), 0, "mmu_update(L2 slot -> empty)");
}

void test_main(void)
{
    unsigned int slot;
    uint64_t *l2;

    data_a[1] = 0xaaaa5555aaaa5555UL;
    data_b[1] = 0xbbbb6666bbbb6666UL;
    l2 = find_l2(&slot);
    if (!check(slot < 511, "found a free L2 slot after the image", "slot %u", slot))
        return;
    info("bootstrap L2 at %p, free slot %u", (void *)l2, slot);
    check_eq(mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(data_a)), -EINVAL,
             "pin a writable-mapped page as L1 = -EINVAL");
    l1[0] = virt_to_maddr(data_a) | PTE_RW_ACC;
    check_eq(remap_own_page(l1, PTE_RO), 0, "make the new L1 read-only");
    if (!check_eq(mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(l1)), 0, "MMUEXT_PIN_L1_TABLE"))
        return;
    check_eq(remap_own_page(l1, PTE_RW_ACC), -EBUSY,
             "writable mapping of a pinned L1 = -EBUSY (as Xen)");
    use_mapping(l2, slot);
    check_eq(mmuext(MMUEXT_UNPIN_TABLE, virt_to_mfn(l1)), 0, "MMUEXT_UNPIN_TABLE");
    check_eq(mmu_set(&l1[1], 0), 0, "drop the RO alias");
    check_eq(remap_own_page(l1, PTE_RW_ACC), 0, "unpinned L1 can be writable again");
}
