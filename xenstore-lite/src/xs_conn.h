/*
 * A client connection, independent of its transport. Transports (Unix
 * socket, shared-page ring, in-memory for tests and fuzzing) supply byte
 * read/write; this layer frames messages, bounds queues and dispatches.
 */
#ifndef XS_CONN_H
#define XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "xs_wire.h"

#include "xs_perms.h"

struct xs_conn;
struct xs_watch;
struct xs_txn;

struct xs_transport_ops {
	const char *name;
	/* >0 bytes moved, 0 nothing possible now, -1 dead (EOF/error). */
	ssize_t (*read)(struct xs_conn *c, void *buf, size_t len);
	ssize_t (*write)(struct xs_conn *c, const void *buf, size_t len);
	/* Queue or stall state changed: re-derive wanted events from
	 * c->out_head (want write) and c->stalled (don't read). */
	void (*update)(struct xs_conn *c);
	/* Input was consumed (ring: notify the peer that space freed). */
	void (*in_consumed)(struct xs_conn *c);
	void (*destroy)(struct xs_conn *c);
	/* Optional: the peer broke the protocol (ring: set the error field). */
	void (*protocol_error)(struct xs_conn *c);
};

struct xs_buf {
	struct xs_buf *next;
	uint32_t len;	/* header + payload */
	uint32_t off;	/* bytes already written */
	bool event;
	char data[];	/* struct xsd_sockmsg followed by payload */
};

#define XS_IN_BUF (2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))

struct xs_conn {
	const struct xs_transport_ops *ops;
	void *tp;		/* transport private */
	int fd;			/* -1 if none */
	unsigned id;		/* connection number for logs/trace */
	struct xs_who who;
	struct xs_conn *next, *prev;	/* all connections */
	struct xs_conn *dirty_next;	/* output to flush after this request */
	bool dirty, dead, stalled, in_dispatch;

	uint32_t in_used;
	struct xs_buf *out_head, *out_tail;
	uint32_t out_replies, out_events;
	uint64_t events_dropped;

	struct xs_watch *watches;
	uint32_t nwatches;
	struct xs_txn *txns;
	uint32_t ntxns, next_txid;
	struct xs_txn *cur_txn;	/* transaction of the request being handled */

	char in[XS_IN_BUF];
};

struct xs_conn *xs_conn_new(const struct xs_transport_ops *ops, void *tp,
			    int fd, unsigned domid, bool priv);
void xs_conn_free(struct xs_conn *c);
struct xs_conn *xs_conn_first(void);

/* Read what the transport has, process complete requests, flush. */
void xs_conn_input(struct xs_conn *c);
/* Transport can take more output. */
void xs_conn_output(struct xs_conn *c);
/* Tear down connections marked dead (never while dispatching). */
void xs_conn_reap(void);

/* Queue a reply to the request hdr; payload may be NULL for len 0. */
int xs_send_reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  uint32_t type, const void *payload, uint32_t len);
int xs_send_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);
void xs_send_event(struct xs_conn *c, const char *path, const char *token);
void xs_conn_flush_dirty(void);
void xs_conn_kill(struct xs_conn *c, const char *why);
unsigned xs_conn_count(void);

#endif
