/* In-memory transport (see memconn.h). */
#include "memconn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static ssize_t m_read(struct xs_conn *c, void *buf, size_t len)
{
	struct memconn *m = c->tp;
	size_t avail = m->in_len - m->in_off;

	if (!avail)
		return m->eof ? -1 : 0;
	if (len > avail)
		len = avail;
	memcpy(buf, m->in + m->in_off, len);
	m->in_off += len;
	return (ssize_t)len;
}

static ssize_t m_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct memconn *m = c->tp;

	if (len > m->write_room)
		len = m->write_room;
	if (m->write_room != SIZE_MAX)
		m->write_room -= len;
	if (m->out_len + len > m->out_cap) {
		m->out_cap = (m->out_len + len) * 2 + 4096;
		m->out = realloc(m->out, m->out_cap);
	}
	if (len)
		memcpy(m->out + m->out_len, buf, len);
	m->out_len += len;
	return (ssize_t)len;
}

static void m_destroy(struct xs_conn *c)
{
	struct memconn *m = c->tp;

	m->conn = NULL;
}

static const struct xs_transport_ops mem_ops = {
	.name = "memory", .read = m_read, .write = m_write,
	.destroy = m_destroy,
};

struct memconn *mc_new(unsigned domid, bool priv)
{
	struct memconn *m = calloc(1, sizeof(*m));

	m->write_room = SIZE_MAX;
	m->conn = xs_conn_new(&mem_ops, m, -1, domid, priv);
	return m;
}

void mc_free(struct memconn *m)
{
	if (m->conn)
		xs_conn_free(m->conn);
	free(m->in);
	free(m->out);
	free(m);
}

void mc_push(struct memconn *m, const void *data, size_t len)
{
	if (m->in_len + len > m->in_cap) {
		m->in_cap = (m->in_len + len) * 2 + 4096;
		m->in = realloc(m->in, m->in_cap);
	}
	if (len)
		memcpy(m->in + m->in_len, data, len);
	m->in_len += len;
	/* Loop like the event loop would while input keeps arriving. */
	while (m->conn && !m->conn->dead && m->in_off < m->in_len) {
		size_t before = m->in_off;
		xs_conn_input(m->conn);
		if (m->conn && m->in_off == before)
			break;
	}
	if (m->conn && !m->conn->dead)
		xs_conn_output(m->conn);
	xs_conn_reap();
}

void mc_send(struct memconn *m, uint32_t type, uint32_t tx, const void *p,
	     size_t len)
{
	static uint32_t req_id;
	struct xsd_sockmsg h = { type, ++req_id, tx, (uint32_t)len };
	char buf[sizeof(h) + 8192];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	mc_push(m, buf, sizeof(h) + len);
}

bool mc_next(struct memconn *m, struct reply *r)
{
	size_t avail = m->out_len - m->out_off;

	if (avail < sizeof(r->hdr))
		return false;
	memcpy(&r->hdr, m->out + m->out_off, sizeof(r->hdr));
	if (r->hdr.len > XENSTORE_PAYLOAD_MAX ||
	    avail < sizeof(r->hdr) + r->hdr.len)
		return false;
	memcpy(r->body, m->out + m->out_off + sizeof(r->hdr), r->hdr.len);
	r->body[r->hdr.len] = '\0';
	m->out_off += sizeof(r->hdr) + r->hdr.len;
	return true;
}

bool mc_reply(struct memconn *m, struct reply *r)
{
	while (mc_next(m, r))
		if (r->hdr.type != XS_WATCH_EVENT)
			return true;
	return false;
}

struct reply *mc_op(struct memconn *m, uint32_t type, uint32_t tx,
		    const char *pipe_payload)
{
	static struct reply r;
	char buf[8192];
	size_t len = strlen(pipe_payload);

	for (size_t i = 0; i < len; i++)
		buf[i] = pipe_payload[i] == '|' ? '\0' : pipe_payload[i];
	mc_send(m, type, tx, buf, len);
	if (!mc_reply(m, &r)) {
		memset(&r, 0, sizeof(r));
		r.hdr.type = 0xffff;
		strcpy(r.body, "NOREPLY");
	}
	return &r;
}

const char *mc_err(const struct reply *r)
{
	return r->body;
}
