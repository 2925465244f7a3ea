/*
 * libFuzzer target for the message parser and dispatcher: the input is a
 * raw byte stream sent by one client (privileged socket client, an
 * unprivileged domain, or a domain ring), with a second client watching
 * "/" and reading slowly, against a fresh daemon state per input.
 * Byte 0 selects the setup; the rest is the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/xs_core.h"
#include "../src/xs_log.h"
#include "../src/xs_quota.h"
#include "../src/xs_ring.h"
#include "../tests/memconn.h"
#include "../src/xs_perms.h"

static void nop(void *arg)
{
	(void)arg;
}

/* Feed the stream through a ring page in ring-sized pieces. */
static void via_ring(const uint8_t *d, size_t n)
{
	struct xenstore_domain_interface *intf = calloc(1, 4096);
	struct xs_conn *c = xs_ring_conn_new(intf, 5, nop, NULL);

	while (n && c && !c->dead) {
		size_t space = XENSTORE_RING_SIZE - (intf->req_prod - intf->req_cons);
		size_t k = n < space ? n : space;
		for (size_t i = 0; i < k; i++)
			intf->req[MASK_XENSTORE_IDX(intf->req_prod + i)] = (char)d[i];
		intf->req_prod += (XENSTORE_RING_IDX)k;
		intf->rsp_cons = intf->rsp_prod; /* guest eats all replies */
		xs_ring_kick(c);
		d += k;
		n -= k;
		if (!k)
			break;
	}
	xs_conn_reap();
	free(intf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memconn *w, *m;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	xs_log_level = -1; /* quiet */
	xs_quota_defaults();
	if (mode & 4) { /* tiny quotas to reach the limit paths */
		xs_quota.nodes = 8;
		xs_quota.outstanding = 2;
		xs_quota.watch_events = 3;
		xs_quota.txn_nodes = 4;
	}
	if (xs_core_init())
		abort();
	w = mc_new(0, true);
	mc_op(w, XS_WATCH, 0, "/|w|");
	w->write_room = (mode & 8) ? 0 : SIZE_MAX;
	if (mode & 2) {
		via_ring(data + 1, size - 1);
	} else {
		m = mc_new(5, !(mode & 1));
		/* Two pushes: exercises messages split across reads. */
		mc_push(m, data + 1, (size - 1) / 2);
		mc_push(m, data + 1 + (size - 1) / 2, size - 1 - (size - 1) / 2);
		m->eof = true;
		if (m->conn)
			xs_conn_input(m->conn);
		xs_conn_reap();
		mc_free(m);
	}
	mc_free(w);
	xs_core_fini();
	/* A leaked permission set is reachable from the id table, so
	 * LeakSanitizer cannot see it: count them. */
	if (xs_perms_live())
		abort();
	return 0;
}
