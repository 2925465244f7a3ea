/* Quotas for unprivileged domains and queue bounds for everyone. */
#include "unit.h"

#include <stdlib.h>

static struct memconn *home5(void)
{
	struct memconn *d0 = mc_new(0, true);

	OK(mc_op(d0, XS_MKDIR, 0, "/local/domain/5|"));
	OK(mc_op(d0, XS_SET_PERMS, 0, "/local/domain/5|n5|"));
	return d0;
}

static void t_nodes(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);

	xs_quota.nodes = 3; /* the home node counts: owned by dom5 */
	OK(mc_op(d5, XS_WRITE, 0, "a|1"));
	ERR(mc_op(d5, XS_WRITE, 0, "x/y|1"), "ENOSPC");
	ERR(mc_op(d5, XS_READ, 0, "x|"), "ENOENT"); /* nothing half-made */
	OK(mc_op(d5, XS_WRITE, 0, "b|1"));
	ERR(mc_op(d5, XS_WRITE, 0, "c|1"), "ENOSPC");
	OK(mc_op(d5, XS_WRITE, 0, "a|overwrite is fine"));
	OK(mc_op(d5, XS_RM, 0, "b|"));
	OK(mc_op(d5, XS_WRITE, 0, "c|1"));
	OK(mc_op(d0, XS_WRITE, 0, "/local/domain/5/dom0made|1"));
	mc_free(d0), mc_free(d5);
}

static void t_node_size(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);

	xs_quota.node_size = 8;
	OK(mc_op(d5, XS_WRITE, 0, "a|12345678"));
	ERR(mc_op(d5, XS_WRITE, 0, "a|123456789"), "ENOSPC");
	OK(mc_op(d0, XS_WRITE, 0, "/local/domain/5/a|123456789"));
	mc_free(d0), mc_free(d5);
}

static void t_watches(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);

	xs_quota.watches = 2;
	OK(mc_op(d5, XS_WATCH, 0, "a|t1|"));
	ERR(mc_op(d5, XS_WATCH, 0, "a|t1|"), "EEXIST");
	OK(mc_op(d5, XS_WATCH, 0, "a|t2|"));
	ERR(mc_op(d5, XS_WATCH, 0, "a|t3|"), "E2BIG");
	OK(mc_op(d5, XS_UNWATCH, 0, "a|t1|"));
	OK(mc_op(d5, XS_WATCH, 0, "a|t3|"));
	mc_free(d0), mc_free(d5);
}

static void t_transactions(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);

	xs_quota.transactions = 2;
	CU_ASSERT_NOT_EQUAL(mc_op(d5, XS_TRANSACTION_START, 0, "|")->hdr.type, XS_ERROR);
	CU_ASSERT_NOT_EQUAL(mc_op(d5, XS_TRANSACTION_START, 0, "|")->hdr.type, XS_ERROR);
	ERR(mc_op(d5, XS_TRANSACTION_START, 0, "|"), "ENOSPC");
	mc_free(d0), mc_free(d5);
}

static void t_txn_nodes(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t;

	xs_quota.txn_nodes = 2;
	t = (uint32_t)atoi(mc_op(d5, XS_TRANSACTION_START, 0, "|")->body);
	OK(mc_op(d5, XS_WRITE, t, "a|1"));
	ERR(mc_op(d5, XS_WRITE, t, "b|1"), "ENOSPC");
	ERR(mc_op(d5, XS_TRANSACTION_END, t, "T|"), "ENOMEM");
	mc_free(d0), mc_free(d5);
}

static void t_perms_and_path(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);

	xs_quota.perms = 2;
	xs_quota.path_length = 6;
	OK(mc_op(d5, XS_WRITE, 0, "abcdef|1"));
	ERR(mc_op(d5, XS_WRITE, 0, "abcdefg|1"), "EINVAL");
	OK(mc_op(d5, XS_SET_PERMS, 0, "abcdef|n5|r1|"));
	ERR(mc_op(d5, XS_SET_PERMS, 0, "abcdef|n5|r1|r2|"), "ENOSPC");
	mc_free(d0), mc_free(d5);
}

/* A client that stops reading: at most `outstanding` replies are queued,
 * the rest of its requests wait in its input; others are unaffected. */
static void t_outstanding(void)
{
	struct memconn *slow = mc_new(0, true), *fast = mc_new(0, true);
	struct reply r;
	int n = 0;

	xs_quota.outstanding = 2;
	slow->write_room = 0;
	for (int i = 0; i < 5; i++)
		mc_send(slow, XS_READ, 0, "/\0", 2);
	CU_ASSERT_EQUAL(slow->conn->out_replies, 2);
	CU_ASSERT_TRUE(slow->conn->stalled);
	OK(mc_op(fast, XS_WRITE, 0, "/f|1"));
	slow->write_room = SIZE_MAX;
	xs_conn_output(slow->conn);
	while (mc_next(slow, &r))
		n++;
	CU_ASSERT_EQUAL(n, 5);
	mc_free(slow), mc_free(fast);
}

static void t_event_queue(void)
{
	struct memconn *w = mc_new(0, true), *wr = mc_new(0, true);

	xs_quota.watch_events = 4;
	OK(mc_op(w, XS_WATCH, 0, "/q|t|"));
	w->write_room = 0;
	for (int i = 0; i < 50; i++)
		OK(mc_op(wr, XS_WRITE, 0, "/q/k|v"));
	CU_ASSERT_EQUAL(w->conn->out_events, 4);
	CU_ASSERT_TRUE(w->conn->events_dropped >= 46);
	mc_free(w), mc_free(wr);
}

void suite_quota(void)
{
	static const struct unit_test tests[] = {
		{ "nodes", t_nodes }, { "node_size", t_node_size },
		{ "watches", t_watches }, { "transactions", t_transactions },
		{ "transaction_nodes", t_txn_nodes },
		{ "perms_and_path", t_perms_and_path },
		{ "outstanding", t_outstanding },
		{ "event_queue", t_event_queue },
	};
	ADD_SUITE("quota", tests);
}
