/*
 * Domain ring transport: struct xenstore_domain_interface in a shared
 * page (req ring: guest -> daemon, rsp ring: daemon -> guest) plus an
 * event notification supplied by the caller.
 */
#ifndef XS_RING_H
#define XS_RING_H

#include <stdbool.h>

struct xs_conn;

typedef void xs_ring_notify_fn(void *arg);

struct xs_conn *xs_ring_conn_new(void *page, unsigned domid,
				 xs_ring_notify_fn *notify, void *arg);
/* The guest signalled its event channel: move data both ways. */
void xs_ring_kick(struct xs_conn *c);

#endif
