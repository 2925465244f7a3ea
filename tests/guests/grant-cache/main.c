/*
 * grant-cache: GNTTABOP_cache_flush as the real Xen 4.17 answers it on x86
 * (runs on ours and on Xen as dom0). A frame named by machine address, a
 * range inside it; clean (with or without invalidate) is done, invalidate
 * alone cannot be on x86 (-EOPNOTSUPP). Hostile: bad ranges, bad op bits, a
 * frame that is no RAM, a frame nobody with a grant table owns, a batch that
 * fails halfway.
 */
#include "grant.h"

const char test_name[] = "grant-cache";

#define CLEAN GNTTAB_CACHE_CLEAN
#define INVAL GNTTAB_CACHE_INVAL

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t page[512] __aligned(PAGE_SIZE);

static void own_frame(uint64_t bus, uint64_t gt_bus)
{
    check_eq(gnt_cache_flush(bus, 0, PAGE_SIZE, CLEAN), 0, "clean a whole page of ours = 0");
    check_eq(gnt_cache_flush(bus, 64, 128, CLEAN | INVAL), 0, "clean+invalidate part of it = 0");
    check_eq(gnt_cache_flush(bus | 0x123, 0, 8, CLEAN), 0, "an address inside the page names the page = 0");
    check_eq(gnt_cache_flush(gt_bus, 0, 64, CLEAN), 0, "our grant frame = 0");
    check_eq(gnt_cache_flush(bus, 0, PAGE_SIZE, INVAL), -EOPNOTSUPP,
             "invalidate without clean = -EOPNOTSUPP (x86)");
    check_eq(gnt_cache_flush(bus, 0, 0, CLEAN), 0, "length 0 = 0 (nothing to do)");
    check_eq(gnt_cache_flush(bus, 0, 16, 0), 0, "op 0 = 0 (nothing to do)");
    check_eq(gnt_cache_flush(1UL << 51, 0, 16, 0), 0, "op 0 is not even checked against the frame");
}

static void bad_args(uint64_t bus, uint64_t m2p_bus)
{
    check_eq(gnt_cache_flush(bus, PAGE_SIZE, 0, CLEAN), -EINVAL, "offset 4096 = -EINVAL");
    check_eq(gnt_cache_flush(bus, 0, PAGE_SIZE + 1, CLEAN), -EINVAL, "length 4097 = -EINVAL");
    check_eq(gnt_cache_flush(bus, 100, 4000, CLEAN), -EINVAL, "offset + length past the page = -EINVAL");
    check_eq(gnt_cache_flush(bus, 0xffff, 0xffff, CLEAN), -EINVAL, "offset and length 0xffff = -EINVAL");
    check_eq(gnt_cache_flush(bus, 0, 16, CLEAN | 4), -EINVAL, "an unknown op bit = -EINVAL");
    check_eq(gnt_cache_flush(bus, 0, 16, CLEAN | GNTTAB_CACHE_SOURCE_GREF), -EINVAL,
             "GNTTAB_CACHE_SOURCE_GREF = -EINVAL");
    check_eq(gnt_cache_flush(1UL << 51, 0, 16, CLEAN), -EINVAL, "a frame past RAM = -EINVAL");
    check_eq(gnt_cache_flush(~0UL, 0, 16, CLEAN), -EINVAL, "dev_bus_addr ~0 = -EINVAL");
    if (m2p_bus)
        check_eq(gnt_cache_flush(m2p_bus, 0, 16, CLEAN), -EPERM,
                 "a hypervisor frame (the M2P) = -EPERM");
}

static void batch(uint64_t bus)
{
    struct gnttab_cache_flush ops[3] = {
        { .a.dev_bus_addr = bus, .offset = 0, .length = 64, .op = CLEAN },
        { .a.dev_bus_addr = bus, .offset = 0, .length = 64, .op = INVAL },
        { .a.dev_bus_addr = bus, .offset = 0, .length = 64, .op = CLEAN },
    };

    check_eq(hc_grant_table_op(GNTTABOP_cache_flush, ops, 2 - 1), 0, "a batch of one = 0");
    check_eq(hc_grant_table_op(GNTTABOP_cache_flush, ops, 3), -EOPNOTSUPP,
             "a batch stops at the op that fails, with its error");
    ops[1].op = CLEAN;
    check_eq(hc_grant_table_op(GNTTABOP_cache_flush, ops, 3), 0, "the same batch, all valid = 0");
    check_eq(hc_grant_table_op(GNTTABOP_cache_flush, (void *)0xffff800000000000UL, 1), -EFAULT,
             "ops in the hypervisor's area = -EFAULT");
}

void test_main(void)
{
    struct xen_machphys_mfn_list ml = { .max_extents = 1 };
    xen_pfn_t m2p[1] = { 0 };
    unsigned long gt_mfn = gnt_setup_frame0(gt_va);
    uint64_t bus = virt_to_maddr(page);

    set_xen_guest_handle(ml.extent_start, m2p);
    if (hc_memory_op(XENMEM_machphys_mfn_list, &ml) < 0 || ml.max_extents < 1)
        m2p[0] = 0;
    page[0] = 1;
    if (!check(gt_mfn != 0, "setup_table + map grant frame 0", "failed"))
        test_done();
    own_frame(bus, (uint64_t)gt_mfn << 12);
    bad_args(bus, (uint64_t)m2p[0] << 12);
    batch(bus);
    test_done();
}
