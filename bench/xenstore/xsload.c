/*
 * xsload: the project's xenstore benchmark client. It drives a daemon over
 * its Unix socket through the real libxenstore, as the toolstack does, and
 * prints one "RESULT <metric> <value> <unit>" line per figure for
 * bench/xenstore/table.py.
 *
 *   xsload -s SOCKET [-p DAEMON_PID] [-t seq,dir,txn,txnconc,watch,mem,conn]
 *          [-k SCALE_PERCENT]
 * -p lets the memory test read the daemon's resident size; -k shrinks every
 * count (a smoke run of the client itself, not a measurement).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

static const char *sock_path;
static long daemon_pid;
static int scale = 100;

static long scaled(long n)
{
	long v = n * scale / 100;

	return v > 0 ? v : 1;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *metric, double value, const char *unit)
{
	printf("RESULT %s %.6g %s\n", metric, value, unit);
	fflush(stdout);
}

static void fatal(const char *what)
{
	fprintf(stderr, "xsload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct xs_handle *connect_daemon(void)
{
	struct xs_handle *h;

	setenv("XENSTORED_PATH", sock_path, 1);
	h = xs_open(XS_OPEN_SOCKETONLY);
	if (!h)
		fatal("xs_open");
	return h;
}

static void must_write(struct xs_handle *h, xs_transaction_t t, const char *path, const char *val)
{
	if (!xs_write(h, t, path, val, strlen(val)))
		fatal(path);
}

static void must_rm(struct xs_handle *h, const char *path)
{
	if (!xs_rm(h, XBT_NULL, path) && errno != ENOENT)
		fatal(path);
}

static const char value32[] = "0123456789abcdef0123456789abcdef";

/* Sequential writes of new children, reads, overwrites, removals. */
static void test_seq(void)
{
	struct xs_handle *h = connect_daemon();
	long n = scaled(10000), i;
	char path[64];
	double t;

	t = seconds();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/bench/seq/%ld", i);
		must_write(h, XBT_NULL, path, value32);
	}
	report("seq_write_ops_per_s", n / (seconds() - t), "ops/s");

	t = seconds();
	for (i = 0; i < n; i++) {
		unsigned int len;
		void *v;

		snprintf(path, sizeof(path), "/bench/seq/%ld", i);
		v = xs_read(h, XBT_NULL, path, &len);
		if (!v)
			fatal(path);
		free(v);
	}
	report("seq_read_ops_per_s", n / (seconds() - t), "ops/s");

	t = seconds();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/bench/seq/%ld", i);
		must_write(h, XBT_NULL, path, "overwritten");
	}
	report("seq_overwrite_ops_per_s", n / (seconds() - t), "ops/s");

	t = seconds();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/bench/seq/%ld", i);
		must_rm(h, path);
	}
	report("seq_rm_ops_per_s", n / (seconds() - t), "ops/s");
	must_rm(h, "/bench/seq");
	xs_close(h);
}

/* DIRECTORY of a node with 1000 children. */
static void test_dir(void)
{
	struct xs_handle *h = connect_daemon();
	long children = scaled(1000), lists = scaled(2000), i;
	char path[64];
	double t;

	for (i = 0; i < children; i++) {
		snprintf(path, sizeof(path), "/bench/dir/c%ld", i);
		must_write(h, XBT_NULL, path, "x");
	}
	t = seconds();
	for (i = 0; i < lists; i++) {
		unsigned int num;
		char **names = xs_directory(h, XBT_NULL, "/bench/dir", &num);

		if (!names || num != (unsigned int)children)
			fatal("directory");
		free(names);
	}
	report("dir1000_list_per_s", lists / (seconds() - t), "lists/s");
	must_rm(h, "/bench/dir");
	xs_close(h);
}

/* One transaction touching a few keys; returns false on EAGAIN. */
static bool one_txn(struct xs_handle *h, long round, int keys, const char *base)
{
	xs_transaction_t t = xs_transaction_start(h);
	char path[96], val[32];

	if (t == XBT_NULL)
		fatal("transaction_start");
	snprintf(val, sizeof(val), "%ld", round);
	for (int k = 0; k < keys; k++) {
		unsigned int len;
		void *old;

		snprintf(path, sizeof(path), "%s/k%d", base, k);
		old = xs_read(h, t, path, &len);
		free(old);
		must_write(h, t, path, val);
	}
	if (xs_transaction_end(h, t, false))
		return true;
	if (errno != EAGAIN)
		fatal("transaction_end");
	return false;
}

static void test_txn(void)
{
	struct xs_handle *h = connect_daemon();
	long n = scaled(3000), i;
	double t = seconds();

	for (i = 0; i < n; i++)
		while (!one_txn(h, i, 4, "/bench/txn1"))
			;
	report("txn_single_commits_per_s", n / (seconds() - t), "commits/s");
	must_rm(h, "/bench/txn1");
	xs_close(h);
}

/* Four client processes committing over the same keys. */
static void test_txnconc(void)
{
	enum { CLIENTS = 4 };
	long per = scaled(500), retries = 0;
	int fds[CLIENTS][2];
	pid_t kids[CLIENTS];
	double t = seconds();

	for (int c = 0; c < CLIENTS; c++) {
		if (pipe(fds[c]) < 0 || (kids[c] = fork()) < 0)
			fatal("fork");
		if (kids[c] == 0) {
			struct xs_handle *h = connect_daemon();
			long again = 0;

			for (long i = 0; i < per; i++)
				while (!one_txn(h, i, 4, "/bench/txnc"))
					again++;
			if (write(fds[c][1], &again, sizeof(again)) != sizeof(again))
				_exit(1);
			_exit(0);
		}
		close(fds[c][1]);
	}
	for (int c = 0; c < CLIENTS; c++) {
		long again = 0;
		int status;

		if (read(fds[c][0], &again, sizeof(again)) != sizeof(again))
			fatal("client failed");
		retries += again;
		waitpid(kids[c], &status, 0);
	}
	report("txn_conc_commits_per_s", CLIENTS * per / (seconds() - t), "commits/s");
	report("txn_conc_eagain_per_commit", (double)retries / (CLIENTS * per), "retries");
	{
		struct xs_handle *h = connect_daemon();

		must_rm(h, "/bench/txnc");
		xs_close(h);
	}
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Wait until WATCHER has seen an event for PATH (skipping others). */
static void await_event(struct xs_handle *w, const char *path)
{
	for (;;) {
		unsigned int num;
		char **ev = xs_read_watch(w, &num);

		if (!ev)
			fatal("read_watch");
		if (!strcmp(ev[XS_WATCH_PATH], path)) {
			free(ev);
			return;
		}
		free(ev);
	}
}

/* 100 watchers on one node: time from write to the last watcher's event. */
static void test_watch(void)
{
	enum { WATCHERS = 100 };
	long rounds = scaled(200);
	struct xs_handle *writer = connect_daemon(), *w[WATCHERS];
	double *lat = calloc((size_t)rounds, sizeof(*lat));

	if (!lat)
		fatal("calloc");
	must_write(writer, XBT_NULL, "/bench/watch", "0");
	for (int i = 0; i < WATCHERS; i++) {
		w[i] = connect_daemon();
		if (!xs_watch(w[i], "/bench/watch", "tok"))
			fatal("watch");
		await_event(w[i], "/bench/watch"); /* the initial event */
	}
	for (long r = 0; r < rounds; r++) {
		double t = seconds();

		must_write(writer, XBT_NULL, "/bench/watch", "x");
		for (int i = 0; i < WATCHERS; i++)
			await_event(w[i], "/bench/watch");
		lat[r] = (seconds() - t) * 1e6;
	}
	qsort(lat, (size_t)rounds, sizeof(*lat), by_value);
	report("watch_event_latency_median_us", lat[rounds / 2], "us");
	report("watch_event_latency_p99_us", lat[(rounds * 99) / 100], "us");
	for (int i = 0; i < WATCHERS; i++)
		xs_close(w[i]);
	must_rm(writer, "/bench/watch");
	xs_close(writer);
	free(lat);
}

static long daemon_rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", daemon_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* 100k nodes of 32 bytes in 100 directories: creation rate, RSS per node. */
static void test_mem(void)
{
	struct xs_handle *h = connect_daemon();
	long n = scaled(100000), before = daemon_pid ? daemon_rss_kb() : -1, i;
	char path[64];
	double t = seconds();

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/bench/mem/d%ld/n%ld", i % 100, i);
		must_write(h, XBT_NULL, path, value32);
	}
	report("mem_create_ops_per_s", n / (seconds() - t), "ops/s");
	if (before >= 0)
		report("mem_bytes_per_node", (daemon_rss_kb() - before) * 1024.0 / n, "B");
	must_rm(h, "/bench/mem");
	xs_close(h);
}

static void test_conn(void)
{
	long n = scaled(3000), i;
	double t = seconds();

	for (i = 0; i < n; i++)
		xs_close(connect_daemon());
	report("conn_open_close_per_s", n / (seconds() - t), "conns/s");
	t = seconds();
	for (i = 0; i < n; i++) {
		struct xs_handle *h = connect_daemon();
		unsigned int len;

		free(xs_read(h, XBT_NULL, "/", &len));
		xs_close(h);
	}
	report("conn_open_read_close_per_s", n / (seconds() - t), "conns/s");
}

static bool wanted(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; void (*run)(void); } tests[] = {
		{ "seq", test_seq }, { "dir", test_dir }, { "txn", test_txn },
		{ "txnconc", test_txnconc }, { "watch", test_watch },
		{ "mem", test_mem }, { "conn", test_conn },
	};
	const char *list = "seq,dir,txn,txnconc,watch,mem,conn";
	int opt;

	while ((opt = getopt(argc, argv, "s:p:t:k:")) != -1) {
		switch (opt) {
		case 's': sock_path = optarg; break;
		case 'p': daemon_pid = strtol(optarg, NULL, 10); break;
		case 't': list = optarg; break;
		case 'k': scale = atoi(optarg) > 0 ? atoi(optarg) : 100; break;
		default: goto usage;
		}
	}
	if (!sock_path)
		goto usage;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (wanted(list, tests[i].name))
			tests[i].run();
	return 0;
usage:
	fprintf(stderr, "usage: xsload -s SOCKET [-p PID] [-t tests] [-k scale%%]\n");
	return 2;
}
