/*
 * grant-dev: GNTMAP_device_map in one domain (granting to itself, so it also
 * runs on the real Xen as dom0). A device mapping is tracked apart from the
 * host mapping (its own pin, Xen's GNTPIN_devr/devw), returns the frame's
 * machine address in dev_bus_addr, and is undone only by an unmap naming
 * that address: host_addr undoes the host half, dev_bus_addr the device half.
 */
#include "grant.h"

const char test_name[] = "grant-dev";

#define REF_RW 10
#define REF_RO 11

static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);      /* our grant frame 0 */
static uint64_t page_a[512] __aligned(PAGE_SIZE);          /* granted read-write */
static uint64_t page_b[512] __aligned(PAGE_SIZE);          /* granted read-only */
static uint64_t win_a[512] __aligned(PAGE_SIZE);
static volatile grant_entry_v1_t *gt;
static domid_t self;

#define RW_BOTH (GTF_reading | GTF_writing)

static uint16_t in_use(grant_ref_t ref) { return gt[ref].flags & RW_BOTH; }

static void grant(grant_ref_t ref, const void *page, bool ro)
{
    gt[ref].domid = self;
    gt[ref].frame = (uint32_t)virt_to_mfn(page);
    asm volatile("" ::: "memory");
    gt[ref].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

static void device_only(void)
{
    grant_handle_t h = 0;
    uint64_t bus = 0, want = virt_to_maddr(page_a);

    if (!check_eq(gnt_map(self, REF_RW, 0, GNTMAP_device_map, &h, &bus), GNTST_okay,
                  "device-only read-write map"))
        return;
    check(bus == want, "dev_bus_addr = the frame's machine address", "%#lx, want %#lx",
          (unsigned long)bus, (unsigned long)want);
    check_eq(in_use(REF_RW), RW_BOTH, "granter sees GTF_reading|GTF_writing");
    check_eq(gnt_unmap(0, 0, h), GNTST_okay, "unmap naming neither half = okay ...");
    check_eq(in_use(REF_RW), RW_BOTH, "... and nothing undone");
    check_eq(gnt_unmap((uint64_t)win_a, 0, h), GNTST_okay, "unmap of the host half it does not have = okay ...");
    check_eq(in_use(REF_RW), RW_BOTH, "... and nothing undone");
    check_eq(gnt_replace((uint64_t)win_a, 0, h), GNTST_okay, "unmap_and_replace of a device-only mapping = okay ...");
    check_eq(in_use(REF_RW), RW_BOTH, "... and nothing undone");
    check_eq(gnt_unmap(0, bus + PAGE_SIZE, h), GNTST_bad_dev_addr, "unmap with another bus address = bad_dev_addr");
    check_eq(gnt_unmap(0, 1, h), GNTST_bad_dev_addr, "unmap with bus address 1 = bad_dev_addr");
    check_eq(in_use(REF_RW), RW_BOTH, "still mapped");
    check_eq(gnt_unmap(0, bus, h), GNTST_okay, "unmap with its dev_bus_addr = okay");
    check_eq(in_use(REF_RW), 0, "flags clear");
    check_eq(gnt_unmap(0, bus, h), GNTST_bad_handle, "again = bad_handle");
}

static void device_readonly(void)
{
    grant_handle_t h = 0;
    uint64_t bus = 0;

    check_eq(gnt_map(self, REF_RO, 0, GNTMAP_device_map, &h, &bus), GNTST_general_error,
             "device read-write map of a read-only grant = general_error");
    if (!check_eq(gnt_map(self, REF_RO, 0, GNTMAP_device_map | GNTMAP_readonly, &h, &bus), GNTST_okay,
                  "device read-only map of a read-only grant"))
        return;
    check(bus == virt_to_maddr(page_b), "dev_bus_addr", "%#lx", (unsigned long)bus);
    check_eq(in_use(REF_RO), GTF_reading, "granter sees GTF_reading only");
    check_eq(gnt_unmap(0, bus, h), GNTST_okay, "unmap");
    check_eq(in_use(REF_RO), 0, "flags clear");
}

static void host_and_device(void)
{
    grant_handle_t h = 0;
    uint64_t bus = 0, v = 0;

    if (!check_eq(gnt_map(self, REF_RW, (uint64_t)win_a, GNTMAP_host_map | GNTMAP_device_map, &h, &bus),
                  GNTST_okay, "host+device read-write map"))
        return;
    check(bus == virt_to_maddr(page_a) && try_read64(&win_a[5], &v) && v == (0xd0d0000000000000UL | 5),
          "dev_bus_addr, and the host mapping reads the page", "%#lx %#lx", (unsigned long)bus,
          (unsigned long)v);
    check_eq(gnt_unmap((uint64_t)win_a, 0, h), GNTST_okay, "unmap the host half");
    check(!try_read64(&win_a[5], &v), "host address unmapped", "readable");
    check_eq(in_use(REF_RW), RW_BOTH, "device half still holds GTF_reading|GTF_writing");
    check_eq(gnt_unmap((uint64_t)win_a, bus, h), GNTST_okay, "unmap the device half");
    check_eq(in_use(REF_RW), 0, "flags clear");
    check_eq(gnt_unmap(0, bus, h), GNTST_bad_handle, "handle gone");
    check_eq(make_rw(win_a), 0, "window back");

    if (!check_eq(gnt_map(self, REF_RW, (uint64_t)win_a, GNTMAP_host_map | GNTMAP_device_map, &h, &bus),
                  GNTST_okay, "host+device map again"))
        return;
    check_eq(gnt_unmap((uint64_t)win_a, bus, h), GNTST_okay, "unmap both halves in one op");
    check_eq(in_use(REF_RW), 0, "flags clear");
    check_eq(make_rw(win_a), 0, "window back");
}

/* Pins of each kind count apart: a read-only device pin keeps GTF_reading after the host writer goes. */
static void mixed_pins(void)
{
    grant_handle_t hd = 0, hh = 0;
    uint64_t bus = 0;

    check_eq(gnt_map(self, REF_RW, 0, GNTMAP_device_map | GNTMAP_readonly, &hd, &bus), GNTST_okay,
             "device read-only map");
    check_eq(gnt_map(self, REF_RW, (uint64_t)win_a, GNTMAP_host_map, &hh, NULL), GNTST_okay,
             "host read-write map of the same ref");
    check_eq(in_use(REF_RW), RW_BOTH, "GTF_reading|GTF_writing");
    check_eq(gnt_unmap((uint64_t)win_a, 0, hh), GNTST_okay, "unmap the host writer");
    check_eq(in_use(REF_RW), GTF_reading, "GTF_reading stays for the device reader");
    check_eq(gnt_unmap(0, bus, hd), GNTST_okay, "unmap the device reader");
    check_eq(in_use(REF_RW), 0, "flags clear");
    check_eq(make_rw(win_a), 0, "window back");
    check_eq(gnt_map(self, REF_RW, 0, GNTMAP_readonly, &hd, &bus), GNTST_bad_gntref,
             "neither host_map nor device_map = bad_gntref");
}

void test_main(void)
{
    self = (domid_t)own_domid();
    for (int i = 0; i < 512; i++)
        page_a[i] = 0xd0d0000000000000UL | i;
    if (!check(gnt_setup_frame0(gt_va) != 0, "setup_table + map grant frame 0", "failed"))
        test_done();
    gt = (volatile grant_entry_v1_t *)gt_va;
    grant(REF_RW, page_a, false);
    grant(REF_RO, page_b, true);
    device_only();
    device_readonly();
    host_and_device();
    mixed_pins();
    gt[REF_RW].flags = 0;
    gt[REF_RO].flags = 0;
    test_done();
}
