/*
 * A guest's side of its xenstore ring (start_info store_mfn/store_evtchn,
 * struct xenstore_domain_interface of xen/io/xs_wire.h), for the tests
 * of dom0's xenstored. Waiting yields the CPU (dom0 boots meanwhile).
 */
#ifndef XSRING_H
#define XSRING_H
#include "guest.h"
#include "hypercall.h"
#include <xen/io/xs_wire.h>

extern volatile struct xenstore_domain_interface *xs_intf;

/* Find the ring page from start_info (by the M2P): false if it is not ours. */
bool xs_ring_setup(void);
/* Wait until the daemon has attached to the ring (server_features set). */
bool xs_wait_introduced(uint64_t timeout_ms);
/* Append bytes to the request ring (waits for room), then notify. */
bool xs_put(const void *data, uint32_t len, uint64_t timeout_ms);
/* One request and its reply; the reply (NUL-terminated) in buf; its type or -1. */
int xs_request(uint32_t type, const void *payload, uint32_t len, char *buf, uint32_t size,
               uint64_t timeout_ms);
#endif
