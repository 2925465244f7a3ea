/*
 * net.c: a minimal netfront (front.h). The handshake as Linux's xen-netfront
 * does it with one queue: wait for the back end's InitWait, grant a TX and
 * an RX ring, offer an unbound port, write the ring refs, event-channel and
 * request-rx-copy (netback refuses a front end without it), go Connected
 * and wait for the back end (it waits for its hotplug script first).
 */
#include "front.h"

#define SLOTS 2
static uint8_t tx_pages[SLOTS][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t rx_pages[SLOTS][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t buf_pages[SLOTS][PAGE_SIZE] __aligned(PAGE_SIZE);

static unsigned int hex(char c)
{
    return c >= 'a' ? (unsigned int)(c - 'a' + 10) : c >= 'A' ? (unsigned int)(c - 'A' + 10)
                                                               : (unsigned int)(c - '0');
}

bool net_open(struct netfront *n, unsigned int handle, unsigned int slot)
{
    char p[128], mac[24];

    memset(n, 0, sizeof(*n));
    if (slot >= SLOTS || !front_find("vif", handle, n->fe, sizeof(n->fe), n->be, sizeof(n->be), &n->be_id))
        return false;
    snprintf(p, sizeof(p), "%s/mac", n->fe);
    if (store_read(p, mac, sizeof(mac)) != 17)
        return false;
    for (unsigned int i = 0; i < 6; i++)
        n->mac[i] = (uint8_t)(hex(mac[3 * i]) << 4 | hex(mac[3 * i + 1]));
    n->buf = buf_pages[slot];
    n->tx.sring = (netif_tx_sring_t *)tx_pages[slot];
    n->rx.sring = (netif_rx_sring_t *)rx_pages[slot];
    return (n->buf_ref = grant_page(n->be_id, n->buf)) != 0;
}

bool net_connect(struct netfront *n)
{
    netif_tx_sring_t *txs = n->tx.sring;
    netif_rx_sring_t *rxs = n->rx.sring;
    char p[128];

    snprintf(p, sizeof(p), "%s/state", n->be);
    if (!store_wait_long(p, XenbusStateInitWait, STATE_MS))
        return false;
    memset(txs, 0, PAGE_SIZE);
    memset(rxs, 0, PAGE_SIZE);
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&n->tx, txs, PAGE_SIZE);
    FRONT_RING_INIT(&n->rx, rxs, PAGE_SIZE);
    if (!(n->tx_ref = grant_page(n->be_id, txs)) || !(n->rx_ref = grant_page(n->be_id, rxs)) ||
        evtchn_alloc_unbound(n->be_id, &n->port))
        return false;
    if (!store_write_key(n->fe, "tx-ring-ref", n->tx_ref) ||
        !store_write_key(n->fe, "rx-ring-ref", n->rx_ref) ||
        !store_write_key(n->fe, "event-channel", n->port) || !store_write_key(n->fe, "request-rx-copy", 1) ||
        !store_write_key(n->fe, "state", XenbusStateConnected))
        return false;
    snprintf(p, sizeof(p), "%s/state", n->be);
    return store_wait_long(p, XenbusStateConnected, STATE_MS);
}

int net_submit(struct netfront *n, grant_ref_t gref, uint16_t offset, uint16_t size, uint64_t ms)
{
    uint64_t end = pvclock_ns() + ms * 1000000;
    netif_tx_response_t *rsp;
    uint16_t id = (uint16_t)(n->next_id++ % RING_SIZE(&n->tx));
    int status;

    *RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt) =
        (netif_tx_request_t){ .gref = gref, .offset = offset, .flags = 0, .id = id, .size = size };
    n->tx.req_prod_pvt++;
    RING_PUSH_REQUESTS(&n->tx);
    evtchn_send(n->port);
    while (!RING_HAS_UNCONSUMED_RESPONSES(&n->tx))
        if (pvclock_ns() > end)
            return NETIF_RSP_NULL;
        else
            sched_yield();
    rmb();
    rsp = RING_GET_RESPONSE(&n->tx, n->tx.rsp_cons);
    status = rsp->id == id ? rsp->status : NETIF_RSP_ERROR - 100;
    n->tx.rsp_cons++;
    return status;
}

int net_send_frame(struct netfront *n, unsigned int len, unsigned int seq)
{
    uint8_t *f = n->buf;

    memset(f, 0xff, 6);                           /* broadcast */
    memcpy(f + 6, n->mac, 6);
    f[12] = 0x88;                                 /* ethertype 0x88b5: local experimental */
    f[13] = 0xb5;
    for (unsigned int i = 14; i < len; i++)
        f[i] = (uint8_t)(seq + i);
    return net_submit(n, n->buf_ref, 0, (uint16_t)len, RSP_MS);
}

bool net_close(struct netfront *n)
{
    bool ok = front_close(n->fe, n->be);

    evtchn_close(n->port);
    return ok;
}
