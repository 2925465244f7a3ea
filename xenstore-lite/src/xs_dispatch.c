/* Request handlers and the XS_* dispatch table. Handlers validate all
 * arguments first, then act; they return an errno or 0 once replied. */
#include "xs_dispatch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_control.h"
#include "xs_domain.h"
#include "xs_log.h"
#include "xs_path.h"
#include "xs_quota.h"
#include "xs_tree.h"
#include "xs_txn.h"
#include "xs_watch.h"

#define F_PRIV 1u	/* privileged callers only */
#define F_NOTID 2u	/* tx_id is ignored */

const char *xs_onearg(const struct xs_req *r)
{
	if (!r->len || memchr(r->body, 0, r->len) != r->body + r->len - 1)
		return NULL;
	return r->body;
}

unsigned xs_get_strings(const struct xs_req *r, const char **vec, unsigned n)
{
	unsigned i = 0, off = 0;
	const char *nul;

	while (off < r->len && (nul = memchr(r->body + off, 0, r->len - off))) {
		if (i < n)
			vec[i] = r->body + off;
		i++;
		off = (unsigned)(nul - r->body) + 1;
	}
	return i;
}

int xs_reply(struct xs_req *r, const void *data, uint32_t len)
{
	xs_send_reply(r->conn, &r->hdr, r->hdr.type, data, len);
	return 0;
}

int xs_ack(struct xs_req *r)
{
	return xs_reply(r, "OK", 3);
}

int xs_reply_str(struct xs_req *r, const char *s)
{
	return xs_reply(r, s, (uint32_t)strlen(s) + 1);
}

static int canon(struct xs_req *r, const char *in, bool special, char *out,
		 bool *relative)
{
	bool rel;

	/* The length limit holds for dom0 too, as in the C xenstored. */
	return xs_path_canon(in, r->who.id, special, xs_quota.path_length, out,
			     relative ? relative : &rel);
}

/* Canonical form of the single path argument. */
static int path_arg(struct xs_req *r, bool special, char *out)
{
	return canon(r, xs_onearg(r), special, out, NULL);
}

static int do_read(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	struct xs_view v;
	int err = path_arg(r, false, path);

	if (!err)
		err = xs_store_get(r, path, XS_PERM_READ, &v);
	return err ? err : xs_reply(r, v.value, v.vlen);
}

static int do_write(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	const char *vec[1];
	uint32_t off;
	int err;

	if (xs_get_strings(r, vec, 1) < 1)
		return EINVAL;
	off = (uint32_t)strlen(vec[0]) + 1;
	if ((err = canon(r, vec[0], false, path, NULL)))
		return err;
	err = xs_store_write(r, path, r->body + off, r->len - off, false);
	return err ? err : xs_ack(r);
}

static int do_mkdir(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	int err = path_arg(r, false, path);

	if (!err)
		err = xs_store_write(r, path, NULL, 0, true);
	return err ? err : xs_ack(r);
}

static int do_rm(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	int err = path_arg(r, false, path);

	if (!err)
		err = xs_store_rm(r, path);
	return err ? err : xs_ack(r);
}

struct names {
	const char *buf;
	size_t len;
};

static int list_children(struct xs_req *r, const char *arg, struct names *n,
			 struct xs_view *v)
{
	char path[XS_PATH_BUF];
	int err = canon(r, arg, false, path, NULL);

	if (!err)
		err = xs_store_get(r, path, XS_PERM_READ, v);
	if (!err)
		err = xs_store_list(r, path, &n->buf, &n->len);
	return err;
}

static int do_directory(struct xs_req *r)
{
	struct names n;
	struct xs_view v;
	int err = list_children(r, xs_onearg(r), &n, &v);

	/* Too long for one reply: libxenstore falls back to DIRECTORY_PART. */
	if (!err && n.len > XENSTORE_PAYLOAD_MAX)
		err = E2BIG;
	return err ? err : xs_reply(r, n.buf, (uint32_t)n.len);
}

/* Reply: "<gen>\0" then as many whole names from byte offset as fit, and
 * a final extra "\0" once the list is complete (xenstored's format). The
 * cut is after the last name terminator that fits: one memrchr. */
static int part_reply(struct xs_req *r, const struct names *n, uint64_t gen,
		      unsigned off)
{
	char out[XENSTORE_PAYLOAD_MAX];
	int gl = snprintf(out, sizeof(out), "%" PRIu64, gen) + 1;
	size_t len = off < n->len ? n->len - off : 0;
	size_t max = XENSTORE_PAYLOAD_MAX - (size_t)gl - 1;

	if (len > max) {
		const char *end = memrchr(n->buf + off, '\0', max);
		/* A name too long for any part: an error, not an empty part
		 * that would have libxenstore ask for the same offset forever. */
		if (!end)
			return E2BIG;
		len = (size_t)(end - (n->buf + off)) + 1;
	}
	if (len)
		memcpy(out + gl, n->buf + off, len);
	if (off + len >= n->len)
		out[gl + len++] = '\0';
	return xs_reply(r, out, (uint32_t)(gl + len));
}

static int do_directory_part(struct xs_req *r)
{
	struct names n;
	struct xs_view v;
	const char *vec[2];
	int err;

	if (xs_get_strings(r, vec, 2) != 2)
		return EINVAL;
	err = list_children(r, vec[0], &n, &v);
	return err ? err : part_reply(r, &n, v.gen, (unsigned)atoi(vec[1]));
}

/* Like xenstored 4.17, GET_PERMS does not accept the special '@' nodes
 * (SET_PERMS does). */
static int do_get_perms(struct xs_req *r)
{
	char path[XS_PATH_BUF], out[XENSTORE_PAYLOAD_MAX];
	struct xs_view v;
	int err = path_arg(r, false, path);

	if (!err)
		err = xs_store_get(r, path, XS_PERM_READ, &v);
	if (err)
		return err;
	return xs_reply(r, out, (uint32_t)xs_perms_format(v.perms, out, sizeof(out)));
}

static int set_special_perms(struct xs_req *r, const char *path,
			     struct xs_perms *p)
{
	struct xs_perms *cur = xs_domain_special_perms(path);

	if (!cur)
		return EINVAL; /* only the two special nodes exist */
	if (!(xs_perms_for(cur, &r->who) & XS_PERM_WRITE))
		return EACCES;
	if (!r->who.priv && xs_perms_owner(p) != xs_perms_owner(cur))
		return EPERM;
	return xs_domain_set_special_perms(path, p);
}

static int do_set_perms(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	unsigned n = xs_get_strings(r, NULL, 0);
	struct xs_perms *p;
	size_t off;
	int err;

	if (n < 2)
		return EINVAL;
	if (!r->who.priv && n - 1 > xs_quota.perms)
		return ENOSPC;
	off = strlen(r->body) + 1;
	if (!(p = xs_perms_parse(r->body + off, r->len - off, n - 1, &err)))
		return err;
	err = canon(r, r->body, true, path, NULL);
	if (!err)
		err = path[0] == '@' ? set_special_perms(r, path, p)
				     : xs_store_set_perms(r, path, p);
	xs_perms_put(p);
	return err ? err : xs_ack(r);
}

static int do_watch(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	const char *vec[2];
	bool rel;
	int err;

	if (xs_get_strings(r, vec, 2) != 2)
		return EINVAL;
	if ((err = canon(r, vec[0], true, path, &rel)))
		return err;
	if ((err = xs_watch_add(r->conn, path, vec[1], rel)))
		return err;
	xs_ack(r);
	/* The initial event, after the reply, with the path as given. */
	xs_send_event(r->conn, vec[0], vec[1]);
	return 0;
}

static int do_unwatch(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	const char *vec[2];
	int err;

	if (xs_get_strings(r, vec, 2) != 2)
		return EINVAL;
	if ((err = canon(r, vec[0], true, path, NULL)))
		return err;
	err = xs_watch_remove(r->conn, path, vec[1]);
	return err ? err : xs_ack(r);
}

static int do_txn_start(struct xs_req *r)
{
	char id[16];
	uint32_t tid;
	int err;

	if (r->txn)
		return EBUSY; /* no nesting */
	if ((err = xs_txn_start(r->conn, r->who.priv, &tid)))
		return err;
	snprintf(id, sizeof(id), "%u", tid);
	return xs_reply_str(r, id);
}

static int do_txn_end(struct xs_req *r)
{
	const char *a = xs_onearg(r);
	int err;

	if (!a || (strcmp(a, "T") && strcmp(a, "F")))
		return EINVAL;
	if (!r->txn)
		return ENOENT;
	err = xs_txn_end(r->conn, r->txn, a[0] == 'T');
	r->txn = NULL;
	return err ? err : xs_ack(r);
}

static int do_reset_watches(struct xs_req *r)
{
	xs_watch_remove_all(r->conn);
	xs_txn_free_all(r->conn);
	return xs_ack(r);
}

static const struct {
	int (*fn)(struct xs_req *r);
	unsigned flags;
} wire_funcs[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { xs_do_control, F_PRIV },
	[XS_DIRECTORY] = { do_directory, 0 },
	[XS_READ] = { do_read, 0 },
	[XS_GET_PERMS] = { do_get_perms, 0 },
	[XS_WATCH] = { do_watch, F_NOTID },
	[XS_UNWATCH] = { do_unwatch, F_NOTID },
	[XS_TRANSACTION_START] = { do_txn_start, 0 },
	[XS_TRANSACTION_END] = { do_txn_end, 0 },
	[XS_INTRODUCE] = { xs_do_introduce, F_PRIV },
	[XS_RELEASE] = { xs_do_release, F_PRIV },
	[XS_GET_DOMAIN_PATH] = { xs_do_get_domain_path, 0 },
	[XS_WRITE] = { do_write, 0 },
	[XS_MKDIR] = { do_mkdir, 0 },
	[XS_RM] = { do_rm, 0 },
	[XS_SET_PERMS] = { do_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { xs_do_is_introduced, F_PRIV },
	[XS_RESUME] = { xs_do_resume, F_PRIV },
	[XS_SET_TARGET] = { xs_do_set_target, F_PRIV },
	[XS_RESET_WATCHES] = { do_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { do_directory_part, 0 },
};

static int route(struct xs_req *r)
{
	uint32_t type = r->hdr.type;

	if (type >= XS_TYPE_COUNT || !wire_funcs[type].fn)
		return ENOSYS;
	if ((wire_funcs[type].flags & F_PRIV) && !r->who.priv)
		return EACCES;
	if (!(wire_funcs[type].flags & F_NOTID) && r->hdr.tx_id) {
		r->txn = xs_txn_find(r->conn, r->hdr.tx_id);
		if (!r->txn)
			return ENOENT;
	}
	return wire_funcs[type].fn(r);
}

void xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		 const char *body)
{
	/* Private copy with a NUL after the payload: string scans of a
	 * malformed payload (no terminator) stop inside our buffer. */
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_req r = { .conn = c, .who = c->who, .hdr = *hdr,
			    .body = buf, .len = hdr->len };
	int err;

	memcpy(buf, body, hdr->len);
	buf[hdr->len] = '\0';
	if (xs_trace_enabled())
		xs_trace_msg("IN", c->id, hdr, buf);
	err = route(&r);
	if (err)
		xs_send_error(c, &r.hdr, err);
}
