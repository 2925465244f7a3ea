/* Node operations with xenstored's permission and error semantics. */
#include "xs_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_path.h"
#include "xs_quota.h"
#include "xs_tree.h"
#include "xs_txn.h"
#include "xs_watch.h"

void xs_store_account(unsigned owner, int delta)
{
	xs_domain_nodes_adjust(owner, delta);
}

static struct xs_perms *parent_perms(const struct xs_node *n)
{
	const struct xs_node *p = xs_node_parent(n);

	return p ? p->perms : NULL;
}

static void fill_view(const struct xs_node *n, struct xs_view *v)
{
	v->value = xs_node_value(n);
	v->vlen = n->vlen;
	v->perms = n->perms;
	v->gen = n->gen;
}

/* Existence in the caller's view: 0, ENOENT, or a transaction error. */
static int view_lookup(struct xs_req *r, const char *path, size_t len,
		       struct xs_view *v)
{
	struct xs_node *n;

	if (r->txn)
		return xs_txn_lookup(r->txn, path, len, v);
	n = xs_tree_lookup(path, len);
	if (!n)
		return ENOENT;
	fill_view(n, v);
	return 0;
}

/* Don't reveal whether an unreadable node exists: EACCES unless the
 * nearest existing parent grants the wanted permission. */
static int from_parents(struct xs_req *r, const char *path, size_t len,
			int err, unsigned perm)
{
	struct xs_view pv;
	int e;

	do {
		len = xs_path_parent_len(path, len);
		if (!len)
			return EACCES;
		e = view_lookup(r, path, len, &pv);
		if (e && e != ENOENT)
			return e;
	} while (e == ENOENT);
	return (xs_perms_for(pv.perms, &r->who) & perm) ? err : EACCES;
}

int xs_store_get(struct xs_req *r, const char *path, unsigned perm,
		 struct xs_view *v)
{
	size_t len = strlen(path);
	int err = view_lookup(r, path, len, v);

	if (!err && (xs_perms_for(v->perms, &r->who) & perm) != perm)
		err = EACCES;
	if (err && err != ENOMEM && err != ENOSPC)
		err = from_parents(r, path, len, err, perm);
	return err;
}

int xs_store_children(struct xs_req *r, const char *path, xs_child_cb *cb,
		      void *arg)
{
	struct xs_node *n, *c;
	int err;

	if (r->txn)
		return xs_txn_children(r->txn, path, strlen(path), cb, arg);
	n = xs_tree_lookup(path, strlen(path));
	if (!n)
		return ENOENT;
	for (c = xs_node_child(n); c; c = xs_node_next(c))
		if ((err = cb(xs_node_name(c), c->nlen, arg)))
			return err;
	return 0;
}

/* Growable buffer of NUL-separated child names. */
struct names {
	char *buf;
	size_t len, cap;
};

static int add_name(const char *name, size_t nlen, void *arg)
{
	struct names *n = arg;

	if (n->len + nlen + 1 > n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4096;
		char *b;
		while (cap < n->len + nlen + 1)
			cap *= 2;
		if (!(b = realloc(n->buf, cap)))
			return ENOMEM;
		n->buf = b;
		n->cap = cap;
	}
	memcpy(n->buf + n->len, name, nlen);
	n->buf[n->len + nlen] = '\0';
	n->len += nlen + 1;
	return 0;
}

/*
 * A listing over 4096 bytes costs libxenstore a DIRECTORY plus several
 * DIRECTORY_PARTs of the same node in a row: keep the last committed list
 * built, valid while it is the same node at the same generation (bumped by
 * every child added or removed; a new node never gets an old generation).
 */
static struct names cached;
static const struct xs_node *cached_node;
static uint64_t cached_gen;
static struct names scratch;	/* transaction views: never cached */

int xs_store_list(struct xs_req *r, const char *path, const char **names,
		  size_t *len)
{
	struct names *out = r->txn ? &scratch : &cached;
	struct xs_node *n = r->txn ? NULL : xs_tree_lookup(path, strlen(path));
	int err = 0;

	if (!r->txn && !n)
		return ENOENT;
	if (r->txn || cached_node != n || cached_gen != n->gen) {
		out->len = 0;
		cached_node = NULL;
		err = xs_store_children(r, path, add_name, out);
		if (!err && !r->txn) {
			cached_node = n;
			cached_gen = n->gen;
		}
	}
	*names = out->buf ? out->buf : "";
	*len = out->len;
	return err;
}

static void fire(struct xs_req *r, const char *path, bool exact,
		 const struct xs_perms *old)
{
	struct xs_node *n;

	if (r->txn) {
		xs_txn_mark_fire(r->txn, path, strlen(path), exact);
		return;
	}
	n = xs_tree_lookup(path, strlen(path));
	if (n)
		xs_watch_fire(path, exact, n->perms,
			      parent_perms(n), old);
}

static struct xs_perms *child_perms(struct xs_req *r, struct xs_perms *pp)
{
	/* Unprivileged domains own what they create. */
	return r->who.priv ? xs_perms_get(pp) : xs_perms_with_owner(pp, r->who.id);
}

static int create_one(struct xs_req *r, const char *path, size_t len,
		      struct xs_perms *pp)
{
	struct xs_perms *p = child_perms(r, pp);
	struct xs_node *parent;

	if (!p)
		return ENOMEM;
	if (r->txn)
		return xs_txn_create(r->txn, path, len, p);
	parent = xs_tree_lookup(path, xs_path_parent_len(path, len));
	if (!parent || !xs_tree_add(parent, path, len, p)) {
		xs_perms_put(p);
		return parent ? ENOMEM : ENOENT;
	}
	xs_store_account(xs_perms_owner(p), 1);
	return 0;
}

static int node_quota(struct xs_req *r, unsigned newnodes)
{
	unsigned have;

	if (r->who.priv)
		return 0;
	have = xs_domain_nodes(r->who.id) +
	       (r->txn ? xs_txn_created(r->txn) : 0);
	return have + newnodes > xs_quota.nodes ? ENOSPC : 0;
}

/* Find the nearest existing ancestor; *missing counts levels to create. */
static int find_base(struct xs_req *r, const char *path, size_t *blen,
		     struct xs_view *bv, unsigned *missing)
{
	size_t len = strlen(path);
	int err;

	*missing = 1;
	for (;;) {
		len = xs_path_parent_len(path, len);
		if (!len)
			return ENOENT;
		err = view_lookup(r, path, len, bv);
		if (err != ENOENT)
			break;
		(*missing)++;
	}
	*blen = len;
	return err;
}

/* Create path and its missing parents, top down, each inheriting perms. */
static int create_path(struct xs_req *r, const char *path)
{
	struct xs_view bv;
	size_t blen, len = strlen(path);
	unsigned missing;
	int err = find_base(r, path, &blen, &bv, &missing);

	if (!err)
		err = node_quota(r, missing);
	struct xs_perms *pp = err ? NULL : xs_perms_get(bv.perms);
	while (!err && blen < len) {
		const char *slash = memchr(path + blen + 1, '/', len - blen - 1);
		size_t l = slash ? (size_t)(slash - path) : len;
		err = create_one(r, path, l, pp);
		if (!err) {
			struct xs_view nv;
			err = view_lookup(r, path, l, &nv);
			xs_perms_put(pp);
			pp = err ? NULL : xs_perms_get(nv.perms);
		}
		blen = l;
	}
	xs_perms_put(pp);
	return err;
}

static int set_value(struct xs_req *r, const char *path, const void *val,
		     uint32_t len)
{
	struct xs_node *n;

	if (r->txn)
		return xs_txn_set_value(r->txn, path, strlen(path), val, len);
	n = xs_tree_lookup(path, strlen(path));
	return n ? xs_tree_set_value(n, val, len) : ENOENT;
}

int xs_store_write(struct xs_req *r, const char *path, const void *val,
		   uint32_t len, bool mkdir_only)
{
	struct xs_view v;
	int err;

	if (!r->who.priv && len > xs_quota.node_size)
		return ENOSPC;
	err = xs_store_get(r, path, XS_PERM_WRITE, &v);
	if (!err && mkdir_only)
		return 0;
	if (err == ENOENT)
		err = create_path(r, path);
	else if (err)
		return err;
	if (!err && (len || !mkdir_only))
		err = set_value(r, path, val, len);
	if (!err)
		fire(r, path, false, NULL);
	return err;
}

static void rm_visit(struct xs_node *n, const char *path, size_t len,
		     bool top, void *arg)
{
	(void)arg;
	(void)len;
	xs_store_account(xs_perms_owner(n->perms), -1);
	xs_watch_fire(path, !top, n->perms, parent_perms(n),
		      NULL);
}

int xs_store_rm(struct xs_req *r, const char *path)
{
	char buf[XS_PATH_BUF];
	struct xs_view v;
	size_t len = strlen(path);
	int err = xs_store_get(r, path, XS_PERM_WRITE, &v);

	if (err == ENOENT) {
		/* Removing nothing is fine if the parent exists. */
		size_t pl = xs_path_parent_len(path, len);
		return pl && !view_lookup(r, path, pl, &v) ? 0 : ENOENT;
	}
	if (err)
		return err;
	if (len == 1)
		return EINVAL;
	if (r->txn)
		return xs_txn_remove(r->txn, path, len);
	memcpy(buf, path, len + 1);
	xs_tree_remove(xs_tree_lookup(path, len), buf, len, rm_visit, NULL);
	return 0;
}

int xs_store_set_perms(struct xs_req *r, const char *path,
		       struct xs_perms *perms)
{
	struct xs_view v;
	struct xs_node *n;
	struct xs_perms *old;
	int err = xs_store_get(r, path, XS_PERM_WRITE | XS_PERM_OWNER, &v);

	if (err)
		return err;
	if (!r->who.priv && xs_perms_owner(perms) != xs_perms_owner(v.perms))
		return EPERM;
	if (r->txn) {
		err = xs_txn_set_perms(r->txn, path, strlen(path), perms);
		if (!err)
			fire(r, path, false, NULL);
		return err;
	}
	n = xs_tree_lookup(path, strlen(path));
	old = xs_perms_get(n->perms);
	xs_store_account(xs_perms_owner(old), -1);
	xs_store_account(xs_perms_owner(perms), 1);
	xs_tree_set_perms(n, xs_perms_get(perms));
	fire(r, path, false, old);
	xs_perms_put(old);
	return 0;
}

/* Commit helpers: the transaction's changes replayed on the tree. */
int xs_store_commit_node(const char *path, size_t len, const char *val,
			 uint32_t vlen, struct xs_perms *perms, bool do_fire)
{
	struct xs_node *n = xs_tree_lookup(path, len), *parent;
	struct xs_perms *old = NULL;

	if (!n) {
		parent = xs_tree_lookup(path, xs_path_parent_len(path, len));
		if (!parent)
			return ENOENT;
		n = xs_tree_add(parent, path, len, xs_perms_get(perms));
		if (!n)
			return ENOMEM;
		xs_store_account(xs_perms_owner(perms), 1);
	} else if (!xs_perms_equal(n->perms, perms)) {
		old = xs_perms_get(n->perms);
		xs_store_account(xs_perms_owner(old), -1);
		xs_store_account(xs_perms_owner(perms), 1);
		xs_tree_set_perms(n, xs_perms_get(perms));
	}
	if (vlen != n->vlen || (vlen && memcmp(val, xs_node_value(n), vlen)))
		xs_tree_set_value(n, val, vlen);
	if (do_fire)
		xs_watch_fire(path, false, n->perms,
			      parent_perms(n), old);
	xs_perms_put(old);
	return 0;
}

void xs_store_commit_rm(const char *path, size_t len)
{
	char buf[XS_PATH_BUF];
	struct xs_node *n = xs_tree_lookup(path, len);

	if (!n || len == 1)
		return;
	memcpy(buf, path, len);
	buf[len] = '\0';
	xs_tree_remove(n, buf, len, rm_visit, NULL);
}

int xs_store_init(void)
{
	static const char *const initial[] = { "/tool", "/tool/xenstored" };
	struct xs_node *parent;
	int err = xs_tree_init();

	for (size_t i = 0; !err && i < 2; i++) {
		size_t len = strlen(initial[i]);
		parent = xs_tree_lookup(initial[i], xs_path_parent_len(initial[i], len));
		if (!xs_tree_add(parent, initial[i], len,
				 xs_perms_simple(0, XS_PERM_NONE)))
			err = ENOMEM;
		else
			xs_store_account(0, 1);
	}
	return err;
}

void xs_store_fini(void)
{
	free(cached.buf);
	free(scratch.buf);
	memset(&cached, 0, sizeof(cached));
	memset(&scratch, 0, sizeof(scratch));
	cached_node = NULL;
	xs_tree_fini();
}
