/*
 * peer.h: what dom0's xenlib-check (tests/dom0/xenlib-check.c) and the
 * boot-time domU dom0-peer (tests/guests/dom0-peer) agree on. The domU is
 * domain PEER_DOMID (the fourth boot module in tests/run-dom0.sh) and grants
 * its info page, read-write, to dom0 as PEER_REF; everything else (the
 * marker frame, a frame it gave back, its unbound port) is in that page.
 */
#ifndef TESTS_DOM0_PEER_H
#define TESTS_DOM0_PEER_H
#include <stdint.h>

#define PEER_DOMID 2
#define PEER_REF   8
#define PEER_MAGIC 0x6f666e692d726570ULL            /* "per-info", written last */
#define PEER_REPLY 0x0d0d0d0d600d600dULL            /* dom0 writes it through its grant mapping */
#define PEER_ACK   0xacacacac00000001ULL            /* the domU, before its event back to dom0 */
#define PEER_MARKER(i) (0x6d61726b00000000ULL | (uint64_t)(i))
#define PEER_FAR_MFN 0xfffff00ULL                   /* past any RAM QEMU gives: not RAM */

struct peer_info {
    uint64_t magic;
    uint64_t marker_mfn;   /* a frame of the domU, word i = PEER_MARKER(i) */
    uint64_t gone_mfn;     /* a frame the domU gave back: no longer its own */
    uint32_t port;         /* the domU's unbound port, remote domain 0 */
    uint32_t pad;
    uint64_t reply;        /* dom0: PEER_REPLY */
    uint64_t ack;          /* the domU: PEER_ACK (dom0's bind may bring a spurious event) */
    uint64_t rw_mfn;       /* a frame of the domU dom0 maps read-write and writes PEER_REPLY to */
    uint64_t l4_mfn;       /* the domU's top-level page table: readable, never writable */
    uint64_t copied;       /* dom0: PEER_REPLY by a grant copy (gntdev GRANT_COPY) */
    uint32_t dom0_ref;     /* dom0: its own page granted to the domU (gntalloc), word 0 PEER_REPLY */
    uint32_t pad2;
};
#endif
