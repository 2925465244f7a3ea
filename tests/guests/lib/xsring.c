/* The guest's end of its xenstore ring (see xsring.h). */
#include "xsring.h"

volatile struct xenstore_domain_interface *xs_intf;
static uint32_t next_req_id = 1;

bool xs_ring_setup(void)
{
    unsigned long mfn = start_info->store_mfn;
    unsigned long pfn = ((const unsigned long *)MACH2PHYS_VIRT_START)[mfn];
    void *va = (void *)(VIRT_BASE + (pfn << 12));

    if (!start_info->store_evtchn || pfn >= start_info->nr_pages || virt_to_mfn(va) != mfn)
        return false;
    xs_intf = va;
    return true;
}

static bool timed_out(uint64_t end)
{
    return pvclock_ns() > end;
}

bool xs_wait_introduced(uint64_t timeout_ms)
{
    uint64_t end = pvclock_ns() + timeout_ms * 1000000;

    while (!xs_intf->server_features)
        if (timed_out(end))
            return false;
        else
            sched_yield();
    return true;
}

bool xs_put(const void *data, uint32_t len, uint64_t timeout_ms)
{
    const char *p = data;
    uint64_t end = pvclock_ns() + timeout_ms * 1000000;

    while (len) {
        XENSTORE_RING_IDX cons = xs_intf->req_cons, prod = xs_intf->req_prod;
        uint32_t room = XENSTORE_RING_SIZE - (prod - cons), off = MASK_XENSTORE_IDX(prod);
        uint32_t n = len < room ? len : room;

        if (n > XENSTORE_RING_SIZE - off)
            n = XENSTORE_RING_SIZE - off;
        if (!n) {
            evtchn_send(start_info->store_evtchn);
            if (timed_out(end))
                return false;
            sched_yield();
            continue;
        }
        memcpy((char *)xs_intf->req + off, p, n);
        barrier();                                   /* data before the index (x86: stores in order) */
        xs_intf->req_prod = prod + n;
        p += n;
        len -= n;
    }
    return evtchn_send(start_info->store_evtchn) == 0;
}

static bool get(void *data, uint32_t len, uint64_t end)
{
    char *p = data;

    while (len) {
        XENSTORE_RING_IDX cons = xs_intf->rsp_cons, prod = xs_intf->rsp_prod;
        uint32_t off = MASK_XENSTORE_IDX(cons), n = prod - cons;

        barrier();
        if (n > len)
            n = len;
        if (n > XENSTORE_RING_SIZE - off)
            n = XENSTORE_RING_SIZE - off;
        if (!n) {
            if (timed_out(end))
                return false;
            sched_yield();
            continue;
        }
        memcpy(p, (const char *)xs_intf->rsp + off, n);
        barrier();
        xs_intf->rsp_cons = cons + n;
        evtchn_send(start_info->store_evtchn);
        p += n;
        len -= n;
    }
    return true;
}

int xs_request(uint32_t type, const void *payload, uint32_t len, char *buf, uint32_t size,
               uint64_t timeout_ms)
{
    struct xsd_sockmsg m = { .type = type, .req_id = next_req_id++, .len = len };
    uint64_t end = pvclock_ns() + timeout_ms * 1000000;

    if (!xs_put(&m, sizeof(m), timeout_ms) || !xs_put(payload, len, timeout_ms) ||
        !get(&m, sizeof(m), end) || m.len >= size || !get(buf, m.len, end))
        return -1;
    buf[m.len] = '\0';
    return (int)m.type;
}
