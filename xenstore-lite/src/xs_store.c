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

static struct xs_perms *perms_or_null(const struct xs_node *n)
{
	return n ? xs_node_perms(n) : NULL;
}

static void fill_view(const struct xs_node *n, struct xs_view *v)
{
	v->value = xs_node_value(n);
	v->vlen = xs_node_vlen(n);
	v->perms = xs_node_perms(n);
	v->gen = xs_node_kids_gen(n);
}

/* Existence in the caller's view: 0, ENOENT, or a transaction error. */
static int view_lookup(struct xs_req *r, const char *path, size_t len,
		       struct xs_view *v)
{
	const struct xs_node *n;

	if (r->txn)
		return xs_txn_lookup(r->txn, path, len, v);
	n = xs_tree_lookup(path, len, NULL);
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
	const struct xs_node *n;

	if (r->txn)
		return xs_txn_children(r->txn, path, strlen(path), cb, arg);
	n = xs_tree_lookup(path, strlen(path), NULL);
	return n ? xs_tree_children(n, cb, arg) : ENOENT;
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
 * built, valid while the node's child list has the same generation. Every
 * child added or removed anywhere takes a fresh clock value, so a child
 * list generation names one list of one node.
 */
static struct names cached;
static uint64_t cached_gen;
static struct names scratch;	/* transaction views: never cached */

int xs_store_list(struct xs_req *r, const char *path, const char **names,
		  size_t *len)
{
	struct names *out = r->txn ? &scratch : &cached;
	const struct xs_node *n = r->txn ? NULL :
				  xs_tree_lookup(path, strlen(path), NULL);
	uint64_t gen = n ? xs_node_kids_gen(n) : 0;
	int err = 0;

	if (!r->txn && !n)
		return ENOENT;
	if (r->txn || !gen || cached_gen != gen) {
		out->len = 0;
		cached_gen = 0;
		err = xs_store_children(r, path, add_name, out);
		if (!err && !r->txn)
			cached_gen = gen;
	}
	*names = out->buf ? out->buf : "";
	*len = out->len;
	return err;
}

static void fire(struct xs_req *r, const char *path, bool exact,
		 const struct xs_perms *old)
{
	const struct xs_node *n, *parent;

	if (r->txn) {
		xs_txn_mark_fire(r->txn, path, strlen(path), exact);
		return;
	}
	n = xs_tree_lookup(path, strlen(path), &parent);
	if (n)
		xs_watch_fire(path, exact, xs_node_perms(n),
			      perms_or_null(parent), old);
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
	unsigned owner;
	int err;

	if (!p)
		return ENOMEM;
	if (r->txn)
		return xs_txn_create(r->txn, path, len, p);
	owner = xs_perms_owner(p);
	if (!(err = xs_tree_add(path, len, p)))
		xs_store_account(owner, 1);
	return err;
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
	if (r->txn)
		return xs_txn_set_value(r->txn, path, strlen(path), val, len);
	return xs_tree_set_value(path, strlen(path), val, len);
}

int xs_store_write(struct xs_req *r, const char *path, const void *val,
		   uint32_t len, bool mkdir_only)
{
	struct xs_view v;
	int err;

	if (!r->who.priv && len > xs_quota.node_size) {
		/* As in xenstored, an oversized write fails its transaction. */
		if (r->txn)
			xs_txn_poison(r->txn);
		return ENOSPC;
	}
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

static void rm_visit(const struct xs_node *n, const struct xs_node *parent,
		     const char *path, size_t len, bool top, void *arg)
{
	(void)arg;
	(void)len;
	xs_store_account(xs_perms_owner(xs_node_perms(n)), -1);
	xs_watch_fire(path, !top, xs_node_perms(n), perms_or_null(parent),
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
	return xs_tree_remove(buf, len, rm_visit, NULL);
}

int xs_store_set_perms(struct xs_req *r, const char *path,
		       struct xs_perms *perms)
{
	struct xs_view v;
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
	old = xs_perms_get(v.perms);
	err = xs_tree_set_perms(path, strlen(path), xs_perms_get(perms));
	if (!err) {
		xs_store_account(xs_perms_owner(old), -1);
		xs_store_account(xs_perms_owner(perms), 1);
		fire(r, path, false, old);
	}
	xs_perms_put(old);
	return err;
}

/* Commit helpers: the transaction's changes replayed on the tree. */
int xs_store_commit_node(const char *path, size_t len, const char *val,
			 uint32_t vlen, struct xs_perms *perms, bool do_fire)
{
	const struct xs_node *n = xs_tree_lookup(path, len, NULL), *parent;
	/* Decided before any change: changes move records (xs_tree.h). */
	bool same_value = n ? vlen == xs_node_vlen(n) &&
			      (!vlen || !memcmp(val, xs_node_value(n), vlen)) : !vlen;
	struct xs_perms *old = NULL;
	int err = 0;

	if (!n) {
		err = xs_tree_add(path, len, xs_perms_get(perms));
		if (!err)
			xs_store_account(xs_perms_owner(perms), 1);
	} else if (!xs_perms_equal(xs_node_perms(n), perms)) {
		old = xs_perms_get(xs_node_perms(n));
		xs_store_account(xs_perms_owner(old), -1);
		xs_store_account(xs_perms_owner(perms), 1);
		err = xs_tree_set_perms(path, len, xs_perms_get(perms));
	}
	if (!err && !same_value)
		err = xs_tree_set_value(path, len, val, vlen);
	n = err ? NULL : xs_tree_lookup(path, len, &parent);
	if (n && do_fire)
		xs_watch_fire(path, false, xs_node_perms(n),
			      perms_or_null(parent), old);
	xs_perms_put(old);
	return err;
}

void xs_store_commit_rm(const char *path, size_t len)
{
	char buf[XS_PATH_BUF];

	if (len == 1)
		return;
	memcpy(buf, path, len);
	buf[len] = '\0';
	xs_tree_remove(buf, len, rm_visit, NULL);	/* absent: nothing to do */
}

int xs_store_init(void)
{
	static const char *const initial[] = { "/tool", "/tool/xenstored" };
	int err = xs_tree_init();

	for (size_t i = 0; !err && i < 2; i++) {
		struct xs_perms *p = xs_perms_simple(0, XS_PERM_NONE);
		err = p ? xs_tree_add(initial[i], strlen(initial[i]), p) : ENOMEM;
		if (!err)
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
	cached_gen = 0;
	xs_tree_fini();
}
