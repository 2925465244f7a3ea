/* Quotas for unprivileged domains and queue bounds for everyone. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../src/xs_domain.h"

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

/* ---- the same quotas through transactions ---- */

static uint32_t txn_start(struct memconn *m)
{
	struct reply *r = mc_op(m, XS_TRANSACTION_START, 0, "|");

	CU_ASSERT_NOT_EQUAL(r->hdr.type, XS_ERROR);
	return (uint32_t)atoi(r->body);
}

/* Several transactions, each under quota alone, committed one after
 * another: only those that fit commit, the others change nothing. Each
 * works under its own directory, so that none conflicts with another. */
static void t_nodes_txn_several(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t[3];
	char req[64];

	xs_quota.nodes = 8; /* home + 3 directories + 4 */
	for (int i = 0; i < 3; i++) {
		snprintf(req, sizeof(req), "t%d|", i);
		OK(mc_op(d5, XS_MKDIR, 0, req));
	}
	for (int i = 0; i < 3; i++) {
		t[i] = txn_start(d5);
		for (int k = 0; k < 3; k++) {
			snprintf(req, sizeof(req), "t%d/n%d|v", i, k);
			OK(mc_op(d5, XS_WRITE, t[i], req));
		}
	}
	OK(mc_op(d5, XS_TRANSACTION_END, t[0], "T|"));
	ERR(mc_op(d5, XS_TRANSACTION_END, t[1], "T|"), "ENOSPC");
	ERR(mc_op(d5, XS_TRANSACTION_END, t[2], "T|"), "ENOSPC");
	CU_ASSERT_EQUAL(xs_domain_nodes(5), 7);
	ERR(mc_op(d5, XS_READ, 0, "t1/n0|"), "ENOENT");
	ERR(mc_op(d5, XS_READ, 0, "t2/n0|"), "ENOENT");
	BODY(mc_op(d5, XS_READ, 0, "t0/n2|"), "v");
	mc_free(d0), mc_free(d5);
}

/* The review's attack: every transaction slot filled to just under quota,
 * then all committed. The domain must end at or below its quota. */
static void t_nodes_txn_attack(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t[10];
	char req[64];
	int committed = 0;

	xs_quota.nodes = 50;
	xs_quota.transactions = 10;
	for (int i = 0; i < 10; i++) {
		snprintf(req, sizeof(req), "x%d|", i);
		OK(mc_op(d5, XS_MKDIR, 0, req));
	}
	for (int i = 0; i < 10; i++) {
		t[i] = txn_start(d5);
		for (int k = 0; k < 38; k++) { /* 11 + 38: just under quota */
			snprintf(req, sizeof(req), "x%d/%d|v", i, k);
			OK(mc_op(d5, XS_WRITE, t[i], req));
		}
	}
	for (int i = 0; i < 10; i++)
		committed += mc_op(d5, XS_TRANSACTION_END, t[i], "T|")->hdr.type != XS_ERROR;
	CU_ASSERT_EQUAL(committed, 1);
	CU_ASSERT_TRUE(xs_domain_nodes(5) <= 50);
	mc_free(d0), mc_free(d5);
}

/* Plain writes fill the quota while a transaction is open: its commit is
 * refused as a whole (its overwrite of an existing node included). */
static void t_nodes_txn_vs_plain(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t;

	xs_quota.nodes = 5;
	OK(mc_op(d5, XS_WRITE, 0, "d/keep|old"));
	t = txn_start(d5);
	OK(mc_op(d5, XS_WRITE, t, "d/keep|new"));
	OK(mc_op(d5, XS_WRITE, t, "d/late|1"));
	OK(mc_op(d5, XS_WRITE, 0, "p1|1"));
	OK(mc_op(d5, XS_WRITE, 0, "p2|1"));
	ERR(mc_op(d5, XS_TRANSACTION_END, t, "T|"), "ENOSPC");
	BODY(mc_op(d5, XS_READ, 0, "d/keep|"), "old");
	ERR(mc_op(d5, XS_READ, 0, "d/late|"), "ENOENT");
	/* A commit that removes as many as it creates fits a full quota. */
	OK(mc_op(d5, XS_RM, 0, "p2|"));
	t = txn_start(d5);
	OK(mc_op(d5, XS_WRITE, t, "d/late|1"));
	OK(mc_op(d5, XS_RM, t, "d/keep|"));
	OK(mc_op(d5, XS_WRITE, 0, "p2|1"));
	OK(mc_op(d5, XS_TRANSACTION_END, t, "T|"));
	CU_ASSERT_EQUAL(xs_domain_nodes(5), 5);
	BODY(mc_op(d5, XS_READ, 0, "d/late|"), "1");
	mc_free(d0), mc_free(d5);
}

static void t_node_size_txn(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t;

	xs_quota.node_size = 8;
	/* An oversized write fails its whole transaction, as in xenstored. */
	t = txn_start(d5);
	OK(mc_op(d5, XS_WRITE, t, "a|1234"));
	ERR(mc_op(d5, XS_WRITE, t, "a|123456789"), "ENOSPC");
	ERR(mc_op(d5, XS_TRANSACTION_END, t, "T|"), "ENOMEM");
	ERR(mc_op(d5, XS_READ, 0, "a|"), "ENOENT");
	/* A quota lowered while the transaction is open counts at commit. */
	t = txn_start(d5);
	OK(mc_op(d5, XS_WRITE, t, "b|12345678"));
	xs_quota.node_size = 4;
	ERR(mc_op(d5, XS_TRANSACTION_END, t, "T|"), "ENOSPC");
	ERR(mc_op(d5, XS_READ, 0, "b|"), "ENOENT");
	mc_free(d0), mc_free(d5);
}

static void t_perms_txn(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t;

	xs_quota.perms = 2;
	OK(mc_op(d5, XS_WRITE, 0, "a|1"));
	t = txn_start(d5);
	ERR(mc_op(d5, XS_SET_PERMS, t, "a|n5|r1|r2|"), "ENOSPC");
	OK(mc_op(d5, XS_SET_PERMS, t, "a|n5|r1|"));
	xs_quota.perms = 1; /* the owner entry counts: n5|r1 is 2 */
	ERR(mc_op(d5, XS_TRANSACTION_END, t, "T|"), "ENOSPC");
	BODY(mc_op(d5, XS_GET_PERMS, 0, "a|"), "n5");
	mc_free(d0), mc_free(d5);
}

static void t_watches_txn(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t;

	xs_quota.watches = 1;
	t = txn_start(d5);
	OK(mc_op(d5, XS_WATCH, 0, "a|t1|"));
	/* A watch is never part of a transaction: a transaction id on it
	 * gets no extra room. */
	ERR(mc_op(d5, XS_WATCH, t, "a|t2|"), "E2BIG");
	ERR(mc_op(d5, XS_WATCH, 0, "a|t2|"), "E2BIG");
	OK(mc_op(d5, XS_TRANSACTION_END, t, "F|"));
	ERR(mc_op(d5, XS_WATCH, 0, "a|t2|"), "E2BIG");
	mc_free(d0), mc_free(d5);
}

/* Ending a transaction (commit or abort) frees its slot. */
static void t_transactions_end(void)
{
	struct memconn *d0 = home5(), *d5 = mc_new(5, false);
	uint32_t t1, t2;

	xs_quota.transactions = 2;
	t1 = txn_start(d5);
	t2 = txn_start(d5);
	ERR(mc_op(d5, XS_TRANSACTION_START, 0, "|"), "ENOSPC");
	OK(mc_op(d5, XS_TRANSACTION_END, t1, "F|"));
	t1 = txn_start(d5);
	OK(mc_op(d5, XS_WRITE, t2, "x|1"));
	OK(mc_op(d5, XS_TRANSACTION_END, t2, "T|"));
	t2 = txn_start(d5);
	ERR(mc_op(d5, XS_TRANSACTION_START, 0, "|"), "ENOSPC");
	mc_free(d0), mc_free(d5);
}

/* Requests in a transaction queue replies under the same bound. */
static void t_outstanding_txn(void)
{
	struct memconn *d0 = home5(), *slow = mc_new(5, false);
	struct reply r;
	uint32_t t;
	int n = 0;

	xs_quota.outstanding = 2;
	t = txn_start(slow);
	slow->write_room = 0;
	for (int i = 0; i < 5; i++)
		mc_send(slow, XS_WRITE, t, "x\0v", 3);
	CU_ASSERT_EQUAL(slow->conn->out_replies, 2);
	CU_ASSERT_TRUE(slow->conn->stalled);
	slow->write_room = SIZE_MAX;
	xs_conn_output(slow->conn);
	while (mc_next(slow, &r))
		n += r.hdr.type == XS_WRITE;
	CU_ASSERT_EQUAL(n, 5);
	mc_free(d0), mc_free(slow);
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
		{ "nodes_txn_several", t_nodes_txn_several },
		{ "nodes_txn_attack", t_nodes_txn_attack },
		{ "nodes_txn_vs_plain", t_nodes_txn_vs_plain },
		{ "node_size_txn", t_node_size_txn },
		{ "perms_txn", t_perms_txn },
		{ "watches_txn", t_watches_txn },
		{ "transactions_end", t_transactions_end },
		{ "outstanding_txn", t_outstanding_txn },
	};
	ADD_SUITE("quota", tests);
}
