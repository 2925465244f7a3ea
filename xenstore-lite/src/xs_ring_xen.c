/* Dom0 ring backend over the Xen device files (see xs_ring_xen.h). */
#include "xs_ring_xen.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_ring.h"

#define DOM0 0u

struct xen_ring {
	struct xen_ring *next;
	unsigned domid;
	int lport;		/* our end of the domain's event channel */
	bool grant;		/* mapped by grant (else foreign or dom0's own) */
	void *page;
};

static const struct xs_xen_ops *xo;
static struct xs_poll evpoll = { .fd = -1 };
static struct xen_ring *rings;
static struct xen_ring dom0_ring = { .lport = -1 };
static int dom_exc_lport = -1;

static struct xen_ring *ring_by_port(int lport)
{
	if (dom0_ring.page && lport == dom0_ring.lport)
		return &dom0_ring;
	for (struct xen_ring *r = rings; r; r = r->next)
		if (r->lport == lport)
			return r;
	return NULL;
}

/* The grant first (the C xenstored's way, needs no MFN), then the MFN
 * the toolstack gave (oxenstored's way, for a builder that seeds no
 * grant). */
static void *map_ring(struct xen_ring *r, uint64_t mfn)
{
	void *page = xo->map_grant(r->domid);

	r->grant = page != NULL;
	if (!page && mfn)
		page = xo->map_foreign(r->domid, mfn);
	return page;
}

static void *xen_map(void *ctx, unsigned domid, uint64_t mfn, unsigned port,
		     void **handle)
{
	struct xen_ring *r = calloc(1, sizeof(*r));

	(void)ctx;
	if (!r)
		return NULL;
	r->domid = domid;
	if (!(r->page = map_ring(r, mfn))) {
		xs_warn("dom%u: cannot map its ring (grant ref 1, mfn %llu)",
			domid, (unsigned long long)mfn);
		free(r);
		return NULL;
	}
	if ((r->lport = xo->bind(domid, port)) < 0) {
		xs_warn("dom%u: cannot bind its port %u", domid, port);
		xo->unmap(r->page, r->grant);
		free(r);
		return NULL;
	}
	xs_info("dom%u: ring mapped by %s, port %u bound as %d", domid,
		r->grant ? "grant" : "foreign map", port, r->lport);
	r->next = rings;
	rings = r;
	*handle = r;
	return r->page;
}

static void xen_notify(void *ctx, void *handle)
{
	struct xen_ring *r = handle;

	(void)ctx;
	xo->notify(r->lport);
}

static void xen_unmap(void *ctx, void *handle, void *page)
{
	struct xen_ring **p = &rings, *r = handle;

	(void)ctx, (void)page;
	while (*p && *p != r)
		p = &(*p)->next;
	if (*p)
		*p = r->next;
	xo->unbind(r->lport);
	xo->unmap(r->page, r->grant);
	xs_info("dom%u: ring unmapped, port %d unbound", r->domid, r->lport);
	free(r);
}

static const struct xs_ring_backend backend = {
	.map = xen_map, .notify = xen_notify, .unmap = xen_unmap,
};

/* One port per wakeup: reading /dev/xen/evtchn blocks when it is empty,
 * and epoll (level-triggered) calls again while ports are queued. */
void xs_ring_xen_events(void)
{
	int port = xo->pending();
	struct xen_ring *r = port >= 0 ? ring_by_port(port) : NULL;
	struct xs_conn *c = r ? xs_domain_conn(r->domid) : NULL;

	if (port < 0)
		return;
	xo->unmask(port); /* before reading the ring: a later event is kept */
	if (port == dom_exc_lport) {
		/* Outside any request: send the @releaseDomain events now. */
		xs_domain_release_gone(xo->domain_gone);
		xs_conn_flush_dirty();
	} else if (c && !c->dead)
		xs_ring_kick(c);
}

static void on_event(struct xs_poll *p, uint32_t ev)
{
	(void)p, (void)ev;
	xs_ring_xen_events();
}

static void dom0_notify(void *arg)
{
	(void)arg;
	xo->notify(dom0_ring.lport);
}

/* Dom0's kernel waits for the first event on its port before it probes
 * xenbus: bind, connect, then signal (and serve what it queued). */
static int dom0_connect(void)
{
	struct xs_conn *c;
	int port = -1;

	if (!(dom0_ring.page = xo->dom0_page(&port)) || port <= 0) {
		xs_err("dom0: no xenstore page or port from xenbus_backend");
		return ENODEV;
	}
	if ((dom0_ring.lport = xo->bind(DOM0, (unsigned)port)) < 0) {
		xs_err("dom0: cannot bind the kernel's xenstore port %d", port);
		return EIO;
	}
	c = xs_ring_conn_new(dom0_ring.page, DOM0, dom0_notify, NULL);
	if (!c)
		return ENOMEM;
	xs_domain_attach_conn(DOM0, c);
	xs_info("dom0: kernel's ring served, port %d bound as %d", port,
		dom0_ring.lport);
	xs_ring_kick(c);
	xo->notify(dom0_ring.lport);
	return 0;
}

int xs_ring_xen_init(const struct xs_xen_ops *ops)
{
	int err;

	xo = ops;
	if ((err = xo->open()))
		return err;
	evpoll.fd = xo->evtchn_fd();
	evpoll.cb = on_event;
	if ((err = xs_loop_add(&evpoll, EPOLLIN)))
		return err;
	xs_domain_set_backend(&backend);
	/* As the C xenstored: without it dead domains are never noticed. */
	if ((dom_exc_lport = xo->bind_dom_exc()) < 0)
		xs_warn("cannot bind VIRQ_DOM_EXC: dead domains stay until RELEASE");
	return dom0_connect();
}

void xs_ring_xen_fini(void)
{
	struct xs_conn *c;

	if (!xo)
		return;
	xs_domain_set_backend(NULL);
	if ((c = xs_domain_conn(DOM0)))
		xs_conn_kill(c, "daemon stopping");
	if (dom0_ring.lport >= 0)
		xo->unbind(dom0_ring.lport);
	if (dom0_ring.page)
		xo->dom0_unmap(dom0_ring.page);
	dom0_ring = (struct xen_ring){ .lport = -1 };
	if (dom_exc_lport >= 0)
		xo->unbind(dom_exc_lport);
	dom_exc_lport = -1;
	if (evpoll.fd >= 0)
		xs_loop_del(&evpoll);
	evpoll.fd = -1;
	xo->close();
	xo = NULL;
}
