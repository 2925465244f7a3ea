/* epoll loop; dead connections are reaped between batches. */
#include "xs_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "xs_conn.h"
#include "xs_log.h"

static int epfd = -1;

int xs_loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? errno : 0;
}

void xs_loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

static int ctl(int op, struct xs_poll *p, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = p };

	if (epoll_ctl(epfd, op, p->fd, &ev))
		return errno;
	p->events = events;
	return 0;
}

int xs_loop_add(struct xs_poll *p, uint32_t events)
{
	return ctl(EPOLL_CTL_ADD, p, events);
}

int xs_loop_mod(struct xs_poll *p, uint32_t events)
{
	return p->events == events ? 0 : ctl(EPOLL_CTL_MOD, p, events);
}

void xs_loop_del(struct xs_poll *p)
{
	if (epfd >= 0 && p->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
}

int xs_loop_run(volatile bool *stop)
{
	struct epoll_event ev[64];

	while (!*stop) {
		int n = epoll_wait(epfd, ev, 64, -1);
		if (n < 0 && errno != EINTR) {
			xs_err("epoll_wait: %d", errno);
			return errno;
		}
		for (int i = 0; i < n; i++) {
			struct xs_poll *p = ev[i].data.ptr;
			p->cb(p, ev[i].events);
			/* Callbacks may kill connections whose events are
			 * still in ev[]: free them only after the batch. */
		}
		xs_conn_reap();
	}
	return 0;
}
