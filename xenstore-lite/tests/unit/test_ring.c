/* Ring transport on an in-memory xenstore_domain_interface page. */
#include "unit.h"

#include <stdlib.h>

#include "../../src/xs_ring.h"

struct guest {
	struct xenstore_domain_interface *intf;
	struct xs_conn *conn;
	int notifies;
	char acc[8192];	/* guest-side reassembly of replies */
	size_t acc_len;
};

static void notify(void *arg)
{
	((struct guest *)arg)->notifies++;
}

static void guest_init(struct guest *g, unsigned domid)
{
	g->intf = calloc(1, 4096);
	g->notifies = 0;
	g->acc_len = 0;
	g->conn = xs_ring_conn_new(g->intf, domid, notify, g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->conn);
}

/* Guest side: put bytes on the request ring as space allows (wrapping),
 * kicking the daemon after each chunk. */
static void put(struct guest *g, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		size_t space = XENSTORE_RING_SIZE -
			       (g->intf->req_prod - g->intf->req_cons);
		size_t n = len < space ? len : space;
		CU_ASSERT_FATAL(n > 0);
		for (size_t i = 0; i < n; i++)
			g->intf->req[MASK_XENSTORE_IDX(g->intf->req_prod + i)] = p[i];
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		g->intf->req_prod += (XENSTORE_RING_IDX)n;
		xs_ring_kick(g->conn);
		p += n;
		len -= n;
	}
}

static void request(struct guest *g, uint32_t type, const char *payload,
		    size_t len)
{
	struct xsd_sockmsg h = { type, 7, 0, (uint32_t)len };

	put(g, &h, sizeof(h));
	put(g, payload, len);
}

/* Guest side: drain the response ring into acc until a whole message is
 * there (replies can be larger than the ring). */
static bool get(struct guest *g, struct xsd_sockmsg *h, char *body)
{
	for (int spins = 0; spins < 64; spins++) {
		XENSTORE_RING_IDX c = g->intf->rsp_cons;
		while (c != g->intf->rsp_prod && g->acc_len < sizeof(g->acc))
			g->acc[g->acc_len++] = g->intf->rsp[MASK_XENSTORE_IDX(c++)];
		g->intf->rsp_cons = c;
		xs_ring_kick(g->conn); /* space freed: queued output moves */
		if (g->acc_len < sizeof(*h))
			continue;
		memcpy(h, g->acc, sizeof(*h));
		if (g->acc_len < sizeof(*h) + h->len)
			continue;
		memcpy(body, g->acc + sizeof(*h), h->len);
		body[h->len] = '\0';
		g->acc_len -= sizeof(*h) + h->len;
		memmove(g->acc, g->acc + sizeof(*h) + h->len, g->acc_len);
		return true;
	}
	return false;
}

static void t_roundtrip(void)
{
	struct guest g;
	struct xsd_sockmsg h;
	char body[4097];

	guest_init(&g, 0);
	request(&g, XS_WRITE, "/r/k\0value", 10);
	CU_ASSERT_TRUE(get(&g, &h, body));
	CU_ASSERT_EQUAL(h.type, XS_WRITE);
	CU_ASSERT_EQUAL(h.req_id, 7);
	CU_ASSERT_STRING_EQUAL(body, "OK");
	request(&g, XS_READ, "/r/k", 5);
	CU_ASSERT_TRUE(get(&g, &h, body));
	CU_ASSERT_STRING_EQUAL(body, "value");
	CU_ASSERT_TRUE(g.notifies > 0);
	CU_ASSERT_EQUAL(g.intf->server_features & XENSTORE_SERVER_FEATURE_ERROR,
			XENSTORE_SERVER_FEATURE_ERROR);
	free(g.intf);
}

/* Many messages: indexes wrap the 1 KiB rings several times, and a
 * reply larger than the ring goes out in pieces as the guest consumes. */
static void t_wrap_and_big(void)
{
	struct guest g;
	struct xsd_sockmsg h;
	char body[4097], big[3001 + 8];
	int ok = 0;

	guest_init(&g, 0);
	for (int i = 0; i < 200; i++) {
		request(&g, XS_WRITE, "/w/k\0v", 6);
		ok += get(&g, &h, body) && !strcmp(body, "OK");
	}
	CU_ASSERT_EQUAL(ok, 200);
	memcpy(big, "/w/big\0", 7);
	memset(big + 7, 'z', 3000);
	request(&g, XS_WRITE, big, 3007);
	CU_ASSERT_TRUE(get(&g, &h, body));
	request(&g, XS_READ, "/w/big", 7);
	CU_ASSERT_TRUE(get(&g, &h, body));
	CU_ASSERT_EQUAL(h.len, 3000);
	free(g.intf);
}

static void t_relative_unpriv(void)
{
	struct guest g;
	struct xsd_sockmsg h;
	char body[4097];
	struct memconn *d0 = mc_new(0, true);

	OK(mc_op(d0, XS_MKDIR, 0, "/local/domain/3|"));
	OK(mc_op(d0, XS_SET_PERMS, 0, "/local/domain/3|n3|"));
	guest_init(&g, 3);
	request(&g, XS_WRITE, "name\0guest", 10);
	CU_ASSERT_TRUE(get(&g, &h, body));
	CU_ASSERT_STRING_EQUAL(body, "OK");
	BODY(mc_op(d0, XS_READ, 0, "/local/domain/3/name|"), "guest");
	request(&g, XS_INTRODUCE, "4\0" "1\0" "2\0", 6);
	CU_ASSERT_TRUE(get(&g, &h, body));
	CU_ASSERT_EQUAL(h.type, XS_ERROR);
	CU_ASSERT_STRING_EQUAL(body, "EACCES");
	mc_free(d0);
	free(g.intf);
}

static void t_bad_index(void)
{
	struct guest g;

	guest_init(&g, 2);
	g.intf->req_prod = g.intf->req_cons + 5000; /* more than the ring */
	xs_ring_kick(g.conn);
	CU_ASSERT_TRUE(g.conn->dead);
	CU_ASSERT_EQUAL(g.intf->error, XENSTORE_ERROR_RINGIDX);
	xs_conn_reap();
	free(g.intf);
}

void suite_ring(void)
{
	static const struct unit_test tests[] = {
		{ "roundtrip", t_roundtrip },
		{ "wrap_and_big", t_wrap_and_big },
		{ "relative_unpriv", t_relative_unpriv },
		{ "bad_index", t_bad_index },
	};
	ADD_SUITE("ring", tests);
}
