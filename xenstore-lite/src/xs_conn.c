/* Connection framing, bounded output queues and the request loop. */
#include "xs_conn.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xs_dispatch.h"
#include "xs_domain.h"
#include "xs_log.h"
#include "xs_quota.h"
#include "xs_txn.h"
#include "xs_watch.h"

#define HDR sizeof(struct xsd_sockmsg)

static struct xs_conn *conns;
static struct xs_conn *dirty;
static struct xs_conn *doomed;	/* dead, waiting for xs_conn_reap() */
static unsigned nconns, next_id;

struct xs_conn *xs_conn_first(void)
{
	return conns;
}

unsigned xs_conn_count(void)
{
	return nconns;
}

struct xs_conn *xs_conn_new(const struct xs_transport_ops *ops, void *tp,
			    int fd, unsigned domid, bool priv)
{
	/* The 8 KiB input buffer needs no zeroing: only the fields do. */
	struct xs_conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct xs_conn, in));
	c->ops = ops;
	c->tp = tp;
	c->fd = fd;
	c->id = ++next_id;
	c->who.id = domid;
	c->who.priv = priv;
	c->who.target = XS_NO_TARGET;
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	nconns++;
	return c;
}

static void unlink_conn(struct xs_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	nconns--;
}

void xs_conn_free(struct xs_conn *c)
{
	struct xs_conn **p;

	if (!c->dead)
		unlink_conn(c);
	for (p = &doomed; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	for (p = &dirty; *p; p = &(*p)->dirty_next)
		if (*p == c) {
			*p = c->dirty_next;
			break;
		}
	xs_watch_remove_all(c);
	xs_txn_free_all(c);
	xs_domain_conn_gone(c);
	while (c->out_head) {
		struct xs_buf *b = c->out_head;
		c->out_head = b->next;
		free(b);
	}
	if (c->ops->destroy)
		c->ops->destroy(c);
	free(c);
}

/* Dead connections stay allocated until the current request is done,
 * since watch firing may still hold a pointer to them. */
void xs_conn_kill(struct xs_conn *c, const char *why)
{
	if (c->dead)
		return;
	xs_info("conn %u (dom%u): closing: %s", c->id, c->who.id, why);
	unlink_conn(c);
	c->dead = true;
	c->next = doomed;
	doomed = c;
}

void xs_conn_reap(void)
{
	while (doomed)
		xs_conn_free(doomed);
}

static void update(struct xs_conn *c)
{
	if (c->ops->update)
		c->ops->update(c);
}

/* Write queued output until the transport is full. */
static void flush(struct xs_conn *c)
{
	while (!c->dead && c->out_head) {
		struct xs_buf *b = c->out_head;
		ssize_t n = c->ops->write(c, b->data + b->off, b->len - b->off);
		if (n < 0) {
			xs_conn_kill(c, "write failed");
			return;
		}
		if (n == 0)
			break;
		b->off += (uint32_t)n;
		if (b->off < b->len)
			continue;
		c->out_head = b->next;
		if (!c->out_head)
			c->out_tail = NULL;
		if (b->event)
			c->out_events--;
		else
			c->out_replies--;
		free(b);
	}
	update(c);
}

static struct xs_buf *buf_new(uint32_t type, uint32_t req_id, uint32_t tx_id,
			      uint32_t len)
{
	struct xs_buf *b = malloc(sizeof(*b) + HDR + len);
	struct xsd_sockmsg m = { type, req_id, tx_id, len };

	if (!b)
		return NULL;
	b->next = NULL;
	b->len = (uint32_t)HDR + len;
	b->off = 0;
	b->event = type == XS_WATCH_EVENT;
	memcpy(b->data, &m, HDR);
	return b;
}

static void enqueue(struct xs_conn *c, struct xs_buf *b)
{
	if (xs_trace_enabled())
		xs_trace_msg("OUT", c->id, b->data, b->data + HDR);
	if (c->out_tail)
		c->out_tail->next = b;
	else
		c->out_head = b;
	c->out_tail = b;
	if (b->event)
		c->out_events++;
	else
		c->out_replies++;
	if (!c->dirty) {
		c->dirty = true;
		c->dirty_next = dirty;
		dirty = c;
	}
}

int xs_send_reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  uint32_t type, const void *payload, uint32_t len)
{
	struct xs_buf *b;

	if (len > XENSTORE_PAYLOAD_MAX)
		return xs_send_error(c, req, E2BIG);
	b = buf_new(type, req->req_id, req->tx_id, len);
	if (!b) {
		xs_conn_kill(c, "out of memory for reply");
		return ENOMEM;
	}
	if (len)
		memcpy(b->data + HDR, payload, len);
	enqueue(c, b);
	return 0;
}

int xs_send_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err)
{
	const char *s = xs_errno_string(err);

	return xs_send_reply(c, req, XS_ERROR, s, (uint32_t)strlen(s) + 1);
}

void xs_send_event(struct xs_conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	struct xs_buf *b;

	if (c->dead || pl + tl > XENSTORE_PAYLOAD_MAX)
		return;
	/* A client that never reads must not grow our memory: drop. */
	if (c->out_events >= xs_quota.watch_events) {
		if (c->events_dropped++ % 1024 == 0)
			xs_warn("conn %u: watch event queue full, dropping",
				c->id);
		return;
	}
	b = buf_new(XS_WATCH_EVENT, 0, 0, (uint32_t)(pl + tl));
	if (!b)
		return;
	memcpy(b->data + HDR, path, pl);
	memcpy(b->data + HDR + pl, token, tl);
	enqueue(c, b);
}

void xs_conn_flush_dirty(void)
{
	while (dirty) {
		struct xs_conn *c = dirty;
		dirty = c->dirty_next;
		c->dirty = false;
		flush(c);
	}
}

/* Handle complete requests in the input buffer, at most `outstanding`
 * unanswered at a time. Returns false if stalled on output. */
static bool process(struct xs_conn *c)
{
	uint32_t off = 0;
	struct xsd_sockmsg m;

	while (!c->dead && c->in_used - off >= HDR) {
		memcpy(&m, c->in + off, HDR);
		if (m.len > XENSTORE_PAYLOAD_MAX) {
			xs_warn("conn %u (dom%u): request of %u bytes (max %u)",
				c->id, c->who.id, m.len, XENSTORE_PAYLOAD_MAX);
			if (c->ops->protocol_error)
				c->ops->protocol_error(c);
			xs_conn_kill(c, "oversized request");
			return true;
		}
		if (c->in_used - off < HDR + m.len)
			break;
		if (c->out_replies >= xs_quota.outstanding)
			flush(c);
		if (c->out_replies >= xs_quota.outstanding) {
			c->stalled = true;
			break;
		}
		xs_dispatch(c, &m, c->in + off + HDR);
		off += (uint32_t)HDR + m.len;
	}
	if (off && !c->dead) {
		memmove(c->in, c->in + off, c->in_used - off);
		c->in_used -= off;
	}
	return !c->stalled;
}

void xs_conn_input(struct xs_conn *c)
{
	ssize_t n = 0;

	if (c->dead || c->stalled)
		return;
	if (c->in_used < XS_IN_BUF)
		n = c->ops->read(c, c->in + c->in_used, XS_IN_BUF - c->in_used);
	if (n < 0) {
		/* A ring read fails only on bad indexes (logged there). */
		xs_conn_kill(c, c->fd < 0 ? "bad ring indexes"
				: c->in_used ? "truncated request" : "closed");
		return;
	}
	c->in_used += (uint32_t)n;
	process(c);
	if (n > 0 && c->ops->in_consumed && !c->dead)
		c->ops->in_consumed(c);
	xs_conn_flush_dirty();
	if (!c->dead)
		flush(c);
}

void xs_conn_output(struct xs_conn *c)
{
	if (c->dead)
		return;
	flush(c);
	if (c->stalled && c->out_replies < xs_quota.outstanding) {
		/* Resume: buffered requests first, then whatever arrived. */
		c->stalled = false;
		xs_conn_input(c);
	}
}
