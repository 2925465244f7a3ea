/*
 * Integration test: the real libxenstore (Debian's libxenstore4) against a
 * running daemon found through XENSTORED_PATH. Also raw-socket robustness
 * checks. Prints one PASS:/FAIL: line per test.
 *   libxs_test [test-name...]
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

static char why[512];

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			snprintf(why, sizeof(why), __VA_ARGS__);               \
			return false;                                          \
		}                                                              \
	} while (0)

static struct xs_handle *xopen(void)
{
	return xs_open(XS_OPEN_SOCKETONLY);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool read_is(struct xs_handle *h, xs_transaction_t t, const char *p,
		    const char *want)
{
	unsigned len;
	char *v = xs_read(h, t, p, &len);
	bool ok = v ? !strcmp(v, want) : !want;

	free(v);
	return ok;
}

static bool t_basic(void)
{
	struct xs_handle *h = xopen();
	unsigned n;
	char **d;

	CHECK(h, "xs_open: %s", strerror(errno));
	xs_rm(h, XBT_NULL, "/it");
	CHECK(xs_write(h, XBT_NULL, "/it/a", "1", 1), "write");
	CHECK(xs_mkdir(h, XBT_NULL, "/it/b"), "mkdir");
	CHECK(read_is(h, XBT_NULL, "/it/a", "1"), "read back");
	d = xs_directory(h, XBT_NULL, "/it", &n);
	CHECK(d && n == 2 && !strcmp(d[0], "a") && !strcmp(d[1], "b"),
	      "directory");
	free(d);
	CHECK(xs_rm(h, XBT_NULL, "/it/a"), "rm");
	CHECK(!xs_read(h, XBT_NULL, "/it/a", &n) && errno == ENOENT,
	      "read after rm: errno %d", errno);
	CHECK(!xs_rm(h, XBT_NULL, "/nonexistent/x") && errno == ENOENT, "rm orphan");
	CHECK(!xs_write(h, XBT_NULL, "/bad//path", "", 0) && errno == EINVAL,
	      "invalid path errno %d", errno);
	xs_close(h);
	return true;
}

static bool t_perms(void)
{
	struct xs_handle *h = xopen();
	struct xs_permissions set[2] = { { 3, XS_PERM_NONE }, { 4, XS_PERM_READ } };
	struct xs_permissions *got;
	unsigned n;

	CHECK(xs_write(h, XBT_NULL, "/it/p", "x", 1), "write");
	CHECK(xs_set_permissions(h, XBT_NULL, "/it/p", set, 2), "set perms");
	got = xs_get_permissions(h, XBT_NULL, "/it/p", &n);
	CHECK(got && n == 2 && got[0].id == 3 && got[1].id == 4 &&
	      got[1].perms == XS_PERM_READ, "get perms");
	free(got);
	xs_close(h);
	return true;
}

static bool t_watch_initial(void)
{
	struct xs_handle *h = xopen(), *w = xopen();
	unsigned n;
	char **e;

	CHECK(xs_watch(w, "/it/w", "tok"), "watch");
	e = xs_read_watch(w, &n);
	CHECK(e && !strcmp(e[XS_WATCH_PATH], "/it/w") &&
	      !strcmp(e[XS_WATCH_TOKEN], "tok"), "initial event");
	free(e);
	CHECK(xs_write(h, XBT_NULL, "/it/w/x", "1", 1), "write");
	e = xs_read_watch(w, &n);
	CHECK(e && !strcmp(e[XS_WATCH_PATH], "/it/w/x"), "change event");
	free(e);
	CHECK(xs_unwatch(w, "/it/w", "tok"), "unwatch");
	xs_close(h);
	xs_close(w);
	return true;
}

static bool t_txn_eagain(void)
{
	struct xs_handle *a = xopen(), *b = xopen();
	xs_transaction_t t;

	CHECK(xs_write(a, XBT_NULL, "/it/t/x", "0", 1), "write");
	t = xs_transaction_start(a);
	CHECK(t != XBT_NULL, "start");
	CHECK(read_is(a, t, "/it/t/x", "0"), "read in txn");
	CHECK(xs_write(a, t, "/it/t/x", "1", 1), "write in txn");
	CHECK(read_is(b, XBT_NULL, "/it/t/x", "0"), "isolation");
	CHECK(xs_write(b, XBT_NULL, "/it/t/x", "2", 1), "conflicting write");
	CHECK(!xs_transaction_end(a, t, false) && errno == EAGAIN,
	      "commit should fail with EAGAIN, errno %d", errno);
	CHECK(read_is(b, XBT_NULL, "/it/t/x", "2"), "loser not applied");
	xs_close(a);
	xs_close(b);
	return true;
}

/* One client's share of the concurrent counter test. */
static void txn_worker(int go, int res, int iters)
{
	struct xs_handle *h = xopen();
	long eagain = 0;
	char c, buf[32];

	if (!h || read(go, &c, 1) != 1)
		_exit(2);
	for (int i = 0; i < iters; i++) {
		for (;;) {
			unsigned len;
			xs_transaction_t t = xs_transaction_start(h);
			char *v = xs_read(h, t, "/it/ctr", &len);
			snprintf(buf, sizeof(buf), "%ld", v ? atol(v) + 1 : -1);
			free(v);
			xs_write(h, t, "/it/ctr", buf, strlen(buf));
			if (xs_transaction_end(h, t, false))
				break;
			if (errno != EAGAIN)
				_exit(3);
			eagain++;
		}
	}
	if (write(res, &eagain, sizeof(eagain)) != sizeof(eagain))
		_exit(4);
	_exit(0);
}

static bool t_txn_concurrent(void)
{
	enum { CLIENTS = 4, ITERS = 250 };
	struct xs_handle *h = xopen();
	int go[2], res[2], st;
	long total = 0, e;

	CHECK(xs_write(h, XBT_NULL, "/it/ctr", "0", 1), "init");
	CHECK(!pipe(go) && !pipe(res), "pipe");
	for (int i = 0; i < CLIENTS; i++)
		if (fork() == 0)
			txn_worker(go[0], res[1], ITERS);
	usleep(100000);
	CHECK(write(go[1], "gggg", CLIENTS) == CLIENTS, "go");
	for (int i = 0; i < CLIENTS; i++) {
		CHECK(read(res[0], &e, sizeof(e)) == sizeof(e), "worker failed");
		total += e;
	}
	while (wait(&st) > 0)
		;
	CHECK(read_is(h, XBT_NULL, "/it/ctr", "1000"), "lost update");
	CHECK(total > 0, "no EAGAIN seen with %d concurrent clients", CLIENTS);
	printf("# txn_concurrent: %ld EAGAIN retries for %d commits\n", total,
	       CLIENTS * ITERS);
	xs_close(h);
	return true;
}

/* 10k children under one parent: the last 2000 inserts must not be much
 * slower than the first 2000 (the reference daemon slows ~5x). */
static bool t_wide_parent(void)
{
	struct xs_handle *h = xopen();
	char p[64];
	double t0, first = 0, last;
	unsigned n;
	char **d;

	xs_rm(h, XBT_NULL, "/it/wide");
	t0 = now();
	for (int i = 0; i < 10000; i++) {
		if (i == 2000)
			first = now() - t0;
		if (i == 8000)
			t0 = now();
		snprintf(p, sizeof(p), "/it/wide/child%05d", i);
		CHECK(xs_write(h, XBT_NULL, p, "v", 1), "write %d", i);
	}
	last = now() - t0;
	d = xs_directory(h, XBT_NULL, "/it/wide", &n);
	CHECK(d && n == 10000, "directory of 10k (DIRECTORY_PART) gave %u", n);
	CHECK(!strcmp(d[9999], "child09999"), "order");
	free(d);
	printf("# wide_parent: first 2000 %.3fs, last 2000 %.3fs\n", first, last);
	CHECK(last < 2.5 * first + 0.05, "insertion slows down: %.3fs vs %.3fs",
	      last, first);
	CHECK(xs_rm(h, XBT_NULL, "/it/wide"), "rm");
	xs_close(h);
	return true;
}

static bool t_domains(void)
{
	struct xs_handle *h = xopen(), *w = xopen();
	unsigned n;
	char **e, *p;

	CHECK(xs_watch(w, "@introduceDomain", "i"), "watch intro");
	CHECK(xs_watch(w, "@releaseDomain", "r"), "watch release");
	free(xs_read_watch(w, &n));
	free(xs_read_watch(w, &n));
	CHECK(xs_introduce_domain(h, 7, 1234, 5), "introduce: %s", strerror(errno));
	e = xs_read_watch(w, &n);
	CHECK(e && !strcmp(e[XS_WATCH_PATH], "@introduceDomain"), "intro event");
	free(e);
	CHECK(xs_is_domain_introduced(h, 7), "introduced");
	CHECK(!xs_is_domain_introduced(h, 8), "not introduced");
	p = xs_get_domain_path(h, 7);
	CHECK(p && !strcmp(p, "/local/domain/7"), "domain path");
	free(p);
	CHECK(xs_resume_domain(h, 7), "resume");
	CHECK(xs_set_target(h, 7, 0), "set target");
	CHECK(xs_release_domain(h, 7), "release");
	e = xs_read_watch(w, &n);
	CHECK(e && !strcmp(e[XS_WATCH_PATH], "@releaseDomain"), "release event");
	free(e);
	CHECK(!xs_release_domain(h, 7) && errno == ENOENT, "double release");
	p = xs_control_command(h, "help", NULL, 0);
	CHECK(p && strstr(p, "quota"), "control help");
	free(p);
	xs_close(h);
	xs_close(w);
	return true;
}

static bool t_many_connections(void)
{
	enum { N = 1000 };
	static struct xs_handle *hs[N];
	int ok = 0;

	for (int i = 0; i < N; i++)
		CHECK((hs[i] = xopen()), "open %d: %s", i, strerror(errno));
	for (int i = 0; i < N; i++)
		ok += read_is(hs[i], XBT_NULL, "/tool/xenstored", "");
	for (int i = 0; i < N; i++)
		xs_close(hs[i]);
	CHECK(ok == N, "only %d of %d connections answered", ok, N);
	return true;
}

/* A watcher that never reads must not block a writer or other clients. */
static bool t_slow_watcher(void)
{
	struct xs_handle *lazy = xopen(), *h = xopen();
	double t0 = now();

	CHECK(xs_watch(lazy, "/it/slow", "t"), "watch");
	for (int i = 0; i < 20000; i++)
		CHECK(xs_write(h, XBT_NULL, "/it/slow/k", "0123456789abcdef0123456789abcdef", 32),
		      "write %d", i);
	CHECK(now() - t0 < 30, "writer was held up");
	CHECK(read_is(h, XBT_NULL, "/it/slow/k", "0123456789abcdef0123456789abcdef"),
	      "read");
	xs_close(lazy);
	xs_close(h);
	return true;
}

/* ---- raw socket robustness ---- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("XENSTORED_PATH"));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool raw_send(int fd, uint32_t type, uint32_t tx, uint32_t len,
		     const void *body, size_t blen)
{
	struct xsd_sockmsg h = { type, 42, tx, len };

	return write(fd, &h, sizeof(h)) == sizeof(h) &&
	       (!blen || write(fd, body, blen) == (ssize_t)blen);
}

/* Returns reply type, fills body; -1 on EOF/timeout. */
static int raw_recv(int fd, char *body)
{
	struct xsd_sockmsg h;
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 3000) != 1 || recv(fd, &h, sizeof(h), MSG_WAITALL) != sizeof(h))
		return -1;
	if (h.len > XENSTORE_PAYLOAD_MAX ||
	    (h.len && recv(fd, body, h.len, MSG_WAITALL) != (ssize_t)h.len))
		return -1;
	body[h.len] = '\0';
	return (int)h.type;
}

static bool raw_err(int fd, uint32_t type, uint32_t tx, const char *b,
		    size_t blen, const char *want)
{
	char body[XENSTORE_PAYLOAD_MAX + 1];

	return raw_send(fd, type, tx, (uint32_t)blen, b, blen) &&
	       raw_recv(fd, body) == XS_ERROR && !strcmp(body, want);
}

static bool t_malformed(void)
{
	int fd = raw_connect(), fd2 = raw_connect();
	char body[XENSTORE_PAYLOAD_MAX + 1];

	CHECK(fd >= 0 && fd2 >= 0, "connect");
	CHECK(raw_err(fd, 1234, 0, "/\0", 2, "ENOSYS"), "bad type");
	CHECK(raw_err(fd, XS_READ, 0, "/tool", 5, "EINVAL"), "no NUL");
	CHECK(raw_err(fd, XS_READ, 77, "/\0", 2, "ENOENT"), "bad tx id");
	CHECK(raw_err(fd, XS_TRANSACTION_END, 0, "T\0", 2, "ENOENT"), "end w/o tx");
	/* Oversized length: this client (only) is disconnected. */
	CHECK(raw_send(fd, XS_READ, 0, 100000, NULL, 0), "send");
	CHECK(raw_recv(fd, body) == -1, "oversize not disconnected");
	close(fd);
	/* Truncated header, then hang up. */
	fd = raw_connect();
	CHECK(fd >= 0 && write(fd, "\x02\0\0", 3) == 3, "partial");
	close(fd);
	CHECK(raw_send(fd2, XS_READ, 0, 2, "/\0", 2) &&
	      raw_recv(fd2, body) == XS_READ, "other client broken");
	close(fd2);
	return true;
}

/* xs_wire.h's path limits through xs_write and friends; the reference C
 * xenstored gives the same answers (tests/diff/diff.sh runs this test
 * against it too). The limit holds for dom0 as well. */
static char *long_path(const char *prefix, size_t len)
{
	char *p = malloc(len + 1);
	size_t pl = strlen(prefix);

	if (!p)
		return NULL;
	memset(p, 'q', len);
	memcpy(p, prefix, pl < len ? pl : len);
	for (size_t i = pl + 100; i < len - 1; i += 100)
		p[i] = '/';	/* components of 99 characters */
	p[len] = '\0';
	return p;
}

/* Writes a path of len characters (prefix first); true if the answer is
 * want_errno (0: success). */
static bool write_answers(struct xs_handle *h, const char *prefix, size_t len, int want_errno)
{
	char *p = long_path(prefix, len);
	bool ok;

	errno = 0;
	ok = p && xs_write(h, XBT_NULL, p, "v", 1);
	ok = want_errno ? !ok && errno == want_errno : ok;
	free(p);
	return ok;
}

static bool t_path_limits(void)
{
	struct xs_handle *h = xopen();
	char *p;
	unsigned len;
	bool ok;

	CHECK(h, "xs_open");
	CHECK(write_answers(h, "/pl/", XENSTORE_REL_PATH_MAX, 0), "abs 2048 refused");
	CHECK(write_answers(h, "/pl/", XENSTORE_REL_PATH_MAX + 1, EINVAL), "abs 2049 not EINVAL");
	CHECK(write_answers(h, "/pl/", XENSTORE_ABS_PATH_MAX + 1, EINVAL), "abs 3073 not EINVAL");
	CHECK(write_answers(h, "/local/domain/0/pl/", 16 + XENSTORE_REL_PATH_MAX, 0),
	      "below dom0's home, 2048 refused");
	CHECK(write_answers(h, "/local/domain/0/pl/", 17 + XENSTORE_REL_PATH_MAX, EINVAL),
	      "below dom0's home, 2049 not EINVAL");
	CHECK(write_answers(h, "plrel/", XENSTORE_REL_PATH_MAX, 0), "relative 2048 refused");
	CHECK(write_answers(h, "plrel/", XENSTORE_REL_PATH_MAX + 1, EINVAL), "relative 2049 not EINVAL");
	/* Reads and watches: invalid, not merely absent. */
	p = long_path("/pl/", XENSTORE_REL_PATH_MAX + 1);
	errno = 0;
	ok = p && !xs_read(h, XBT_NULL, p, &len) && errno == EINVAL;
	ok = ok && !xs_watch(h, p, "tok") && errno == EINVAL;
	free(p);
	CHECK(ok, "long read/watch not EINVAL (errno %d)", errno);
	xs_rm(h, XBT_NULL, "/pl");
	xs_rm(h, XBT_NULL, "/local/domain/0/pl");
	xs_rm(h, XBT_NULL, "plrel");
	xs_close(h);
	return true;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "basic", t_basic },
	{ "perms", t_perms },
	{ "watch_initial_event", t_watch_initial },
	{ "txn_eagain", t_txn_eagain },
	{ "txn_concurrent", t_txn_concurrent },
	{ "wide_parent_10k", t_wide_parent },
	{ "domains", t_domains },
	{ "many_connections", t_many_connections },
	{ "slow_watcher", t_slow_watcher },
	{ "malformed", t_malformed },
	{ "path_limits", t_path_limits },
};

int main(int argc, char **argv)
{
	int failed = 0;

	signal(SIGPIPE, SIG_IGN);
	if (!getenv("XENSTORED_PATH")) {
		fprintf(stderr, "libxs_test: set XENSTORED_PATH\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool want = argc < 2;
		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], tests[i].name);
		if (!want)
			continue;
		why[0] = '\0';
		if (tests[i].fn()) {
			printf("PASS: xenstore/libxs/%s\n", tests[i].name);
		} else {
			printf("FAIL: xenstore/libxs/%s: %s\n", tests[i].name, why);
			failed++;
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
