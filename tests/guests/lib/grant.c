/* grant.c: see grant.h. */
#include "grant.h"

unsigned long gnt_setup_frame0(void *va)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    xen_pfn_t frame = 0;

    set_xen_guest_handle(st.frame_list, &frame);
    if (hc_grant_table_op(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay || !frame)
        return 0;
    return map_page_at(va, frame << 12, PTE_RW_ACC) ? 0 : frame;
}

long gnt_set_version(unsigned int version, unsigned int *now)
{
    struct gnttab_set_version sv = { .version = version };
    long rc = hc_grant_table_op(GNTTABOP_set_version, &sv, 1);

    if (now)
        *now = sv.version;
    return rc;
}

long gnt_get_version(domid_t dom, unsigned int *version)
{
    struct gnttab_get_version gv = { .dom = dom, .version = 0xdead };
    long rc = hc_grant_table_op(GNTTABOP_get_version, &gv, 1);

    *version = gv.version;
    return rc;
}

long gnt_status_frames(domid_t dom, unsigned int nr, uint64_t *frames)
{
    struct gnttab_get_status_frames op = { .nr_frames = nr, .dom = dom, .status = 99 };
    long rc;

    set_xen_guest_handle(op.frame_list, frames);
    rc = hc_grant_table_op(GNTTABOP_get_status_frames, &op, 1);
    return rc ? rc : op.status;
}

long gnt_map(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *h,
             uint64_t *bus)
{
    struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom };
    long rc = hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);

    if (rc)
        return rc;
    if (h)
        *h = m.handle;
    if (bus)
        *bus = m.dev_bus_addr;
    return m.status;
}

long gnt_unmap(uint64_t addr, uint64_t bus, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = addr, .dev_bus_addr = bus, .handle = h };
    long rc = hc_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);

    return rc ? rc : u.status;
}

long gnt_replace(uint64_t addr, uint64_t new_addr, grant_handle_t h)
{
    struct gnttab_unmap_and_replace u = { .host_addr = addr, .new_addr = new_addr, .handle = h };
    long rc = hc_grant_table_op(GNTTABOP_unmap_and_replace, &u, 1);

    return rc ? rc : u.status;
}

long gnt_cache_flush(uint64_t bus, uint16_t offset, uint16_t len, uint32_t op)
{
    struct gnttab_cache_flush c = { .a.dev_bus_addr = bus, .offset = offset, .length = len, .op = op };

    return hc_grant_table_op(GNTTABOP_cache_flush, &c, 1);
}
