/* Ring transport over struct xenstore_domain_interface. The page is
 * shared with an untrusted guest: indexes are read once, checked, and
 * never trusted for more than XENSTORE_RING_SIZE bytes. */
#include "xs_ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xs_wire.h"

#include "xs_conn.h"
#include "xs_log.h"

struct ring_tp {
	struct xenstore_domain_interface *intf;
	xs_ring_notify_fn *notify;
	void *arg;
};

#define RING_IDX(p) (*(volatile XENSTORE_RING_IDX *)&(p))

static void fail(struct xenstore_domain_interface *intf, uint32_t err)
{
	intf->error = err;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static size_t ring_copy_out(char *dst, const char *ring, XENSTORE_RING_IDX cons,
			    size_t n)
{
	size_t off = MASK_XENSTORE_IDX(cons);
	size_t first = n < XENSTORE_RING_SIZE - off ? n : XENSTORE_RING_SIZE - off;

	memcpy(dst, ring + off, first);
	memcpy(dst + first, ring, n - first);
	return n;
}

static ssize_t ring_read(struct xs_conn *c, void *buf, size_t len)
{
	struct ring_tp *t = c->tp;
	XENSTORE_RING_IDX cons = RING_IDX(t->intf->req_cons);
	XENSTORE_RING_IDX prod = RING_IDX(t->intf->req_prod);
	size_t avail;

	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* data after indexes */
	if (prod - cons > XENSTORE_RING_SIZE) {
		xs_warn("conn %u (dom%u): bad request ring indexes prod %u cons %u",
			c->id, c->who.id, prod, cons);
		fail(t->intf, XENSTORE_ERROR_RINGIDX);
		return -1;
	}
	avail = prod - cons;
	if (avail > len)
		avail = len;
	ring_copy_out(buf, t->intf->req, cons, avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* copy before freeing */
	RING_IDX(t->intf->req_cons) = cons + (XENSTORE_RING_IDX)avail;
	return (ssize_t)avail;
}

static ssize_t ring_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct ring_tp *t = c->tp;
	XENSTORE_RING_IDX cons = RING_IDX(t->intf->rsp_cons);
	XENSTORE_RING_IDX prod = RING_IDX(t->intf->rsp_prod);
	size_t space, off, first;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (prod - cons > XENSTORE_RING_SIZE) {
		xs_warn("conn %u (dom%u): bad reply ring indexes prod %u cons %u",
			c->id, c->who.id, prod, cons);
		fail(t->intf, XENSTORE_ERROR_RINGIDX);
		return -1;
	}
	space = XENSTORE_RING_SIZE - (prod - cons);
	if (len > space)
		len = space;
	if (!len)
		return 0;
	off = MASK_XENSTORE_IDX(prod);
	first = len < XENSTORE_RING_SIZE - off ? len : XENSTORE_RING_SIZE - off;
	memcpy(t->intf->rsp + off, buf, first);
	memcpy(t->intf->rsp, (const char *)buf + first, len - first);
	__atomic_thread_fence(__ATOMIC_RELEASE); /* data before index */
	RING_IDX(t->intf->rsp_prod) = prod + (XENSTORE_RING_IDX)len;
	t->notify(t->arg);
	return (ssize_t)len;
}

static void ring_consumed(struct xs_conn *c)
{
	struct ring_tp *t = c->tp;

	t->notify(t->arg);
}

static void ring_protocol_error(struct xs_conn *c)
{
	struct ring_tp *t = c->tp;

	fail(t->intf, XENSTORE_ERROR_PROTO);
	t->notify(t->arg);
}

static void ring_destroy(struct xs_conn *c)
{
	free(c->tp);
}

static const struct xs_transport_ops ring_ops = {
	.name = "ring",
	.read = ring_read,
	.write = ring_write,
	.in_consumed = ring_consumed,
	.destroy = ring_destroy,
	.protocol_error = ring_protocol_error,
};

struct xs_conn *xs_ring_conn_new(void *page, unsigned domid,
				 xs_ring_notify_fn *notify, void *arg)
{
	struct ring_tp *t = calloc(1, sizeof(*t));
	struct xs_conn *c;

	if (!t)
		return NULL;
	t->intf = page;
	t->notify = notify;
	t->arg = arg;
	t->intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
	t->intf->error = XENSTORE_ERROR_NONE;
	c = xs_conn_new(&ring_ops, t, -1, domid, domid == 0);
	if (!c)
		free(t);
	return c;
}

void xs_ring_kick(struct xs_conn *c)
{
	xs_conn_input(c);
	xs_conn_output(c);
}
