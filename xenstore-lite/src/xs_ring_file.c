/* File-backed ring pages with a polling timer (see xs_ring_file.h). */
#include "xs_ring_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_ring.h"

#define POLL_NS 2000000 /* 2 ms */

struct ring_file {
	struct ring_file *next;
	void *page;
};

static char ring_dir[PATH_MAX];
static struct xs_poll timer = { .fd = -1 };
static struct ring_file *rings;

static void *rf_map(void *ctx, unsigned domid, uint64_t mfn, unsigned port,
		    void **handle)
{
	char path[PATH_MAX + 32];
	struct ring_file *r = calloc(1, sizeof(*r));
	int fd;

	(void)ctx, (void)mfn, (void)port;
	snprintf(path, sizeof(path), "%s/ring-%u", ring_dir, domid);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (!r || fd < 0 || ftruncate(fd, 4096)) {
		free(r);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	r->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (r->page == MAP_FAILED) {
		free(r);
		return NULL;
	}
	r->next = rings;
	rings = r;
	*handle = r;
	return r->page;
}

static void rf_notify(void *ctx, void *handle)
{
	(void)ctx, (void)handle; /* the guest side polls, like we do */
}

static void rf_unmap(void *ctx, void *handle, void *page)
{
	struct ring_file **p = &rings;

	(void)ctx;
	while (*p && *p != handle)
		p = &(*p)->next;
	if (*p)
		*p = (*p)->next;
	munmap(page, 4096);
	free(handle);
}

static const struct xs_ring_backend backend = {
	.map = rf_map, .notify = rf_notify, .unmap = rf_unmap,
};

static void tick(struct xs_poll *p, uint32_t ev)
{
	uint64_t n;

	(void)ev;
	if (read(p->fd, &n, sizeof(n)) < 0)
		return;
	/* A kick may kill connections (moved to the reap list, still valid). */
	for (struct xs_conn *c = xs_conn_first(), *next; c; c = next) {
		next = c->next;
		if (c->fd < 0 && !c->dead)
			xs_ring_kick(c);
	}
}

int xs_ring_file_init(const char *dir)
{
	struct itimerspec its = { { 0, POLL_NS }, { 0, POLL_NS } };

	snprintf(ring_dir, sizeof(ring_dir), "%s", dir);
	timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer.fd < 0 || timerfd_settime(timer.fd, 0, &its, NULL))
		return errno;
	timer.cb = tick;
	xs_domain_set_backend(&backend);
	return xs_loop_add(&timer, EPOLLIN);
}

void xs_ring_file_fini(void)
{
	if (timer.fd >= 0) {
		xs_loop_del(&timer);
		close(timer.fd);
	}
	timer.fd = -1;
	xs_domain_set_backend(NULL);
}
