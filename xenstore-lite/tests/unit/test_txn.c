/* Transaction conflict rules (Xen's generation-count model). */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static uint32_t start(struct memconn *m)
{
	struct reply *r = mc_op(m, XS_TRANSACTION_START, 0, "|");

	CU_ASSERT_NOT_EQUAL(r->hdr.type, XS_ERROR);
	return (uint32_t)strtoul(r->body, NULL, 10);
}

static void t_read_conflict(void)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	uint32_t t;

	OK(mc_op(a, XS_WRITE, 0, "/x|1"));
	t = start(a);
	BODY(mc_op(a, XS_READ, t, "/x|"), "1");
	OK(mc_op(b, XS_WRITE, 0, "/x|2"));
	OK(mc_op(a, XS_WRITE, t, "/y|3"));
	ERR(mc_op(a, XS_TRANSACTION_END, t, "T|"), "EAGAIN");
	ERR(mc_op(a, XS_READ, 0, "/y|"), "ENOENT");
	mc_free(a), mc_free(b);
}

static void t_disjoint_ok(void)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	uint32_t t;

	OK(mc_op(a, XS_WRITE, 0, "/p/x|1"));
	OK(mc_op(a, XS_WRITE, 0, "/q/z|1"));
	t = start(a);
	BODY(mc_op(a, XS_READ, t, "/p/x|"), "1");
	OK(mc_op(a, XS_WRITE, t, "/p/x|2"));
	OK(mc_op(b, XS_WRITE, 0, "/q/z|9"));
	OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	BODY(mc_op(b, XS_READ, 0, "/p/x|"), "2");
	mc_free(a), mc_free(b);
}

static void t_isolation(void)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	uint32_t t = start(a);

	OK(mc_op(a, XS_WRITE, t, "/iso/k|v"));
	BODY(mc_op(a, XS_READ, t, "/iso/k|"), "v");
	BODY(mc_op(a, XS_DIRECTORY, t, "/iso|"), "k");
	ERR(mc_op(b, XS_READ, 0, "/iso/k|"), "ENOENT");
	OK(mc_op(a, XS_TRANSACTION_END, t, "F|"));
	ERR(mc_op(b, XS_READ, 0, "/iso/k|"), "ENOENT");
	t = start(a);
	OK(mc_op(a, XS_WRITE, t, "/iso/k|w"));
	OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	BODY(mc_op(b, XS_READ, 0, "/iso/k|"), "w");
	mc_free(a), mc_free(b);
}

/* Creating children changes the parent: concurrent creators conflict. */
static void t_sibling_create(void)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	uint32_t ta, tb;

	OK(mc_op(a, XS_MKDIR, 0, "/dir|"));
	ta = start(a);
	tb = start(b);
	OK(mc_op(a, XS_WRITE, ta, "/dir/a|1"));
	OK(mc_op(b, XS_WRITE, tb, "/dir/b|1"));
	OK(mc_op(a, XS_TRANSACTION_END, ta, "T|"));
	ERR(mc_op(b, XS_TRANSACTION_END, tb, "T|"), "EAGAIN");
	mc_free(a), mc_free(b);
}

static void t_delete_conflict(void)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	uint32_t t;

	OK(mc_op(a, XS_WRITE, 0, "/d/k|1"));
	t = start(a);
	BODY(mc_op(a, XS_READ, t, "/d/k|"), "1");
	OK(mc_op(b, XS_RM, 0, "/d/k|"));
	ERR(mc_op(a, XS_TRANSACTION_END, t, "T|"), "EAGAIN");
	/* Reading a missing node records its absence too. */
	t = start(a);
	ERR(mc_op(a, XS_READ, t, "/d/k|"), "ENOENT");
	OK(mc_op(b, XS_WRITE, 0, "/d/k|2"));
	ERR(mc_op(a, XS_TRANSACTION_END, t, "T|"), "EAGAIN");
	mc_free(a), mc_free(b);
}

static void t_rm_recreate(void)
{
	struct memconn *a = mc_new(0, true);
	uint32_t t;

	OK(mc_op(a, XS_WRITE, 0, "/r/a/b|1"));
	OK(mc_op(a, XS_WRITE, 0, "/r/a/c|1"));
	t = start(a);
	OK(mc_op(a, XS_RM, t, "/r/a|"));
	ERR(mc_op(a, XS_READ, t, "/r/a/b|"), "ENOENT");
	OK(mc_op(a, XS_WRITE, t, "/r/a/d|2"));
	BODY(mc_op(a, XS_DIRECTORY, t, "/r/a|"), "d");
	BODY(mc_op(a, XS_DIRECTORY, 0, "/r/a|"), "b");
	OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	BODY(mc_op(a, XS_DIRECTORY, 0, "/r/a|"), "d");
	ERR(mc_op(a, XS_READ, 0, "/r/a/c|"), "ENOENT");
	mc_free(a);
}

static void t_watch_on_commit(void)
{
	struct memconn *a = mc_new(0, true), *w = mc_new(0, true);
	struct reply r;
	uint32_t t;

	OK(mc_op(w, XS_WATCH, 0, "/wt|tok|"));
	CU_ASSERT_TRUE(mc_next(w, &r) && r.hdr.type == XS_WATCH_EVENT);
	t = start(a);
	OK(mc_op(a, XS_WRITE, t, "/wt/k|v"));
	CU_ASSERT_FALSE(mc_next(w, &r));
	OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	CU_ASSERT_TRUE(mc_next(w, &r));
	CU_ASSERT_EQUAL(r.hdr.type, XS_WATCH_EVENT);
	CU_ASSERT_STRING_EQUAL(r.body, "/wt/k");
	mc_free(a), mc_free(w);
}

static void t_bad_ids(void)
{
	struct memconn *a = mc_new(0, true);
	uint32_t t = start(a);

	ERR(mc_op(a, XS_READ, t + 1000, "/|"), "ENOENT");
	ERR(mc_op(a, XS_TRANSACTION_END, 0, "T|"), "ENOENT");
	ERR(mc_op(a, XS_TRANSACTION_START, t, "|"), "EBUSY");
	ERR(mc_op(a, XS_TRANSACTION_END, t, "X|"), "EINVAL");
	OK(mc_op(a, XS_TRANSACTION_END, t, "F|"));
	ERR(mc_op(a, XS_TRANSACTION_END, t, "F|"), "ENOENT");
	mc_free(a);
}

/* A transaction lists children in name order, as the tree does. */
static void t_dir_order(void)
{
	struct memconn *a = mc_new(0, true);
	struct reply *r;
	uint32_t t;

	OK(mc_op(a, XS_MKDIR, 0, "/d/m|"));
	t = start(a);
	OK(mc_op(a, XS_MKDIR, t, "/d/z|"));
	OK(mc_op(a, XS_MKDIR, t, "/d/b|"));
	OK(mc_op(a, XS_MKDIR, t, "/d/mm|"));
	r = mc_op(a, XS_DIRECTORY, t, "/d|");
	CU_ASSERT_EQUAL(r->hdr.len, 9);
	CU_ASSERT_EQUAL(memcmp(r->body, "b\0m\0mm\0z\0", 9), 0);
	OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	r = mc_op(a, XS_DIRECTORY, 0, "/d|");
	CU_ASSERT_EQUAL(r->hdr.len, 9);
	CU_ASSERT_EQUAL(memcmp(r->body, "b\0m\0mm\0z\0", 9), 0);
	mc_free(a);
}

/* Thousands of unrelated commits during a transaction (more than the
 * change log keeps unpinned) neither fail it nor hide a real conflict. */
static void long_txn(bool touch_x, const char *want)
{
	struct memconn *a = mc_new(0, true), *b = mc_new(0, true);
	char req[64];
	uint32_t t;

	OK(mc_op(a, XS_WRITE, 0, "/x|1"));
	t = start(a);
	BODY(mc_op(a, XS_READ, t, "/x|"), "1");
	for (unsigned i = 0; i < 3 * 4096; i++) {
		snprintf(req, sizeof(req), "/other/n%u|v", i % 5000);
		OK(mc_op(b, XS_WRITE, 0, req));
	}
	if (touch_x)
		OK(mc_op(b, XS_WRITE, 0, "/x|2"));
	OK(mc_op(a, XS_WRITE, t, "/y|3"));
	if (*want == 'O') {
		OK(mc_op(a, XS_TRANSACTION_END, t, "T|"));
	} else {
		ERR(mc_op(a, XS_TRANSACTION_END, t, "T|"), want);
	}
	mc_free(a), mc_free(b);
}

static void t_long_txn_commits(void)
{
	long_txn(false, "OK");
}

static void t_long_txn_conflict(void)
{
	long_txn(true, "EAGAIN");
}

void suite_txn(void)
{
	static const struct unit_test tests[] = {
		{ "read_conflict", t_read_conflict },
		{ "disjoint_ok", t_disjoint_ok },
		{ "isolation", t_isolation },
		{ "sibling_create", t_sibling_create },
		{ "delete_conflict", t_delete_conflict },
		{ "rm_recreate", t_rm_recreate },
		{ "watch_on_commit", t_watch_on_commit },
		{ "bad_ids", t_bad_ids },
		{ "dir_order", t_dir_order },
		{ "long_txn_commits", t_long_txn_commits },
		{ "long_txn_conflict", t_long_txn_conflict },
	};
	ADD_SUITE("txn", tests);
}
