/*
 * pvfront: a PV guest with its own minimal blkfront and netfront (blk.c,
 * net.c), created by pvctl in dom0 with disk= and vif= (tests/run-io.sh,
 * boot 'front'; dom0's side tests/linux/front-dom0.sh). By mode=:
 *   io       connects xvda and vif 0; rounds= times writes BLK_DATA_PAGES
 *            pages of pattern.h's data (seed=) at the next sectors, reads them
 *            back and compares; sends frames= broadcast frames, each answered
 *            OKAY; writes data/pvfront "ok" (else "failed"); then by end=
 *            poweroff (default) or wait, connected, until dom0 destroys it.
 *   hostile  attacks xen-blkback through xvda and xen-netback through vifs 0
 *            and 1: bad grant references, too many segments, sectors out of
 *            range, unknown operations, a bogus producer index, frames across
 *            a page, requests after close. Each bad request gets an error
 *            response (or, for the fatal ones, none); the back ends close and
 *            unmap the rings; xvda reconnects and serves again. Dom0 checks
 *            its own log and that another guest's I/O went on unharmed.
 */
#include "front.h"
#include "pattern.h"

const char test_name[] = "pvfront";

#define GREF_NEVER 400                       /* an entry of our table never granted */

static uint64_t seed;

/* Write npages of pattern at sector, read them back into zeroed pages, compare. */
static bool blk_round(struct blkfront *f, uint64_t sector)
{
    unsigned int spp = PAGE_SIZE / PATTERN_SECTOR;

    for (unsigned int p = 0; p < BLK_DATA_PAGES; p++)
        for (unsigned int s = 0; s < spp; s++)
            pattern_fill((uint64_t *)(f->data[p] + s * PATTERN_SECTOR), seed, sector + p * spp + s);
    if (blk_rw(f, BLKIF_OP_WRITE, sector, BLK_DATA_PAGES) != BLKIF_RSP_OKAY)
        return false;
    memset(f->data, 0, BLK_DATA_PAGES * PAGE_SIZE);
    if (blk_rw(f, BLKIF_OP_READ, sector, BLK_DATA_PAGES) != BLKIF_RSP_OKAY)
        return false;
    for (unsigned int p = 0; p < BLK_DATA_PAGES; p++)
        for (unsigned int s = 0; s < spp; s++) {
            uint64_t want[PATTERN_SECTOR / 8];

            pattern_fill(want, seed, sector + p * spp + s);
            if (memcmp(f->data[p] + s * PATTERN_SECTOR, want, PATTERN_SECTOR))
                return false;
        }
    return true;
}

static void finish(bool ok)
{
    char p[64];

    snprintf(p, sizeof(p), "/local/domain/%u/data/pvfront", my_domid);
    store_write(p, ok ? "ok" : "failed");
}

/* mode=io: the I/O a well-behaved front end does, checked end to end. */
static void mode_io(void)
{
    static struct blkfront f;
    static struct netfront n;
    long rounds = cmdline_int("rounds", 1), frames = cmdline_int("frames", 4);
    uint64_t sector = 0;
    long good = 0, sent = 0;
    char end[16];

    if (!check(blk_open(&f, 51712, 0) && blk_connect(&f), "xvda connected to blkback", "%s", f.be) ||
        !check(net_open(&n, 0, 0) && net_connect(&n), "vif 0 connected to netback", "%s", n.be)) {
        finish(false);
        return;
    }
    for (long r = 0; r < rounds && sector + BLK_DATA_PAGES * 8 <= f.sectors; r++) {
        good += blk_round(&f, sector);
        sector += BLK_DATA_PAGES * 8;
    }
    check(good == rounds, "every round written and read back", "%ld of %ld rounds", good, rounds);
    for (long i = 0; i < frames; i++)
        sent += net_send_frame(&n, 60 + (unsigned int)i, (unsigned int)i) == NETIF_RSP_OKAY;
    check(sent == frames, "every frame sent (OKAY)", "%ld of %ld", sent, frames);
    info("pvfront: %ld KiB at seed %lu, %ld frames", good * BLK_DATA_PAGES * 4, (unsigned long)seed, sent);
    finish(good == rounds && sent == frames);
    if (cmdline_str("end", end, sizeof(end)) && !strcmp(end, "wait")) {
        printf("INFO: pvfront: waiting, connected, to be destroyed\n");
        for (;;)
            yield_ms(1000);
    }
    check(blk_close(&f), "xvda closed", "backend state %ld", store_read_long(f.be, -1));
    check(net_close(&n), "vif 0 closed", "backend state %ld", store_read_long(n.be, -1));
}

/* One malformed request on xvda: the back end must answer it with an error. */
static void blk_bad(struct blkfront *f, blkif_request_t *req, int want, const char *what)
{
    int st = blk_submit(f, req, RSP_MS);

    check(st == want, what, "status %d, expected %d", st, want);
}

static bool unmapped(grant_ref_t ref)
{
    return !(grant_flags(ref) & (GTF_reading | GTF_writing));
}

/* r = a one-segment request of op at sector: that segment's gref and sectors as given. */
static blkif_request_t *one_seg(blkif_request_t *r, uint8_t op, uint64_t sector, grant_ref_t gref,
                                uint8_t first, uint8_t last)
{
    *r = (blkif_request_t){ .operation = op, .nr_segments = 1, .sector_number = sector };
    r->seg[0] = (struct blkif_request_segment){ .gref = gref, .first_sect = first, .last_sect = last };
    return r;
}

static void blk_bad_direct(struct blkfront *f)
{
    blkif_request_t r;

    blk_bad(f, one_seg(&r, BLKIF_OP_READ, 0, GREF_NEVER, 0, 7), BLKIF_RSP_ERROR,
            "blk: bad grant reference: error");
    blk_bad(f, one_seg(&r, BLKIF_OP_WRITE, 0, f->data_ref[0], 0, 8), BLKIF_RSP_ERROR,
            "blk: last_sect past the page: error");
    blk_bad(f, one_seg(&r, BLKIF_OP_WRITE, 0, f->data_ref[0], 5, 2), BLKIF_RSP_ERROR,
            "blk: first_sect after last_sect: error");
    blk_bad(f, one_seg(&r, BLKIF_OP_READ, f->sectors - 4, f->data_ref[0], 0, 7), BLKIF_RSP_ERROR,
            "blk: sectors past the end of the disk: error");
    one_seg(&r, BLKIF_OP_READ, 0, f->data_ref[0], 0, 7)->nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
    blk_bad(f, &r, BLKIF_RSP_ERROR, "blk: 12 segments in a direct request: error");
    blk_bad(f, one_seg(&r, 77, 0, f->data_ref[0], 0, 7), BLKIF_RSP_EOPNOTSUPP,
            "blk: unknown operation 77: EOPNOTSUPP");
}

static void blk_bad_indirect(struct blkfront *f)
{
    blkif_request_t r;
    blkif_request_indirect_t *ind = (blkif_request_indirect_t *)&r;

    memset(&r, 0, sizeof(r));
    ind->operation = BLKIF_OP_INDIRECT;
    ind->indirect_op = BLKIF_OP_READ;
    ind->nr_segments = 5000;
    ind->indirect_grefs[0] = f->data_ref[1];
    blk_bad(f, &r, BLKIF_RSP_ERROR, "blk: indirect request of 5000 segments: error");
    ind->nr_segments = 8;
    ind->indirect_grefs[0] = GREF_NEVER;
    blk_bad(f, &r, BLKIF_RSP_ERROR, "blk: indirect page with a bad grant reference: error");
    memset(f->data[1], 0xee, PAGE_SIZE);                  /* segment descriptors of garbage */
    ind->indirect_grefs[0] = f->data_ref[1];
    blk_bad(f, &r, BLKIF_RSP_ERROR, "blk: indirect segments of garbage: error");
}

static void blk_attacks(struct blkfront *f)
{
    blk_bad_direct(f);
    blk_bad_indirect(f);
    check(blk_round(f, 64), "blk: xvda still serves after the bad requests", "round failed");
}

/* A producer index 1000 ahead: blkback halts the ring; then close, reconnect, serve. */
static void blk_bogus_index_and_close(struct blkfront *f)
{
    RING_IDX rsp = f->sring->rsp_prod;
    blkif_request_t r = { .operation = BLKIF_OP_READ, .nr_segments = 1 };

    f->sring->req_prod = f->ring.req_prod_pvt + 1000;
    evtchn_send(f->port);
    yield_ms(2000);
    check(f->sring->rsp_prod == rsp, "blk: no response to a bogus producer index", "rsp_prod %u -> %u",
          rsp, f->sring->rsp_prod);
    check(blk_close(f), "blk: the back end closes the halted ring", "not closed");
    check(unmapped(f->ring_ref), "blk: the ring is unmapped after close", "flags %#x",
          grant_flags(f->ring_ref));
    f->sring->req_prod = f->ring.req_prod_pvt;            /* a well-formed request, after close */
    r.seg[0] = (struct blkif_request_segment){ .gref = f->data_ref[0], .last_sect = 7 };
    check(blk_submit(f, &r, 1000) == 1, "blk: a request after close gets nothing", "a response");
    grant_end(f->ring_ref);
}

static void blk_reconnect(struct blkfront *f)
{
    char p[128];

    snprintf(p, sizeof(p), "%s/state", f->fe);
    check(store_write_long(p, XenbusStateInitialising) && blk_connect(f),
          "blk: xvda reconnects after the attack", "backend %s", f->be);
    check(blk_round(f, 128), "blk: and serves again", "round failed");
    check(blk_close(f) && unmapped(f->ring_ref), "blk: closed again, ring unmapped", "flags %#x",
          grant_flags(f->ring_ref));
}

/* vif 0: a bad grant and a runt get errors, the ring goes on; a frame across a page is fatal. */
static void net_attacks(struct netfront *n)
{
    int st;

    check(net_send_frame(n, 60, 1) == NETIF_RSP_OKAY, "net: a good frame on vif 0: OKAY", "not OKAY");
    st = net_submit(n, GREF_NEVER, 0, 60, RSP_MS);
    check(st == NETIF_RSP_ERROR, "net: bad grant reference: error", "status %d", st);
    st = net_submit(n, n->buf_ref, 0, 10, RSP_MS);
    check(st == NETIF_RSP_ERROR, "net: a 10-byte frame: error", "status %d", st);
    check(net_send_frame(n, 60, 2) == NETIF_RSP_OKAY, "net: vif 0 still serves after them", "not OKAY");
    st = net_submit(n, n->buf_ref, 4000, 200, 2000);
    check(st == NETIF_RSP_NULL, "net: a frame across a page: no response (netback disables the vif)",
          "status %d", st);
    check(net_close(n), "net: vif 0 closes", "not closed");
    check(unmapped(n->tx_ref) && unmapped(n->rx_ref), "net: vif 0's rings unmapped after close",
          "flags %#x %#x", grant_flags(n->tx_ref), grant_flags(n->rx_ref));
}

/* vif 1: a producer index 1000 ahead is fatal; after close nothing is served. */
static void net_bogus_index_and_close(struct netfront *n)
{
    RING_IDX rsp;

    check(net_send_frame(n, 60, 3) == NETIF_RSP_OKAY, "net: a good frame on vif 1: OKAY", "not OKAY");
    rsp = n->tx.sring->rsp_prod;
    n->tx.sring->req_prod = n->tx.req_prod_pvt + 1000;
    evtchn_send(n->port);
    yield_ms(2000);
    check(n->tx.sring->rsp_prod == rsp, "net: no response to a bogus producer index", "rsp_prod %u -> %u",
          rsp, n->tx.sring->rsp_prod);
    check(net_close(n), "net: vif 1 closes", "not closed");
    check(unmapped(n->tx_ref) && unmapped(n->rx_ref), "net: vif 1's rings unmapped after close",
          "flags %#x %#x", grant_flags(n->tx_ref), grant_flags(n->rx_ref));
    n->tx.sring->req_prod = n->tx.req_prod_pvt;
    check(net_send_frame(n, 60, 4) == NETIF_RSP_NULL, "net: a frame after close gets nothing", "a response");
}

static void mode_hostile(void)
{
    static struct blkfront f;
    static struct netfront n0, n1;

    if (check(blk_open(&f, 51712, 0) && blk_connect(&f), "xvda connected to blkback", "%s", f.be) &&
        check(blk_round(&f, 0), "blk: a good round first", "failed")) {
        blk_attacks(&f);
        blk_bogus_index_and_close(&f);
        blk_reconnect(&f);
    }
    if (check(net_open(&n0, 0, 0) && net_connect(&n0), "vif 0 connected to netback", "%s", n0.be))
        net_attacks(&n0);
    if (check(net_open(&n1, 1, 1) && net_connect(&n1), "vif 1 connected to netback", "%s", n1.be))
        net_bogus_index_and_close(&n1);
    finish(tests_failed == 0);
}

void test_main(void)
{
    char mode[16] = "io";

    seed = (uint64_t)cmdline_int("seed", 1);
    cmdline_str("mode", mode, sizeof(mode));
    if (!check(store_init(), "xenstore ring, our domid and grant table", "domid %u", my_domid))
        return;
    if (!strcmp(mode, "hostile"))
        mode_hostile();
    else
        mode_io();
}
