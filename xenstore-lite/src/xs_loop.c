/* epoll loop; dead connections are reaped between batches. */
#include "xs_loop.h"

#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <time.h>
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

unsigned xs_loop_spin_us = 50;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Adaptive busy polling: right after serving requests, poll without
 * sleeping for up to xs_loop_spin_us before blocking. A request/reply
 * client (libxenstore) sends its next request within microseconds, and
 * catching it without a sleep/wakeup cycle roughly halves the round trip;
 * an idle daemon still sleeps in epoll_wait.
 */
static int wait_events(struct epoll_event *ev, int max, uint64_t *busy_until)
{
	int n;

	while (now_us() < *busy_until) {
		n = epoll_wait(epfd, ev, max, 0);
		if (n)
			return n;
		/* If our client shares this CPU, let it run. */
		sched_yield();
	}
	return epoll_wait(epfd, ev, max, -1);
}

int xs_loop_run(volatile bool *stop)
{
	struct epoll_event ev[64];
	uint64_t busy_until = 0;

	while (!*stop) {
		int n = wait_events(ev, 64, &busy_until);
		if (n > 0 && xs_loop_spin_us)
			busy_until = now_us() + xs_loop_spin_us;
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
