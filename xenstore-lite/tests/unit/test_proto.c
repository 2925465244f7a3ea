/* Wire protocol handling: every request type and malformed input. */
#include "unit.h"

#include "../../src/xs_domain.h"

#include <stdlib.h>

static void t_basic_ops(void)
{
	struct memconn *m = mc_new(0, true);

	OK(mc_op(m, XS_WRITE, 0, "/a/b|hello"));
	BODY(mc_op(m, XS_READ, 0, "/a/b|"), "hello");
	OK(mc_op(m, XS_MKDIR, 0, "/a/c|"));
	OK(mc_op(m, XS_MKDIR, 0, "/a/b|")); /* existing: value kept */
	BODY(mc_op(m, XS_READ, 0, "/a/b|"), "hello");
	struct reply *r = mc_op(m, XS_DIRECTORY, 0, "/a|");
	CU_ASSERT_EQUAL(r->hdr.len, 4);
	CU_ASSERT_EQUAL(memcmp(r->body, "b\0c\0", 4), 0);
	OK(mc_op(m, XS_RM, 0, "/a/b|"));
	OK(mc_op(m, XS_RM, 0, "/a/b|")); /* gone, parent exists: fine */
	ERR(mc_op(m, XS_RM, 0, "/nope/x|"), "ENOENT");
	ERR(mc_op(m, XS_RM, 0, "/|"), "EINVAL");
	ERR(mc_op(m, XS_READ, 0, "/a/b|"), "ENOENT");
	BODY(mc_op(m, XS_GET_PERMS, 0, "/a|"), "n0");
	BODY(mc_op(m, XS_GET_DOMAIN_PATH, 0, "7|"), "/local/domain/7");
	BODY(mc_op(m, XS_IS_DOMAIN_INTRODUCED, 0, "0|"), "T");
	BODY(mc_op(m, XS_IS_DOMAIN_INTRODUCED, 0, "9|"), "F");
	OK(mc_op(m, XS_RESET_WATCHES, 0, "|"));
	mc_free(m);
}

static void t_directory_part(void)
{
	struct memconn *m = mc_new(0, true);
	char cmd[64];
	struct reply *r;
	unsigned off = 0, names = 0;

	for (int i = 0; i < 600; i++) {
		snprintf(cmd, sizeof(cmd), "/big/child-number-%04d|", i);
		OK(mc_op(m, XS_MKDIR, 0, cmd));
	}
	ERR(mc_op(m, XS_DIRECTORY, 0, "/big|"), "E2BIG");
	for (int part = 0; part < 10; part++) {
		snprintf(cmd, sizeof(cmd), "/big|%u|", off);
		r = mc_op(m, XS_DIRECTORY_PART, 0, cmd);
		CU_ASSERT_NOT_EQUAL_FATAL(r->hdr.type, XS_ERROR);
		size_t p = strlen(r->body) + 1; /* skip generation */
		if (p < r->hdr.len && r->body[p] == '\0')
			break; /* final empty string */
		while (p < r->hdr.len && r->body[p]) {
			size_t l = strlen(r->body + p) + 1;
			off += (unsigned)l;
			p += l;
			names++;
		}
		if (p < r->hdr.len)
			break;
	}
	CU_ASSERT_EQUAL(names, 600);
	/* A name that would fit in no part (4090 bytes + NUL after the
	 * generation string) cannot exist: the path is over the length limits
	 * (XENSTORE_REL_PATH_MAX, XENSTORE_ABS_PATH_MAX), even for dom0. */
	static char huge[5 + 4090 + 2];
	memcpy(huge, "/big/", 5);
	memset(huge + 5, 'z', 4090);
	strcpy(huge + 5 + 4090, "|");
	ERR(mc_op(m, XS_MKDIR, 0, huge), "EINVAL");
	snprintf(cmd, sizeof(cmd), "/big|%u|", off);
	CU_ASSERT_NOT_EQUAL(mc_op(m, XS_DIRECTORY_PART, 0, cmd)->hdr.type, XS_ERROR);
	mc_free(m);
}

static void t_watch_events(void)
{
	struct memconn *m = mc_new(0, true), *w = mc_new(0, true);
	struct reply r;

	OK(mc_op(w, XS_WATCH, 0, "/w|tok|"));
	CU_ASSERT_TRUE(mc_next(w, &r));
	CU_ASSERT_EQUAL(r.hdr.type, XS_WATCH_EVENT);
	CU_ASSERT_EQUAL(memcmp(r.body, "/w\0tok\0", 7), 0);
	OK(mc_op(m, XS_WRITE, 0, "/w/x/y|1"));
	CU_ASSERT_TRUE(mc_next(w, &r) && !strcmp(r.body, "/w/x/y"));
	OK(mc_op(m, XS_WRITE, 0, "/wx|1")); /* not a child of /w */
	CU_ASSERT_FALSE(mc_next(w, &r));
	OK(mc_op(m, XS_RM, 0, "/w|"));
	int n = 0;
	while (mc_next(w, &r))
		n++;
	CU_ASSERT_EQUAL(n, 1); /* only the watched node itself: /w */
	OK(mc_op(w, XS_UNWATCH, 0, "/w|tok|"));
	ERR(mc_op(w, XS_UNWATCH, 0, "/w|tok|"), "ENOENT");
	mc_free(m), mc_free(w);
}

static void t_special_watches(void)
{
	struct memconn *m = mc_new(0, true), *w = mc_new(0, true);
	struct reply r;

	OK(mc_op(w, XS_WATCH, 0, "@introduceDomain|i|"));
	OK(mc_op(w, XS_WATCH, 0, "@releaseDomain|r|"));
	while (mc_next(w, &r))
		;
	OK(mc_op(m, XS_INTRODUCE, 0, "4|100|5|"));
	CU_ASSERT_TRUE(mc_next(w, &r) && !strcmp(r.body, "@introduceDomain"));
	BODY(mc_op(m, XS_IS_DOMAIN_INTRODUCED, 0, "4|"), "T");
	OK(mc_op(m, XS_RESUME, 0, "4|"));
	OK(mc_op(m, XS_RELEASE, 0, "4|"));
	CU_ASSERT_TRUE(mc_next(w, &r) && !strcmp(r.body, "@releaseDomain"));
	ERR(mc_op(m, XS_RELEASE, 0, "4|"), "ENOENT");
	ERR(mc_op(m, XS_INTRODUCE, 0, "4|100|"), "EINVAL");
	ERR(mc_op(m, XS_WRITE, 0, "@introduceDomain|x"), "EINVAL");
	mc_free(m), mc_free(w);
}

static void t_control(void)
{
	struct memconn *m = mc_new(0, true), *u = mc_new(9, false);

	OK(mc_op(m, XS_CONTROL, 0, "quota|watches=7|"));
	CU_ASSERT_EQUAL(xs_quota.watches, 7);
	CU_ASSERT_PTR_NOT_NULL(strstr(mc_op(m, XS_CONTROL, 0, "help|")->body, "quota"));
	ERR(mc_op(m, XS_CONTROL, 0, "bogus|"), "EINVAL");
	ERR(mc_op(u, XS_CONTROL, 0, "help|"), "EACCES");
	mc_free(m), mc_free(u);
}

static void raw(struct memconn *m, uint32_t type, uint32_t len,
		const char *p, size_t plen)
{
	struct xsd_sockmsg h = { type, 1, 0, len };
	char buf[64];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, plen);
	mc_push(m, buf, sizeof(h) + plen);
}

static void t_malformed(void)
{
	struct memconn *m = mc_new(0, true), *other = mc_new(0, true);
	struct reply r;

	raw(m, 999, 2, "/\0", 2);
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "ENOSYS"));
	raw(m, XS_WATCH_EVENT, 2, "/\0", 2);
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "ENOSYS"));
	raw(m, XS_READ, 2, "/a", 2); /* no terminating NUL */
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "EINVAL"));
	raw(m, XS_READ, 4, "/\0/\0", 4); /* two strings for one argument */
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "EINVAL"));
	raw(m, XS_WRITE, 0, "", 0);
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "EINVAL"));
	raw(m, XS_WATCH, 2, "/\0", 2);
	CU_ASSERT_TRUE(mc_reply(m, &r) && !strcmp(r.body, "EINVAL"));
	CU_ASSERT_FALSE(m->conn->dead);
	raw(m, XS_READ, XENSTORE_PAYLOAD_MAX + 1, "", 0); /* oversize */
	CU_ASSERT_PTR_NULL(m->conn); /* disconnected and freed */
	OK(mc_op(other, XS_WRITE, 0, "/still|alive"));
	mc_free(m), mc_free(other);
}

static void t_truncated(void)
{
	struct memconn *m = mc_new(0, true);

	mc_push(m, "\x02\0\0\0\x01", 5); /* 5 of 16 header bytes */
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->conn);
	CU_ASSERT_EQUAL(m->conn->in_used, 5);
	m->eof = true;
	xs_conn_input(m->conn);
	xs_conn_reap();
	CU_ASSERT_PTR_NULL(m->conn);
	mc_free(m);
}

static void t_pipelined(void)
{
	struct memconn *m = mc_new(0, true);
	char buf[16 * 200];
	struct reply r;
	int n = 0;

	/* 200 requests in one burst, split at an awkward boundary. */
	for (int i = 0; i < 200; i++) {
		struct xsd_sockmsg h = { XS_READ, (uint32_t)i, 0, 0 };
		memcpy(buf + 16 * i, &h, 16);
	}
	mc_push(m, buf, 1001);
	mc_push(m, buf + 1001, sizeof(buf) - 1001);
	while (mc_next(m, &r))
		n += r.hdr.type == XS_ERROR && r.hdr.req_id == (uint32_t)n;
	CU_ASSERT_EQUAL(n, 200);
	mc_free(m);
}

/* RELEASE removes what the domain owned (XSA-322): a later domain with the
 * same id starts with nothing of it, and with its whole node quota. */
static void t_release_orphans(void)
{
	struct memconn *m = mc_new(0, true), *d4;

	OK(mc_op(m, XS_INTRODUCE, 0, "4|100|5|"));
	OK(mc_op(m, XS_MKDIR, 0, "/local/domain/4|"));
	OK(mc_op(m, XS_SET_PERMS, 0, "/local/domain/4|n4|"));
	d4 = mc_new(4, false);
	OK(mc_op(d4, XS_WRITE, 0, "secret/a|1"));
	OK(mc_op(m, XS_WRITE, 0, "/shared/x|1"));
	OK(mc_op(m, XS_SET_PERMS, 0, "/shared/x|n4|"));
	OK(mc_op(m, XS_WRITE, 0, "/shared/x/dom0kid|1")); /* inherits n4 */
	OK(mc_op(m, XS_SET_PERMS, 0, "/shared/x/dom0kid|n0|"));
	OK(mc_op(m, XS_WRITE, 0, "/shared/y|1"));
	OK(mc_op(m, XS_SET_PERMS, 0, "/shared/y|n0|r4|"));
	CU_ASSERT_EQUAL(xs_domain_nodes(4), 4); /* home, secret, secret/a, x */
	mc_free(d4);
	OK(mc_op(m, XS_RELEASE, 0, "4|"));
	CU_ASSERT_EQUAL(xs_domain_nodes(4), 0);
	ERR(mc_op(m, XS_READ, 0, "/local/domain/4/secret/a|"), "ENOENT");
	ERR(mc_op(m, XS_READ, 0, "/local/domain/4|"), "ENOENT");
	ERR(mc_op(m, XS_READ, 0, "/shared/x/dom0kid|"), "ENOENT"); /* whole subtree */
	/* Not owned, only readable by it: kept. */
	CU_ASSERT_EQUAL(memcmp(mc_op(m, XS_GET_PERMS, 0, "/shared/y|")->body, "n0\0r4\0", 6), 0);
	OK(mc_op(m, XS_WRITE, 0, "/local/domain/4|fresh"));
	mc_free(m);
}

void suite_proto(void)
{
	static const struct unit_test tests[] = {
		{ "basic_ops", t_basic_ops },
		{ "directory_part", t_directory_part },
		{ "watch_events", t_watch_events },
		{ "special_watches", t_special_watches },
		{ "release_orphans", t_release_orphans },
		{ "control", t_control },
		{ "malformed", t_malformed },
		{ "truncated", t_truncated },
		{ "pipelined", t_pipelined },
	};
	ADD_SUITE("proto", tests);
}
