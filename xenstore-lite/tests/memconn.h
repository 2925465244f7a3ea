/* In-memory transport for unit tests and the fuzzer: requests are pushed
 * into a buffer, replies collected from another. */
#ifndef MEMCONN_H
#define MEMCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/xs_conn.h"

struct memconn {
	char *in;
	size_t in_len, in_off, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	size_t write_room;	/* SIZE_MAX: unlimited */
	bool eof;
	struct xs_conn *conn;
};

struct reply {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

struct memconn *mc_new(unsigned domid, bool priv);
void mc_free(struct memconn *m);
/* Queue raw bytes as input and let the connection process them. */
void mc_push(struct memconn *m, const void *data, size_t len);
/* Send one request (payload of len bytes). */
void mc_send(struct memconn *m, uint32_t type, uint32_t tx, const void *p,
	     size_t len);
/* Next queued message from the daemon; false if none. */
bool mc_next(struct memconn *m, struct reply *r);
/* Next message that is not a watch event (events are skipped). */
bool mc_reply(struct memconn *m, struct reply *r);
/* Request whose payload is NUL-joined strings given as one string with
 * '|' standing for NUL, e.g. "/a|b|". Returns the reply. */
struct reply *mc_op(struct memconn *m, uint32_t type, uint32_t tx,
		    const char *pipe_payload);
/* "ENOENT" etc for an error reply, else the body as a string. */
const char *mc_err(const struct reply *r);

#endif
