/*
 * ring_guest: an unprivileged domain talking to a running xenstore-lite
 * over its ring (a file in the daemon's -R directory; both sides poll).
 * It runs the quota attack of issue 10 end to end: N directories, then N
 * transactions each creating PER nodes (each under quota alone), then
 * commits them one after another. Prints one line per reply kind:
 *   commits ok=<n> enospc=<n> other=<n>
 *   ring_guest RING_FILE N PER
 * The test (tests/integ/daemon.sh) checks the domain's node count after.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *ring;

static void pause_briefly(void)
{
	struct timespec ts = { 0, 200000 };

	nanosleep(&ts, NULL);
}

static void put(const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = ring->req_prod;
		size_t room = XENSTORE_RING_SIZE - (prod - ring->req_cons), n = 0;

		for (; n < room && n < len; n++)
			ring->req[MASK_XENSTORE_IDX(prod + n)] = p[n];
		atomic_thread_fence(memory_order_release);
		ring->req_prod = prod + (XENSTORE_RING_IDX)n;
		p += n, len -= n;
		if (len)
			pause_briefly();
	}
}

static void get(void *data, size_t len)
{
	char *p = data;
	time_t give_up = time(NULL) + 20;

	while (len) {
		XENSTORE_RING_IDX cons = ring->rsp_cons;
		size_t avail = ring->rsp_prod - cons, n = 0;

		atomic_thread_fence(memory_order_acquire);
		for (; n < avail && n < len; n++)
			p[n] = ring->rsp[MASK_XENSTORE_IDX(cons + n)];
		ring->rsp_cons = cons + (XENSTORE_RING_IDX)n;
		p += n, len -= n;
		if (len && time(NULL) > give_up) {
			fprintf(stderr, "ring_guest: no reply\n");
			exit(2);
		}
		if (len)
			pause_briefly();
	}
}

/* One request; the reply body (NUL-terminated) in out; returns its type. */
static uint32_t request(uint32_t type, uint32_t tx, const char *a, const char *b,
			char *out, size_t outsz)
{
	static uint32_t req_id;
	struct xsd_sockmsg m = { type, ++req_id, tx, 0 };
	char body[XENSTORE_PAYLOAD_MAX + 1];
	size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;

	m.len = (uint32_t)(la + lb);
	put(&m, sizeof(m));
	put(a, la);
	if (b)
		put(b, lb);
	do {	/* skip watch events: this guest sets none, but be safe */
		get(&m, sizeof(m));
		if (m.len > XENSTORE_PAYLOAD_MAX)
			exit(2);
		get(body, m.len);
		body[m.len] = '\0';
	} while (m.type == XS_WATCH_EVENT);
	snprintf(out, outsz, "%s", body);
	return m.type;
}

int main(int argc, char **argv)
{
	int fd, n, per, ok = 0, nospc = 0, other = 0;
	uint32_t tx[64];
	char path[64], reply[XENSTORE_PAYLOAD_MAX + 1];

	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > 64 || (per = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: ring_guest RING_FILE N PER\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	ring = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror(argv[1]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "x%d", i);
		request(XS_MKDIR, 0, path, NULL, reply, sizeof(reply));
	}
	for (int i = 0; i < n; i++) {
		if (request(XS_TRANSACTION_START, 0, "", NULL, reply, sizeof(reply)) != XS_TRANSACTION_START)
			return fprintf(stderr, "ring_guest: start: %s\n", reply), 2;
		tx[i] = (uint32_t)strtoul(reply, NULL, 10);
		for (int k = 0; k < per; k++) {
			snprintf(path, sizeof(path), "x%d/n%d", i, k);
			request(XS_WRITE, tx[i], path, "v", reply, sizeof(reply));
		}
	}
	for (int i = 0; i < n; i++) {
		uint32_t t = request(XS_TRANSACTION_END, tx[i], "T", NULL, reply, sizeof(reply));
		if (t == XS_TRANSACTION_END)
			ok++;
		else if (t == XS_ERROR && !strcmp(reply, "ENOSPC"))
			nospc++;
		else
			other++;
	}
	printf("commits ok=%d enospc=%d other=%d\n", ok, nospc, other);
	return 0;
}
