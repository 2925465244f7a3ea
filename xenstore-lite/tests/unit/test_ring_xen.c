/* Dom0's ring backend (xs_ring_xen.c) against fake Xen libraries. */
#include "unit.h"

#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../src/xs_conn.h"
#include "../../src/xs_domain.h"
#include "../../src/xs_loop.h"
#include "../../src/xs_ring_xen.h"

#define KERNEL_PORT 3
#define MAX_DOM 8

static struct fake {
	int efd;
	struct xenstore_domain_interface *dom0, *guest[MAX_DOM];
	int next_lport, bound, unbound, notifies, grants, foreigns, unmaps;
	int bind_dom[64], last_unmap_grant;
	bool fail_grant, fail_bind, gone[MAX_DOM];
	int pending[16], npending;
} f;

static int f_open(void) { return 0; }
static void f_close(void) { }
static int f_fd(void) { return f.efd; }
static void f_unbind(int p) { (void)p; f.unbound++; }
static void f_notify(int p) { (void)p; f.notifies++; }
static void f_unmask(int p) { (void)p; }

static int f_bind(unsigned domid, unsigned port)
{
	(void)port;
	if (f.fail_bind)
		return -1;
	f.bound++;
	f.bind_dom[f.next_lport] = (int)domid;
	return f.next_lport++;
}

static int f_pending(void)
{
	return f.npending ? f.pending[--f.npending] : -1;
}

static void *f_map_grant(unsigned domid)
{
	if (f.fail_grant || domid >= MAX_DOM)
		return NULL;
	f.grants++;
	return f.guest[domid];
}

static void *f_map_foreign(unsigned domid, uint64_t mfn)
{
	(void)mfn;
	f.foreigns++;
	return domid < MAX_DOM ? f.guest[domid] : NULL;
}

static void f_unmap(void *page, bool grant)
{
	(void)page;
	f.unmaps++;
	f.last_unmap_grant = grant;
}

static void *f_dom0_page(int *port)
{
	*port = KERNEL_PORT;
	return f.dom0;
}

static void f_dom0_unmap(void *page) { (void)page; }
static int f_bind_dom_exc(void) { return 99; }
static bool f_domain_gone(unsigned domid) { return domid < MAX_DOM && f.gone[domid]; }

static const struct xs_xen_ops fake_ops = {
	.open = f_open, .close = f_close, .evtchn_fd = f_fd, .bind = f_bind,
	.unbind = f_unbind, .notify = f_notify, .pending = f_pending,
	.unmask = f_unmask, .map_grant = f_map_grant,
	.map_foreign = f_map_foreign, .unmap = f_unmap,
	.dom0_page = f_dom0_page, .dom0_unmap = f_dom0_unmap,
	.bind_dom_exc = f_bind_dom_exc, .domain_gone = f_domain_gone,
};

static void start(void)
{
	memset(&f, 0, sizeof(f));
	f.next_lport = 10;
	f.efd = eventfd(0, EFD_NONBLOCK);
	f.dom0 = calloc(1, 4096);
	for (int i = 0; i < MAX_DOM; i++)
		f.guest[i] = calloc(1, 4096);
	CU_ASSERT_EQUAL_FATAL(xs_loop_init(), 0);
	CU_ASSERT_EQUAL_FATAL(xs_ring_xen_init(&fake_ops), 0);
}

static void stop(void)
{
	xs_ring_xen_fini();
	xs_conn_reap();
	xs_loop_fini();
	close(f.efd);
	free(f.dom0);
	for (int i = 0; i < MAX_DOM; i++)
		free(f.guest[i]);
}

/* The guest (or dom0's kernel) puts a request on its ring and signals lport. */
static void ring_request(struct xenstore_domain_interface *in, int lport,
			 uint32_t type, const char *p, uint32_t len)
{
	struct xsd_sockmsg h = { type, 1, 0, len };
	char buf[256];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	for (uint32_t i = 0; i < sizeof(h) + len; i++)
		in->req[MASK_XENSTORE_IDX(in->req_prod + i)] = buf[i];
	in->req_prod += (XENSTORE_RING_IDX)(sizeof(h) + len);
	f.pending[f.npending++] = lport;
	xs_ring_xen_events();
}

/* The body of the reply at the start of the response ring. */
static const char *ring_reply(struct xenstore_domain_interface *in, uint32_t *type)
{
	static char body[256];
	struct xsd_sockmsg h;

	memcpy(&h, (const char *)in->rsp, sizeof(h));
	*type = h.type;
	memcpy(body, (const char *)in->rsp + sizeof(h), h.len < 255 ? h.len : 255);
	body[h.len < 255 ? h.len : 255] = '\0';
	return body;
}

static void t_dom0_kernel_ring(void)
{
	uint32_t type;

	start();
	CU_ASSERT_EQUAL(f.bound, 1);
	CU_ASSERT_EQUAL(f.bind_dom[10], 0);		/* loopback: dom0's own port */
	CU_ASSERT(f.notifies >= 1);			/* wakes the kernel's xenbus probe */
	CU_ASSERT_PTR_NOT_NULL(xs_domain_conn(0));
	ring_request(f.dom0, 10, XS_WRITE, "/k\0v", 4);	/* privileged: anywhere */
	CU_ASSERT_STRING_EQUAL(ring_reply(f.dom0, &type), "OK");
	CU_ASSERT_EQUAL(type, XS_WRITE);
	stop();
}

static void t_introduce_grant_release(void)
{
	struct memconn *m;
	uint32_t type;

	start();
	m = mc_new(0, true);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "5|0|7|")), "OK");
	CU_ASSERT_EQUAL(f.grants, 1);
	CU_ASSERT_EQUAL(f.foreigns, 0);
	CU_ASSERT_EQUAL(f.bind_dom[11], 5);
	CU_ASSERT_EQUAL(f.guest[5]->server_features, XENSTORE_SERVER_FEATURE_ERROR);
	ring_request(f.guest[5], 11, XS_GET_DOMAIN_PATH, "5", 2);
	CU_ASSERT_STRING_EQUAL(ring_reply(f.guest[5], &type), "/local/domain/5");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_RELEASE, 0, "5|")), "OK");
	CU_ASSERT_EQUAL(f.unbound, 1);
	CU_ASSERT_EQUAL(f.unmaps, 1);
	CU_ASSERT_EQUAL(f.last_unmap_grant, true);
	CU_ASSERT_PTR_NULL(xs_domain_conn(5));
	mc_free(m);
	stop();
}

/* No grant (a builder that seeds none): the MFN the toolstack gave. */
static void t_foreign_fallback(void)
{
	struct memconn *m;

	start();
	f.fail_grant = true;
	m = mc_new(0, true);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "3|0|7|")), "EINVAL");
	CU_ASSERT_EQUAL(f.bound, 1);			/* dom0's only */
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "3|4660|7|")), "OK");
	CU_ASSERT_EQUAL(f.foreigns, 1);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_RELEASE, 0, "3|")), "OK");
	CU_ASSERT_EQUAL(f.last_unmap_grant, false);
	mc_free(m);
	stop();
}

static void t_bind_failure_unmaps(void)
{
	struct memconn *m;

	start();
	f.fail_bind = true;
	m = mc_new(0, true);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "4|0|9|")), "EINVAL");
	CU_ASSERT_EQUAL(f.unmaps, 1);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_IS_DOMAIN_INTRODUCED, 0, "4|")), "F");
	mc_free(m);
	stop();
}

/* A guest announcing a 2 GiB request is dropped alone: error field set,
 * dom0's kernel ring and another guest still served. */
static void t_hostile_length(void)
{
	struct memconn *m;
	uint32_t type;

	start();
	m = mc_new(0, true);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "6|0|7|")), "OK");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "7|0|7|")), "OK");
	{
		struct xsd_sockmsg h = { XS_WRITE, 1, 0, 0x7fffffff };
		memcpy((char *)f.guest[6]->req, &h, sizeof(h));
		f.guest[6]->req_prod = sizeof(h);
		f.pending[f.npending++] = 11;
		xs_ring_xen_events();
	}
	CU_ASSERT_EQUAL(f.guest[6]->error, XENSTORE_ERROR_PROTO);
	xs_conn_reap();
	CU_ASSERT_PTR_NULL(xs_domain_conn(6));
	ring_request(f.guest[7], 12, XS_GET_DOMAIN_PATH, "7", 2);
	CU_ASSERT_STRING_EQUAL(ring_reply(f.guest[7], &type), "/local/domain/7");
	ring_request(f.dom0, 10, XS_WRITE, "/k\0v", 4);
	CU_ASSERT_STRING_EQUAL(ring_reply(f.dom0, &type), "OK");
	mc_free(m);
	stop();
}

/* VIRQ_DOM_EXC: the dead domain is released (ring unmapped, its nodes
 * removed, @releaseDomain), the live one keeps its ring. */
static void t_dom_exc_releases_dead(void)
{
	struct memconn *m;
	struct reply *r;

	start();
	m = mc_new(0, true);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "2|0|7|")), "OK");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_INTRODUCE, 0, "3|0|7|")), "OK");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_WRITE, 0, "/d2|x")), "OK");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_SET_PERMS, 0, "/d2|n2|")), "OK");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_WATCH, 0, "@releaseDomain|t|")), "OK");
	while (mc_next(m, &(struct reply){ 0 }))
		;					/* the initial event */
	f.gone[2] = true;
	f.pending[f.npending++] = 99;
	xs_ring_xen_events();
	CU_ASSERT_EQUAL(f.unbound, 1);
	CU_ASSERT_EQUAL(f.unmaps, 1);
	CU_ASSERT_PTR_NULL(xs_domain_conn(2));
	CU_ASSERT_PTR_NOT_NULL(xs_domain_conn(3));
	r = &(struct reply){ 0 };
	CU_ASSERT_TRUE(mc_next(m, r));
	CU_ASSERT_EQUAL(r->hdr.type, XS_WATCH_EVENT);
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_IS_DOMAIN_INTRODUCED, 0, "2|")), "F");
	CU_ASSERT_STRING_EQUAL(mc_err(mc_op(m, XS_READ, 0, "/d2|")), "ENOENT");
	mc_free(m);
	stop();
}

void suite_ring_xen(void)
{
	static const struct unit_test tests[] = {
		{ "dom0_kernel_ring", t_dom0_kernel_ring },
		{ "introduce_grant_release", t_introduce_grant_release },
		{ "foreign_fallback", t_foreign_fallback },
		{ "bind_failure_unmaps", t_bind_failure_unmaps },
		{ "hostile_length", t_hostile_length },
		{ "dom_exc_releases_dead", t_dom_exc_releases_dead },
	};
	ADD_SUITE("ring_xen", tests);
}
