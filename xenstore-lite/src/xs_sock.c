/* Unix socket transport. Clients on the socket are privileged (dom0
 * tools), as with xenstored; access is controlled by the socket's mode. */
#include "xs_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_conn.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_quota.h"

struct sock_tp {
	struct xs_poll poll;
	struct xs_conn *conn;
};

static struct xs_poll listener = { .fd = -1 };

static ssize_t s_read(struct xs_conn *c, void *buf, size_t len)
{
	ssize_t n = read(c->fd, buf, len);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1; /* EOF or error */
}

static ssize_t s_write(struct xs_conn *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n >= 0)
		return n;
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static void s_update(struct xs_conn *c)
{
	struct sock_tp *t = c->tp;
	uint32_t ev = (c->stalled ? 0 : EPOLLIN) | (c->out_head ? EPOLLOUT : 0);

	if (!c->dead)
		xs_loop_mod(&t->poll, ev);
}

static void s_destroy(struct xs_conn *c)
{
	/* close() alone takes the fd out of the epoll set: one syscall less
	 * per connection (we never dup these fds). */
	close(c->fd);
	free(c->tp);
}

static const struct xs_transport_ops sock_ops = {
	.name = "socket",
	.read = s_read,
	.write = s_write,
	.update = s_update,
	.destroy = s_destroy,
};

static void conn_event(struct xs_poll *p, uint32_t ev)
{
	struct sock_tp *t = (struct sock_tp *)p;
	struct xs_conn *c = t->conn;

	if (c->dead)
		return;
	/* A stalled connection reads nothing, so a hangup would spin. */
	if (c->stalled && (ev & (EPOLLHUP | EPOLLERR))) {
		xs_conn_kill(c, "hangup");
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		xs_conn_input(c);
	if ((ev & EPOLLOUT) && !c->dead)
		xs_conn_output(c);
}

static void new_client(int fd)
{
	struct sock_tp *t = calloc(1, sizeof(*t));

	if (!t || xs_conn_count() >= xs_quota.connections) {
		xs_warn("refusing connection: %s", t ? "limit" : "no memory");
		free(t);
		close(fd);
		return;
	}
	t->poll.fd = fd;
	t->poll.cb = conn_event;
	t->conn = xs_conn_new(&sock_ops, t, fd, 0, true);
	if (!t->conn || xs_loop_add(&t->poll, EPOLLIN)) {
		if (t->conn)
			xs_conn_free(t->conn); /* closes fd, frees t */
		else {
			close(fd);
			free(t);
		}
		return;
	}
	/* A client usually writes its first request right after connect():
	 * serve it now instead of after another trip through epoll_wait. */
	conn_event(&t->poll, EPOLLIN);
}

/* One accept per wakeup: the listener is level-triggered, so a backlog
 * is reported again, and a lone connect costs no extra failing accept. */
static void accept_event(struct xs_poll *p, uint32_t ev)
{
	int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)ev;
	if (fd >= 0)
		new_client(fd);
	else if (errno != EAGAIN && errno != EINTR)
		xs_warn("accept: %s", strerror(errno));
}

static void make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	strncpy(dir, path, sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755); /* usually /var/run/xenstored */
	}
}

int xs_sock_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	make_parent_dir(path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(fd, 1024)) {
		err = errno;
		close(fd);
		return err;
	}
	listener.fd = fd;
	listener.cb = accept_event;
	return 0;
}

int xs_sock_start(void)
{
	return xs_loop_add(&listener, EPOLLIN);
}

void xs_sock_close(void)
{
	if (listener.fd >= 0) {
		xs_loop_del(&listener);
		close(listener.fd);
	}
	listener.fd = -1;
}
