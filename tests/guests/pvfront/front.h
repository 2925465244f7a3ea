/*
 * front.h: pvfront's own minimal split-driver front ends (blk.c, net.c) over
 * its xenstore ring (store.c) and grant table (grants in store.c), with
 * Xen's public ring macros. Waiting polls the shared rings and yields the
 * CPU: the guest runs with upcalls masked, so an event from a back end only
 * sets a pending bit.
 */
#ifndef PVFRONT_FRONT_H
#define PVFRONT_FRONT_H
#include "grant.h"
#include "xsring.h"
#define xen_mb()  asm volatile("mfence" ::: "memory")
#define xen_rmb() barrier()                /* x86: loads are not reordered with loads */
#define xen_wmb() barrier()                /* ... nor stores with stores */
#define rmb()     xen_rmb()
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>
#include <xen/io/protocols.h>

#define XS_MS      20000                   /* one xenstore request */
#define STATE_MS   60000                   /* a back end's state change (dom0 is slow under TCG) */
#define RSP_MS     20000                   /* a response on a ring */

/* store.c: xenstore (absolute paths) and grants. */
extern unsigned int my_domid;
bool store_init(void);                                    /* ring, our id, grant table */
int store_read(const char *path, char *buf, unsigned int size);   /* length, or -1 */
long store_read_long(const char *path, long dflt);
bool store_write(const char *path, const char *value);
bool store_write_long(const char *path, long value);
bool store_write_key(const char *dir, const char *key, long value);   /* dir/key = value */
/* Until path reads as want (a number); false after ms. */
bool store_wait_long(const char *path, long want, uint64_t ms);
/* Our device TYPE/ID: its frontend directory, the backend's and the backend's domain. */
bool front_find(const char *type, unsigned int id, char *fe, unsigned int fe_size, char *be,
                unsigned int be_size, domid_t *be_id);
grant_ref_t grant_page(domid_t to, const void *page);    /* read-write access, 0 if full */
void grant_end(grant_ref_t ref);
uint16_t grant_flags(grant_ref_t ref);                    /* GTF_reading|GTF_writing: mapped */
void yield_ms(uint64_t ms);

/* blk.c: one virtual block device, one page ring, no persistent grants. */
#define BLK_DATA_PAGES 8
struct blkfront {
    char fe[64], be[96];                   /* frontend and backend directories */
    domid_t be_id;
    blkif_front_ring_t ring;
    blkif_sring_t *sring;                  /* a page of the image */
    grant_ref_t ring_ref, data_ref[BLK_DATA_PAGES];
    uint8_t (*data)[PAGE_SIZE];            /* BLK_DATA_PAGES pages */
    evtchn_port_t port;
    uint64_t sectors, next_id;
};
bool blk_open(struct blkfront *f, unsigned int vdev, unsigned int slot);
bool blk_connect(struct blkfront *f);
/* Push one request as given (id filled in) and notify; its response status, or 1 if none came. */
int blk_submit(struct blkfront *f, blkif_request_t *req, uint64_t ms);
/* READ or WRITE of npages whole data pages at sector: the response status. */
int blk_rw(struct blkfront *f, uint8_t op, uint64_t sector, unsigned int npages);
bool blk_close(struct blkfront *f);

/* net.c: one vif, single queue, TX only (RX buffers are never posted). */
struct netfront {
    char fe[64], be[96];
    domid_t be_id;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    grant_ref_t tx_ref, rx_ref, buf_ref;
    uint8_t *buf;                          /* the page frames are sent from */
    evtchn_port_t port;
    uint8_t mac[6];
    uint16_t next_id;
};
bool net_open(struct netfront *n, unsigned int handle, unsigned int slot);
bool net_connect(struct netfront *n);
/* One TX slot as given: its response status, or NETIF_RSP_NULL if none came. */
int net_submit(struct netfront *n, grant_ref_t gref, uint16_t offset, uint16_t size, uint64_t ms);
/* A broadcast frame of ethertype 0x88b5 (local experimental), len bytes: its status. */
int net_send_frame(struct netfront *n, unsigned int len, unsigned int seq);
bool net_close(struct netfront *n);

/* Both: close (Closing, then Closed) and wait for the back end to follow. */
bool front_close(const char *fe, const char *be);
#endif
