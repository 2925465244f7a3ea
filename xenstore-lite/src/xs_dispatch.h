/* Request dispatch: a table indexed by XS_* type, like Xen's wire_funcs. */
#ifndef XS_DISPATCH_H
#define XS_DISPATCH_H

#include <stdint.h>
#include "xs_wire.h"

#include "xs_store.h"

struct xs_conn;

/* body has hdr->len bytes; the caller guarantees body[len] is readable. */
void xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		 const char *body);

/* The one argument: payload is exactly one NUL-terminated string. */
const char *xs_onearg(const struct xs_req *r);
/* Count NUL-terminated strings, filling up to n of them into vec. */
unsigned xs_get_strings(const struct xs_req *r, const char **vec, unsigned n);
int xs_reply(struct xs_req *r, const void *data, uint32_t len);
int xs_ack(struct xs_req *r);
int xs_reply_str(struct xs_req *r, const char *s); /* includes the NUL */

#endif
