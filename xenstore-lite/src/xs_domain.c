/* Domain management requests and per-domain accounting. */
#include "xs_domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_dispatch.h"
#include "xs_log.h"
#include "xs_orphans.h"
#include "xs_path.h"
#include "xs_ring.h"
#include "xs_watch.h"

struct xs_domain {
	struct xs_domain *next;
	unsigned id;
	bool introduced;
	unsigned target;
	int nodes;
	uint64_t mfn;
	unsigned port;
	struct xs_conn *conn;
	void *handle;	/* backend's mapping handle */
	void *page;
};

static struct xs_domain *domains;
static const struct xs_ring_backend *backend;
static struct xs_perms *perm_intro, *perm_release;

void xs_domain_set_backend(const struct xs_ring_backend *b)
{
	backend = b;
}

static struct xs_domain *dom_find(unsigned id, bool create)
{
	struct xs_domain *d;

	for (d = domains; d; d = d->next)
		if (d->id == id)
			return d;
	if (!create || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->id = id;
	d->target = XS_NO_TARGET;
	d->next = domains;
	domains = d;
	return d;
}

int xs_domain_init(void)
{
	struct xs_domain *d0 = dom_find(0, true);

	perm_intro = xs_perms_simple(0, XS_PERM_NONE);
	perm_release = xs_perms_simple(0, XS_PERM_NONE);
	if (!d0 || !perm_intro || !perm_release)
		return ENOMEM;
	d0->introduced = true; /* dom0 is always there */
	return 0;
}

static void dom_disconnect(struct xs_domain *d)
{
	struct xs_conn *c = d->conn;

	d->conn = NULL;
	if (c)
		xs_conn_kill(c, "domain released");
	if (backend && d->handle)
		backend->unmap(backend->ctx, d->handle, d->page);
	d->handle = d->page = NULL;
}

void xs_domain_fini(void)
{
	while (domains) {
		struct xs_domain *d = domains;
		domains = d->next;
		dom_disconnect(d);
		free(d);
	}
	xs_perms_put(perm_intro);
	xs_perms_put(perm_release);
	perm_intro = perm_release = NULL;
}

unsigned xs_domain_nodes(unsigned domid)
{
	struct xs_domain *d = dom_find(domid, false);

	return d && d->nodes > 0 ? (unsigned)d->nodes : 0;
}

void xs_domain_nodes_adjust(unsigned domid, int delta)
{
	struct xs_domain *d = dom_find(domid, true);

	if (d)
		d->nodes += delta;
}

struct xs_perms *xs_domain_special_perms(const char *name)
{
	if (!strcmp(name, "@introduceDomain"))
		return perm_intro;
	if (!strcmp(name, "@releaseDomain"))
		return perm_release;
	return NULL;
}

int xs_domain_set_special_perms(const char *name, struct xs_perms *p)
{
	struct xs_perms **slot = !strcmp(name, "@introduceDomain") ? &perm_intro
				 : !strcmp(name, "@releaseDomain") ? &perm_release
				 : NULL;
	if (!slot)
		return ENOENT;
	xs_perms_put(*slot);
	*slot = xs_perms_get(p);
	return 0;
}

struct xs_conn *xs_domain_conn(unsigned domid)
{
	struct xs_domain *d = dom_find(domid, false);

	return d ? d->conn : NULL;
}

void xs_domain_attach_conn(unsigned domid, struct xs_conn *c)
{
	struct xs_domain *d = dom_find(domid, true);

	if (d)
		d->conn = c;
}

void xs_domain_conn_gone(struct xs_conn *c)
{
	for (struct xs_domain *d = domains; d; d = d->next)
		if (d->conn == c)
			d->conn = NULL;
}

/* xenstored parses domids with atoi(): mimic it for identical replies. */
static unsigned atoid(const char *s)
{
	return (unsigned)atoi(s) & 0xffff;
}

static void ring_notify(void *arg)
{
	struct xs_domain *d = arg;

	if (backend && d->handle)
		backend->notify(backend->ctx, d->handle);
}

static int dom_connect(struct xs_domain *d)
{
	if (!backend)
		return 0; /* bookkeeping only: no pages on a plain host */
	d->page = backend->map(backend->ctx, d->id, d->mfn, d->port, &d->handle);
	if (!d->page)
		return EINVAL;
	d->conn = xs_ring_conn_new(d->page, d->id, ring_notify, d);
	if (!d->conn) {
		backend->unmap(backend->ctx, d->handle, d->page);
		d->handle = d->page = NULL;
		return ENOMEM;
	}
	d->conn->who.target = d->target;
	return 0;
}

int xs_do_introduce(struct xs_req *r)
{
	const char *v[3];
	struct xs_domain *d;
	unsigned id;
	int port, err;

	if (xs_get_strings(r, v, 3) < 3)
		return EINVAL;
	id = atoid(v[0]);
	port = atoi(v[2]);
	if (port <= 0 || id == 0)
		return EINVAL;
	d = dom_find(id, true);
	if (!d)
		return ENOMEM;
	if (d->introduced)
		return xs_ack(r); /* repeated introduce: nothing new */
	d->mfn = strtoull(v[1], NULL, 10);
	d->port = (unsigned)port;
	if ((err = dom_connect(d)))
		return err;
	d->introduced = true;
	xs_info("domain %u introduced (mfn %llu port %u)", id,
		(unsigned long long)d->mfn, d->port);
	xs_ack(r);
	xs_watch_fire_special("@introduceDomain", perm_intro);
	return 0;
}

static struct xs_domain *onearg_domain(struct xs_req *r, int *err)
{
	const char *a = xs_onearg(r);
	struct xs_domain *d;

	*err = EINVAL;
	if (!a || !atoid(a))
		return NULL;
	d = dom_find(atoid(a), false);
	*err = d && d->introduced ? 0 : ENOENT;
	return *err ? NULL : d;
}

static void dom_release(struct xs_domain *d, const char *why)
{
	dom_disconnect(d);
	d->introduced = false;
	d->target = XS_NO_TARGET;
	xs_info("domain %u %s, %u orphaned subtrees removed", d->id, why,
		xs_orphans_remove(d->id));
}

int xs_do_release(struct xs_req *r)
{
	int err;
	struct xs_domain *d = onearg_domain(r, &err);

	if (!d)
		return err;
	dom_release(d, "released");
	xs_ack(r);
	xs_watch_fire_special("@releaseDomain", perm_release);
	return 0;
}

unsigned xs_domain_release_gone(bool (*gone)(unsigned domid))
{
	unsigned n = 0;

	for (struct xs_domain *d = domains; d; d = d->next)
		if (d->id && d->introduced && gone(d->id)) {
			dom_release(d, "is gone (VIRQ_DOM_EXC): released");
			n++;
		}
	/*
	 * Also when none is gone: VIRQ_DOM_EXC says a domain shut down too,
	 * and a toolstack learns that from @releaseDomain (the C xenstored
	 * fires it for a newly shut-down domain as well). A spurious event
	 * costs a watcher one getdomaininfo.
	 */
	xs_watch_fire_special("@releaseDomain", perm_release);
	return n;
}

int xs_do_resume(struct xs_req *r)
{
	int err;

	return onearg_domain(r, &err) ? xs_ack(r) : err;
}

int xs_do_is_introduced(struct xs_req *r)
{
	const char *a = xs_onearg(r);
	struct xs_domain *d;

	if (!a)
		return EINVAL;
	d = dom_find(atoid(a), false);
	return xs_reply_str(r, d && d->introduced ? "T" : "F");
}

int xs_do_set_target(struct xs_req *r)
{
	const char *v[2];
	struct xs_domain *d, *t;

	if (xs_get_strings(r, v, 2) < 2)
		return EINVAL;
	d = dom_find(atoid(v[0]), false);
	t = dom_find(atoid(v[1]), false);
	if (!d || !d->introduced || !t || !t->introduced)
		return ENOENT;
	d->target = t->id;
	if (d->conn)
		d->conn->who.target = t->id;
	return xs_ack(r);
}

int xs_do_get_domain_path(struct xs_req *r)
{
	char path[32];
	const char *a = xs_onearg(r);

	if (!a)
		return EINVAL;
	/* Any number, as xenstored prints it: a path needs no domain. */
	xs_domain_path((unsigned)atoi(a), path, sizeof(path));
	return xs_reply_str(r, path);
}
