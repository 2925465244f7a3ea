/*
 * The floor of the xenstore benchmark on this machine: a responder that
 * speaks just enough of the wire protocol for xsload's single-client
 * tests (seq, dir, txn, conn) and does no work at all. It busy-polls one
 * epoll set and answers every request from canned data, so what it
 * measures is libxenstore plus the Unix socket round trip. No daemon can
 * beat it; floor / reference is the best ratio any daemon can reach.
 *
 *   floor SOCKET      (runs until killed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define NCHILD 1000		/* xsload's DIRECTORY test lists 1000 */

struct client {
	int fd;
	uint32_t used;
	char in[2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
};

static char children[NCHILD * 10];	/* "child0000\0" ... */
static const char value32[] = "0123456789abcdef0123456789abcdef";

static void reply(struct client *c, const struct xsd_sockmsg *req,
		  uint32_t type, const void *body, uint32_t len)
{
	char out[sizeof(*req) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = *req;

	h.type = type;
	h.len = len;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), body, len);
	if (send(c->fd, out, sizeof(h) + len, MSG_NOSIGNAL) < 0)
		c->used = UINT32_MAX;	/* drop it on the next read */
}

/* DIRECTORY_PART: "<gen>\0" and whole names from the offset. */
static void part(struct client *c, const struct xsd_sockmsg *req,
		 const char *body)
{
	char out[XENSTORE_PAYLOAD_MAX] = "1";
	size_t off = strtoul(body + strlen(body) + 1, NULL, 10), len = 0;
	size_t max = sizeof(out) - 3;

	if (off < sizeof(children)) {
		len = sizeof(children) - off;
		if (len > max)
			len = (size_t)((char *)memrchr(children + off, 0, max) -
				       (children + off)) + 1;
		memcpy(out + 2, children + off, len);
	}
	if (off + len >= sizeof(children))
		out[2 + len++] = '\0';
	reply(c, req, req->type, out, (uint32_t)(2 + len));
}

static void answer(struct client *c, const struct xsd_sockmsg *req,
		   const char *body)
{
	switch (req->type) {
	case XS_READ:
		reply(c, req, req->type, value32, 32);
		break;
	case XS_DIRECTORY:
		reply(c, req, XS_ERROR, "E2BIG", 6);
		break;
	case XS_DIRECTORY_PART:
		part(c, req, body);
		break;
	case XS_TRANSACTION_START:
		reply(c, req, req->type, "1", 2);
		break;
	default:
		reply(c, req, req->type, "OK", 3);
	}
}

/* Serve every complete request in the buffer; false: close it. */
static int serve(struct client *c)
{
	uint32_t off = 0;
	ssize_t n;

	if (c->used == UINT32_MAX)
		return 0;
	n = read(c->fd, c->in + c->used, sizeof(c->in) - c->used);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		return 0;
	c->used += n > 0 ? (uint32_t)n : 0;
	while (c->used - off >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;
		memcpy(&h, c->in + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return 0;
		if (c->used - off < sizeof(h) + h.len)
			break;
		if (h.len)
			c->in[off + sizeof(h) + h.len - 1] = '\0';
		answer(c, &h, c->in + off + sizeof(h));
		off += sizeof(h) + h.len;
	}
	memmove(c->in, c->in + off, c->used - off);
	c->used -= off;
	return 1;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024))
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	struct epoll_event ev[64], e = { .events = EPOLLIN };
	int lfd, ep = epoll_create1(0);

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return argc == 2 ? 0 : 2;
	}
	for (int i = 0; i < NCHILD; i++)
		snprintf(children + 10 * i, 10, "child%04d", i);
	if ((lfd = listen_on(argv[1])) < 0 || ep < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e)) {
		perror("floor");
		return 1;
	}
	for (;;) {
		int n = epoll_wait(ep, ev, 64, 0);	/* never sleeps */
		for (int i = 0; i < n; i++) {
			struct client *c = ev[i].data.ptr;
			if (!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
					close(fd);
					continue;
				}
				c->fd = fd;
				e.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
			}
			if (!serve(c)) {
				close(c->fd);
				free(c);
			}
		}
	}
}
