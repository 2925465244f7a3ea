/*
 * blk.c: a minimal blkfront (front.h). The handshake as Linux's xen-blkfront
 * does it with one ring page: wait for the back end's InitWait, grant the
 * ring, offer an unbound port, write ring-ref/event-channel/protocol, go
 * Initialised, wait for Connected, read the size, go Connected.
 */
#include "front.h"

#define SLOTS 2
static uint8_t ring_pages[SLOTS][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t data_pages[SLOTS][BLK_DATA_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);

bool blk_open(struct blkfront *f, unsigned int vdev, unsigned int slot)
{
    memset(f, 0, sizeof(*f));
    if (slot >= SLOTS || !front_find("vbd", vdev, f->fe, sizeof(f->fe), f->be, sizeof(f->be), &f->be_id))
        return false;
    f->sring = (blkif_sring_t *)ring_pages[slot];
    f->data = data_pages[slot];
    for (unsigned int i = 0; i < BLK_DATA_PAGES; i++)
        if (!(f->data_ref[i] = grant_page(f->be_id, f->data[i])))
            return false;
    return true;
}

bool blk_connect(struct blkfront *f)
{
    char p[128];

    snprintf(p, sizeof(p), "%s/state", f->be);
    if (!store_wait_long(p, XenbusStateInitWait, STATE_MS))
        return false;
    memset(f->sring, 0, PAGE_SIZE);
    SHARED_RING_INIT(f->sring);
    FRONT_RING_INIT(&f->ring, f->sring, PAGE_SIZE);
    if (!(f->ring_ref = grant_page(f->be_id, f->sring)) || evtchn_alloc_unbound(f->be_id, &f->port))
        return false;
    snprintf(p, sizeof(p), "%s/protocol", f->fe);
    if (!store_write_key(f->fe, "ring-ref", f->ring_ref) ||
        !store_write_key(f->fe, "event-channel", f->port) || !store_write(p, XEN_IO_PROTO_ABI_X86_64) ||
        !store_write_key(f->fe, "state", XenbusStateInitialised))
        return false;
    snprintf(p, sizeof(p), "%s/state", f->be);
    if (!store_wait_long(p, XenbusStateConnected, STATE_MS))
        return false;
    snprintf(p, sizeof(p), "%s/sectors", f->be);
    f->sectors = (uint64_t)store_read_long(p, 0);
    return store_write_key(f->fe, "state", XenbusStateConnected) && f->sectors;
}

int blk_submit(struct blkfront *f, blkif_request_t *req, uint64_t ms)
{
    uint64_t end = pvclock_ns() + ms * 1000000;
    blkif_response_t *rsp;
    int status;

    req->id = ++f->next_id;
    *RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt) = *req;
    f->ring.req_prod_pvt++;
    RING_PUSH_REQUESTS(&f->ring);
    evtchn_send(f->port);
    while (!RING_HAS_UNCONSUMED_RESPONSES(&f->ring))
        if (pvclock_ns() > end)
            return 1;
        else
            sched_yield();
    rmb();
    rsp = RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);
    status = rsp->id == req->id ? rsp->status : BLKIF_RSP_ERROR - 100;   /* a stranger's id */
    f->ring.rsp_cons++;
    return status;
}

int blk_rw(struct blkfront *f, uint8_t op, uint64_t sector, unsigned int npages)
{
    blkif_request_t req = { .operation = op, .nr_segments = (uint8_t)npages,
                            .sector_number = sector };

    for (unsigned int i = 0; i < npages; i++)
        req.seg[i] = (struct blkif_request_segment){ .gref = f->data_ref[i], .first_sect = 0,
                                                     .last_sect = 7 };
    return blk_submit(f, &req, RSP_MS);
}

bool blk_close(struct blkfront *f)
{
    bool ok = front_close(f->fe, f->be);

    evtchn_close(f->port);
    return ok;
}

bool front_close(const char *fe, const char *be)
{
    char p[128], q[128];

    snprintf(p, sizeof(p), "%s/state", fe);
    snprintf(q, sizeof(q), "%s/state", be);
    if (!store_write_long(p, XenbusStateClosing) || !store_wait_long(q, XenbusStateClosing, STATE_MS))
        return false;
    return store_write_long(p, XenbusStateClosed) && store_wait_long(q, XenbusStateClosed, STATE_MS);
}
