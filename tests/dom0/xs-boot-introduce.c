/*
 * xs-boot-introduce: dom0's stand-in for the toolstack's XS_INTRODUCE of
 * the domUs the hypervisor started at boot (docs/xenstore.md, "Boot-time
 * domUs"). For each domain id 1..MAX that exists, it looks for the port
 * the hypervisor left unbound for dom0 (EVTCHNOP_status: Xen's ABI, no
 * fixed layout assumed), writes the nodes a toolstack writes for a new
 * domain (/local/domain/N readable by N, its name and domid, data/ writable
 * by N)
 * and introduces it with libxenstore's xs_introduce_domain. The MFN is
 * not known to dom0 and is passed as 0: the daemon maps the domain's
 * reserved xenstore grant, which the hypervisor seeds as libxenguest does.
 *   xs-boot-introduce [MAX_DOMID]    prints one line per domain introduced
 */
/* The current interface (event_channel_op is 32; older ones name the compat call 16). */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xencall.h>
#include <xenstore.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#define MAX_PORTS 16

/* The domain's port unbound for dom0: >0, 0 if none, -ESRCH if no domain. */
static int store_port(xencall_handle *xc, unsigned domid)
{
	struct evtchn_status *st = xencall_alloc_buffer(xc, sizeof(*st));
	int found = 0;

	if (!st)
		return -ENOMEM;
	for (unsigned p = 1; p < MAX_PORTS && !found; p++) {
		*st = (struct evtchn_status){ .dom = (domid_t)domid, .port = p };
		if (xencall2(xc, __HYPERVISOR_event_channel_op, EVTCHNOP_status,
			     (uintptr_t)st)) {
			found = errno == ESRCH ? -ESRCH : 0;
			if (found == 0)
				printf("xs-boot-introduce: d%u: no port unbound for dom0 "
				       "(ports 1-%u: %s)\n", domid, p - 1, strerror(errno));
			break;
		}
		if (st->status == EVTCHNSTAT_unbound && st->u.unbound.dom == 0)
			found = (int)p;
	}
	xencall_free_buffer(xc, st);
	return found;
}

static bool set_perms(struct xs_handle *xs, const char *path, unsigned owner,
		      unsigned reader)
{
	struct xs_permissions p[2] = {
		{ .id = owner, .perms = XS_PERM_NONE },
		{ .id = reader, .perms = XS_PERM_READ },
	};

	return xs_set_permissions(xs, XBT_NULL, path, p, owner == reader ? 1 : 2);
}

/* libxl's skeleton, reduced: home owned by dom0 and readable by the
 * domain, data/ owned (so writable) by it. */
static bool write_home(struct xs_handle *xs, unsigned domid)
{
	char home[64], path[96], name[16], id[8];

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(name, sizeof(name), "d%u", domid);
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(path, sizeof(path), "%s/name", home);
	if (!xs_mkdir(xs, XBT_NULL, home) || !set_perms(xs, home, 0, domid) ||
	    !xs_write(xs, XBT_NULL, path, name, strlen(name)))
		return false;
	snprintf(path, sizeof(path), "%s/domid", home);
	if (!xs_write(xs, XBT_NULL, path, id, strlen(id)))
		return false;
	snprintf(path, sizeof(path), "%s/data", home);
	return xs_mkdir(xs, XBT_NULL, path) && set_perms(xs, path, domid, domid);
}

static int introduce(xencall_handle *xc, struct xs_handle *xs, unsigned domid)
{
	int port = store_port(xc, domid);

	if (port <= 0)
		return port;
	if (xs_is_domain_introduced(xs, domid))
		return 0;
	if (!write_home(xs, domid) || !xs_introduce_domain(xs, domid, 0, port)) {
		fprintf(stderr, "xs-boot-introduce: d%u: %s\n", domid, strerror(errno));
		return -1;
	}
	printf("xs-boot-introduce: d%u introduced (store port %d)\n", domid, port);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned max = argc > 1 ? (unsigned)atoi(argv[1]) : 32;
	xencall_handle *xc = xencall_open(NULL, 0);
	struct xs_handle *xs = xs_open(0);
	int n = 0, bad = 0;

	if (!xc || !xs) {
		fprintf(stderr, "xs-boot-introduce: cannot open %s\n", xc ? "xenstore" : "privcmd");
		return 1;
	}
	for (unsigned d = 1; d <= max; d++) {
		int rc = introduce(xc, xs, d);

		n += rc > 0;
		bad += rc == -1;
	}
	printf("xs-boot-introduce: %d domain(s) introduced, %d failed\n", n, bad);
	xs_close(xs);
	xencall_close(xc);
	return bad ? 1 : 0;
}
