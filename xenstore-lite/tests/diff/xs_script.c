/*
 * xs_script: replay a scripted xenstore session over raw sockets and print
 * normalized replies, so two daemons can be compared line by line.
 *   XENSTORED_PATH=... xs_script < session.txt
 * Script lines:  <conn> <TYPE|number|CLOSE> [tx=T|tx=<n>] [len=<n>] <payload>
 * conn is 1-9; payload escapes: \0 NUL, \\ backslash, \xHH byte.
 * tx=T uses the connection's last TRANSACTION_START id, tx=P the one before. After each request
 * every connection is synced (a GET_DOMAIN_PATH round trip) and its watch
 * events printed, so event order is deterministic.
 * With XS_RING_FILE set, connection 9 is instead an unprivileged guest on
 * that ring page file (the daemon's -R file, or the reference's through
 * refd's NOHV_RING_DIR); a child process carries its bytes (ring_bridge).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define NCONN 10

static int fds[NCONN];
static uint32_t txid[NCONN], prev_txid[NCONN];
static uint32_t req_id = 100;
static bool loose; /* '?' line: compare only that it is an error */

static const char *const names[] = {
	"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
	"TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
	"GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS", "WATCH_EVENT",
	"ERROR", "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
	"RESET_WATCHES", "DIRECTORY_PART",
};

static const char *tname(uint32_t t)
{
	static char buf[16];

	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	snprintf(buf, sizeof(buf), "%u", t);
	return buf;
}

#define RING_CONN 9

/* Socket to ring and back until the socket closes: both sides poll. */
static void pump(int sock, struct xenstore_domain_interface *r)
{
	char buf[XENSTORE_RING_SIZE];

	for (;;) {
		XENSTORE_RING_IDX prod = r->req_prod, cons = r->rsp_cons;
		size_t room = XENSTORE_RING_SIZE - (prod - r->req_cons);
		size_t avail = r->rsp_prod - cons;
		ssize_t n = room ? recv(sock, buf, room, MSG_DONTWAIT) : -1;

		if (n == 0)
			_exit(0);
		for (ssize_t i = 0; i < n; i++)
			r->req[MASK_XENSTORE_IDX(prod + i)] = buf[i];
		atomic_thread_fence(memory_order_seq_cst);
		if (n > 0)
			r->req_prod = prod + (XENSTORE_RING_IDX)n;
		for (size_t i = 0; i < avail; i++)
			buf[i] = r->rsp[MASK_XENSTORE_IDX(cons + i)];
		if (avail && send(sock, buf, avail, 0) != (ssize_t)avail)
			_exit(0);
		r->rsp_cons = cons + (XENSTORE_RING_IDX)avail;
		if (n <= 0 && !avail)
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	}
}

/* A socket whose other end a child process joins to the ring file. */
static int ring_bridge(const char *file)
{
	int sv[2], fd = open(file, O_RDWR);
	void *page = fd < 0 ? MAP_FAILED :
		     mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (page == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror(file);
		exit(2);
	}
	if (fork() == 0) {
		close(sv[0]);
		pump(sv[1], page);
	}
	close(sv[1]);
	close(fd);
	return sv[0];
}

static int conn(int c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (fds[c] > 0)
		return fds[c];
	if (c == RING_CONN && getenv("XS_RING_FILE"))
		return fds[c] = ring_bridge(getenv("XS_RING_FILE"));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("XENSTORED_PATH"));
	fds[c] = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fds[c], (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(2);
	}
	return fds[c];
}

static void drop(int c)
{
	close(fds[c]);
	fds[c] = 0;
	txid[c] = 0;
}

/* Print a payload with NULs as '|' and odd bytes escaped. */
static void show(const unsigned char *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (!b[i])
			putchar('|');
		else if (b[i] < 0x20 || b[i] > 0x7e)
			printf("\\x%02x", b[i]);
		else
			putchar(b[i]);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Child order is not part of the protocol: C xenstored lists in insertion
 * order, oxenstored and xenstore-lite in name order. Compare sets. */
static void show_sorted_names(char *body, uint32_t len)
{
	static char *v[XENSTORE_PAYLOAD_MAX / 2 + 1];
	char out[XENSTORE_PAYLOAD_MAX + 1];
	size_t n = 0, o = 0;

	for (uint32_t i = 0; i < len; i += (uint32_t)strlen(body + i) + 1)
		v[n++] = body + i;
	qsort(v, n, sizeof(v[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]) + 1;
		memcpy(out + o, v[i], l);
		o += l;
	}
	show((unsigned char *)out, (uint32_t)o);
}

static void normalize(uint32_t req, struct xsd_sockmsg *h, char *body,
		      int c)
{
	if (h->type == XS_DIRECTORY && req == XS_DIRECTORY) {
		show_sorted_names(body, h->len);
		return;
	}
	if (h->type == XS_TRANSACTION_START) {
		prev_txid[c] = txid[c];
		txid[c] = (uint32_t)strtoul(body, NULL, 10);
		printf("<txid>");
		return;
	}
	if (h->type == XS_DIRECTORY_PART && req == XS_DIRECTORY_PART) {
		size_t g = strlen(body) + 1; /* generation counts differ */
		printf("<gen>|");
		show((unsigned char *)body + g, h->len - (uint32_t)g);
		return;
	}
	show((unsigned char *)body, h->len);
}

/* Read one message; false on EOF or timeout. */
static bool recv_msg(int fd, struct xsd_sockmsg *h, char *body)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 3000) != 1 ||
	    recv(fd, h, sizeof(*h), MSG_WAITALL) != sizeof(*h) ||
	    h->len > XENSTORE_PAYLOAD_MAX ||
	    (h->len && recv(fd, body, h->len, MSG_WAITALL) != (ssize_t)h->len))
		return false;
	body[h->len] = '\0';
	return true;
}

/* Read until the reply to id; print events on the way. */
static bool await(int c, uint32_t id, uint32_t req, bool print)
{
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1];

	for (;;) {
		if (!recv_msg(fds[c], &h, body)) {
			printf("%d DISCONNECTED\n", c);
			drop(c);
			return false;
		}
		if (h.type == XS_WATCH_EVENT) {
			printf("%d EVENT ", c);
			show((unsigned char *)body, h.len);
			putchar('\n');
			continue;
		}
		if (h.req_id != id)
			continue;
		if (print && loose && h.type == XS_ERROR) {
			printf(" -> ERROR *\n");
		} else if (print) {
			printf(" -> %s ", tname(h.type));
			normalize(req, &h, body, c);
			putchar('\n');
		}
		return true;
	}
}

static void sync_all(void)
{
	for (int c = 1; c < NCONN; c++) {
		struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, ++req_id, 0, 2 };
		if (fds[c] <= 0)
			continue;
		if (write(fds[c], &h, sizeof(h)) != sizeof(h) ||
		    write(fds[c], "0", 2) != 2) {
			printf("%d DISCONNECTED\n", c);
			drop(c);
			continue;
		}
		await(c, req_id, XS_GET_DOMAIN_PATH, false);
	}
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s && *s != '\n') {
		if (s[0] == '\\' && s[1] == '0') {
			out[n++] = 0, s += 2;
		} else if (s[0] == '\\' && s[1] == 'x') {
			char hex[3] = { s[2], s[3], 0 };
			out[n++] = (char)strtol(hex, NULL, 16), s += 4;
		} else if (s[0] == '\\' && s[1] == '\\') {
			out[n++] = '\\', s += 2;
		} else {
			out[n++] = *s++;
		}
	}
	return n;
}

static uint32_t parse_type(const char *t)
{
	for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(t, names[i]))
			return i;
	return (uint32_t)strtoul(t, NULL, 0);
}

static void run_line(char *line)
{
	char type[32], *rest;
	static char payload[2 * XENSTORE_PAYLOAD_MAX];
	int c, off = 0;
	uint32_t tx = 0, len, t;
	long lenover = -1;

	loose = line[0] == '?';
	line += loose;
	if (sscanf(line, "%d %31s %n", &c, type, &off) < 2 || c < 1 || c >= NCONN)
		return;
	rest = line + off;
	if (!strcmp(type, "CLOSE")) {
		if (fds[c] > 0)
			drop(c);
		return;
	}
	if (!strncmp(rest, "tx=", 3)) {
		tx = rest[3] == 'T' ? txid[c] : rest[3] == 'P' ? prev_txid[c]
					       : (uint32_t)strtoul(rest + 3, NULL, 10);
		rest = strchr(rest, ' ') ? strchr(rest, ' ') + 1 : rest + strlen(rest);
	}
	if (!strncmp(rest, "len=", 4)) {
		lenover = strtol(rest + 4, NULL, 10);
		rest = strchr(rest, ' ') ? strchr(rest, ' ') + 1 : rest + strlen(rest);
	}
	len = (uint32_t)unescape(rest, payload);
	t = parse_type(type);
	struct xsd_sockmsg h = { t, ++req_id, tx, lenover >= 0 ? (uint32_t)lenover : len };
	printf("%d %s", c, type);
	fflush(stdout);
	if (write(conn(c), &h, sizeof(h)) != sizeof(h) ||
	    (len && write(fds[c], payload, len) != (ssize_t)len)) {
		printf(" -> WRITE FAILED\n");
		drop(c);
		return;
	}
	if (await(c, h.req_id, t, true))
		sync_all();
}

int main(void)
{
	char line[3 * XENSTORE_PAYLOAD_MAX];

	if (!getenv("XENSTORED_PATH"))
		return 2;
	signal(SIGCHLD, SIG_IGN);	/* the ring bridge, if any */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "# ---", 5))
			fputs(line, stdout); /* section marker for the report */
		if (line[0] == '#' || line[0] == '\n')
			continue;
		run_line(line);
	}
	return 0;
}
