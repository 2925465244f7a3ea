/* Transaction overlay and commit. */
#include "xs_txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_gen.h"
#include "xs_hash.h"
#include "xs_path.h"
#include "xs_quota.h"
#include "xs_tree.h"

struct xs_kid {
	struct xs_kid *next;
	uint16_t nlen;
	char name[];
};

struct xs_tnode {
	struct xs_tnode *hnext, *onext;
	uint32_t hash, seq, plen;
	bool exists, modified, fire, fire_exact, kids_valid;
	bool was;		/* in the tree at first access */
	bool value_set, perms_set;	/* by this transaction (commit quota) */
	uint64_t seen;		/* clock at first access (xs_gen.h) */
	uint64_t kgen;		/* child list generation in this view */
	struct xs_perms *perms;
	char *value;
	uint32_t vlen;
	struct xs_kid *kids, *kids_tail;
	char path[];
};

#define TXN_BUCKETS 64u

struct xs_txn {
	struct xs_txn *next;
	uint32_t id, count, seq;
	int created;
	bool priv, fail;
	struct xs_gen_pin pin;	/* keeps the changes it may conflict with */
	struct xs_tnode *first, *last;
	struct xs_tnode *b[TXN_BUCKETS];
};

void xs_txn_poison(struct xs_txn *t)
{
	t->fail = true;
}

int xs_txn_created(const struct xs_txn *t)
{
	return t->created;
}

static struct xs_tnode *find(struct xs_txn *t, const char *path, size_t len,
			     uint32_t h)
{
	struct xs_tnode *e = t->b[h % TXN_BUCKETS];

	for (; e; e = e->hnext)
		if (e->hash == h && e->plen == len && !memcmp(e->path, path, len))
			return e;
	return NULL;
}

static int snapshot(struct xs_tnode *e)
{
	const struct xs_node *n = xs_tree_lookup(e->path, e->plen, NULL);
	uint32_t vlen;

	e->seen = xs_gen_now();
	if (!n)
		return 0;
	e->exists = e->was = true;
	e->kgen = xs_node_kids_gen(n);
	e->perms = xs_perms_get(xs_node_perms(n));
	if ((vlen = xs_node_vlen(n))) {
		e->value = malloc(vlen);
		if (!e->value)
			return ENOMEM;
		memcpy(e->value, xs_node_value(n), vlen);
		e->vlen = vlen;
	}
	return 0;
}

static void kids_free(struct xs_tnode *e)
{
	while (e->kids) {
		struct xs_kid *k = e->kids;
		e->kids = k->next;
		free(k);
	}
	e->kids_tail = NULL;
}

static void tnode_free(struct xs_tnode *e)
{
	kids_free(e);
	xs_perms_put(e->perms);
	free(e->value);
	free(e);
}

static struct xs_tnode *tnode_new(struct xs_txn *t, const char *path,
				  size_t len, uint32_t h, int *err)
{
	struct xs_tnode *e;

	if (!t->priv && t->count >= xs_quota.txn_nodes) {
		t->fail = true;
		*err = ENOSPC;
		return NULL;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e) {
		t->fail = true;
		*err = ENOMEM;
		return NULL;
	}
	memcpy(e->path, path, len);
	e->plen = (uint32_t)len;
	if ((*err = snapshot(e))) {
		tnode_free(e);
		t->fail = true;
		return NULL;
	}
	e->hash = h;
	e->seq = t->seq++;
	e->hnext = t->b[h % TXN_BUCKETS];
	t->b[h % TXN_BUCKETS] = e;
	if (t->last)
		t->last->onext = e;
	else
		t->first = e;
	t->last = e;
	t->count++;
	return e;
}

/* The transaction's record of path, made (and the access noted) on the
 * first touch. */
static struct xs_tnode *entry(struct xs_txn *t, const char *path, size_t len,
			      int *err)
{
	uint32_t h = xs_hash(path, len);
	struct xs_tnode *e = find(t, path, len, h);

	*err = 0;
	return e ? e : tnode_new(t, path, len, h, err);
}

int xs_txn_lookup(struct xs_txn *t, const char *path, size_t len,
		  struct xs_view *v)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err);

	if (!e)
		return err;
	if (!e->exists)
		return ENOENT;
	v->value = e->value;
	v->vlen = e->vlen;
	v->perms = e->perms;
	v->gen = e->kgen;
	return 0;
}

static int kid_cmp(const struct xs_kid *k, const char *name, size_t nlen)
{
	return xs_name_cmp(k->name, k->nlen, name, nlen);
}

/* Keep the list in name order, like a committed child list: appending
 * (copying a committed list, or names created in order) is O(1). */
static int kid_add(struct xs_tnode *e, const char *name, size_t nlen)
{
	struct xs_kid *k = malloc(sizeof(*k) + nlen + 1), **p = &e->kids;

	if (!k)
		return ENOMEM;
	memcpy(k->name, name, nlen);
	k->name[nlen] = '\0';
	k->nlen = (uint16_t)nlen;
	if (!e->kids_tail || kid_cmp(e->kids_tail, name, nlen) < 0) {
		k->next = NULL;
		if (e->kids_tail)
			e->kids_tail->next = k;
		else
			e->kids = k;
		e->kids_tail = k;
		return 0;
	}
	while (kid_cmp(*p, name, nlen) < 0)
		p = &(*p)->next;
	k->next = *p;
	*p = k;
	return 0;
}

static void kid_del(struct xs_tnode *e, const char *name, size_t nlen)
{
	struct xs_kid **p = &e->kids, *prev = NULL;

	for (; *p; prev = *p, p = &(*p)->next) {
		if ((*p)->nlen == nlen && !memcmp((*p)->name, name, nlen)) {
			struct xs_kid *k = *p;
			*p = k->next;
			if (e->kids_tail == k)
				e->kids_tail = prev;
			free(k);
			return;
		}
	}
}

static int copy_kid(const char *name, size_t nlen, void *arg)
{
	return kid_add(arg, name, nlen);
}

/* Copy the committed child list the first time the transaction needs it
 * (if the node went away since, commit will fail anyway). */
static int materialize(struct xs_tnode *e)
{
	const struct xs_node *n;

	if (e->kids_valid)
		return 0;
	e->kids_valid = true;
	n = e->was ? xs_tree_lookup(e->path, e->plen, NULL) : NULL;
	return n ? xs_tree_children(n, copy_kid, e) : 0;
}

int xs_txn_children(struct xs_txn *t, const char *path, size_t len,
		    xs_child_cb *cb, void *arg)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err);

	if (!e)
		return err;
	if (!e->exists)
		return ENOENT;
	if ((err = materialize(e)))
		return err;
	for (struct xs_kid *k = e->kids; k; k = k->next)
		if ((err = cb(k->name, k->nlen, arg)))
			return err;
	return 0;
}

static struct xs_tnode *parent_entry(struct xs_txn *t, const char *path,
				     size_t len, int *err)
{
	struct xs_tnode *p = entry(t, path, xs_path_parent_len(path, len), err);

	if (p && !p->exists) {
		*err = ENOENT;
		return NULL;
	}
	if (p && (*err = materialize(p)))
		return NULL;
	return p;
}

int xs_txn_create(struct xs_txn *t, const char *path, size_t len,
		  struct xs_perms *perms)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err), *p;

	if (!e || !(p = parent_entry(t, path, len, &err)) ||
	    (err = kid_add(p, path + p->plen + (p->plen > 1),
			   len - p->plen - (p->plen > 1)))) {
		xs_perms_put(perms);
		return err;
	}
	p->kgen = xs_gen_next();
	xs_perms_put(e->perms);
	e->perms = perms;
	e->exists = e->modified = e->kids_valid = true;
	t->created++;
	return 0;
}

int xs_txn_set_value(struct xs_txn *t, const char *path, size_t len,
		     const void *val, uint32_t vlen)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err);
	char *nv = NULL;

	if (!e)
		return err;
	if (vlen && !(nv = malloc(vlen)))
		return ENOMEM;
	if (vlen)
		memcpy(nv, val, vlen);
	free(e->value);
	e->value = nv;
	e->vlen = vlen;
	e->modified = e->value_set = true;
	return 0;
}

int xs_txn_set_perms(struct xs_txn *t, const char *path, size_t len,
		     struct xs_perms *perms)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err);

	if (!e)
		return err;
	xs_perms_put(e->perms);
	e->perms = xs_perms_get(perms);
	e->modified = e->perms_set = true;
	return 0;
}

static int remove_kid(struct xs_txn *t, struct xs_tnode *e,
		      const struct xs_kid *k);

static int remove_rec(struct xs_txn *t, struct xs_tnode *e, bool top)
{
	int err = materialize(e);

	for (struct xs_kid *k = e->kids; !err && k; k = k->next)
		err = remove_kid(t, e, k);
	if (err)
		return err;
	kids_free(e);
	t->created -= !e->was;
	e->exists = false;
	e->modified = true;
	free(e->value);
	e->value = NULL;
	e->vlen = 0;
	xs_txn_mark_fire(t, e->path, e->plen, !top);
	return 0;
}

/* Heap path: deep trees would otherwise put pages of stack per level. */
static int remove_kid(struct xs_txn *t, struct xs_tnode *e,
		      const struct xs_kid *k)
{
	size_t l = e->plen + (e->plen > 1) + k->nlen;
	char *path = malloc(l + 1);
	struct xs_tnode *c;
	int err;

	if (!path)
		return ENOMEM;
	memcpy(path, e->path, e->plen);
	path[e->plen] = '/';
	memcpy(path + l - k->nlen, k->name, k->nlen);
	path[l] = '\0';
	c = entry(t, path, l, &err);
	free(path);
	if (c && c->exists)
		err = remove_rec(t, c, false);
	return err;
}

int xs_txn_remove(struct xs_txn *t, const char *path, size_t len)
{
	int err;
	struct xs_tnode *e = entry(t, path, len, &err), *p;

	if (!e || !(p = parent_entry(t, path, len, &err)))
		return err;
	if ((err = remove_rec(t, e, true)))
		return err;
	kid_del(p, path + p->plen + (p->plen > 1),
		len - p->plen - (p->plen > 1));
	p->kgen = xs_gen_next();
	return 0;
}

void xs_txn_mark_fire(struct xs_txn *t, const char *path, size_t len,
		      bool exact)
{
	struct xs_tnode *e = find(t, path, len, xs_hash(path, len));

	if (!e)
		return;
	if (!e->fire) {
		e->fire = true;
		e->fire_exact = exact;
	} else if (!exact) {
		e->fire_exact = false;
	}
}

/* ---- lifecycle and commit ---- */

int xs_txn_start(struct xs_conn *c, bool priv, uint32_t *id)
{
	struct xs_txn *t;

	if (!priv && c->ntxns >= xs_quota.transactions)
		return ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	/* Ids are per connection; skip 0 (no transaction) and ids in use. */
	do {
		t->id = ++c->next_txid;
	} while (t->id == 0 || xs_txn_find(c, t->id));
	t->priv = priv;
	xs_gen_pin(&t->pin);
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	*id = t->id;
	return 0;
}

struct xs_txn *xs_txn_find(struct xs_conn *c, uint32_t id)
{
	for (struct xs_txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void txn_free(struct xs_txn *t)
{
	struct xs_tnode *e = t->first, *n;

	for (; e; e = n) {
		n = e->onext;
		tnode_free(e);
	}
	xs_gen_unpin(&t->pin);
	free(t);
}

static void unlink_txn(struct xs_conn *c, struct xs_txn *t)
{
	struct xs_txn **p = &c->txns;

	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
	c->ntxns--;
}

static bool conflicts(const struct xs_txn *t)
{
	for (const struct xs_tnode *e = t->first; e; e = e->onext)
		if (xs_gen_of(e->path, e->plen) > e->seen)
			return true;
	return false;
}

static int by_depth(const void *a, const void *b)
{
	const struct xs_tnode *x = *(struct xs_tnode *const *)a;
	const struct xs_tnode *y = *(struct xs_tnode *const *)b;
	unsigned dx = xs_path_depth(x->path), dy = xs_path_depth(y->path);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Parents before children (a child needs its parent); siblings in the
 * order the transaction created them (the tree sorts them anyway). */
static int apply(struct xs_txn *t)
{
	struct xs_tnode **v = malloc(t->count * sizeof(*v) + 1);
	uint32_t n = 0;

	if (!v)
		return ENOMEM;
	for (struct xs_tnode *e = t->first; e; e = e->onext)
		if (e->modified)
			v[n++] = e;
	qsort(v, n, sizeof(*v), by_depth);
	for (uint32_t i = 0; i < n; i++) {
		struct xs_tnode *e = v[i];
		if (!e->exists)
			xs_store_commit_rm(e->path, e->plen);
		else
			xs_store_commit_node(e->path, e->plen, e->value,
					     e->vlen, e->perms, e->fire);
	}
	free(v);
	return 0;
}

/* ---- quotas at commit ----
 * Each request in a transaction is checked against the committed tree as
 * it was plus this transaction's own changes; several transactions, each
 * under quota, would together exceed it. So, as the C xenstored does
 * (transaction_fix_domains), the commit re-checks every per-domain quota
 * against the tree as it is now and refuses the whole commit (ENOSPC)
 * before applying anything. */

struct owner_delta {
	unsigned owner;
	int delta;
};

struct node_deltas {
	struct owner_delta *v;
	uint32_t n;
};

static void count_owner(struct node_deltas *d, unsigned owner, int delta)
{
	uint32_t i = 0;

	while (i < d->n && d->v[i].owner != owner)
		i++;
	if (i == d->n)
		d->v[d->n++] = (struct owner_delta){ owner, 0 };
	d->v[i].delta += delta;
}

/* How the commit would change each owner's node count. */
static void node_deltas(const struct xs_txn *t, struct node_deltas *d)
{
	for (const struct xs_tnode *e = t->first; e; e = e->onext) {
		const struct xs_node *n;

		if (!e->modified)
			continue;
		n = xs_tree_lookup(e->path, e->plen, NULL);
		if (n && (!e->exists ||
			  xs_perms_owner(xs_node_perms(n)) != xs_perms_owner(e->perms)))
			count_owner(d, xs_perms_owner(xs_node_perms(n)), -1);
		if (e->exists && (!n ||
			  xs_perms_owner(xs_node_perms(n)) != xs_perms_owner(e->perms)))
			count_owner(d, xs_perms_owner(e->perms), 1);
	}
}

static int node_count_quota(const struct xs_txn *t)
{
	struct node_deltas d = { malloc(t->count * sizeof(*d.v) * 2 + 1), 0 };
	int err = 0;

	if (!d.v)
		return ENOMEM;
	node_deltas(t, &d);
	for (uint32_t i = 0; !err && i < d.n; i++)
		if (d.v[i].delta > 0 &&
		    xs_domain_nodes(d.v[i].owner) + (unsigned)d.v[i].delta > xs_quota.nodes)
			err = ENOSPC;
	free(d.v);
	return err;
}

/* Node size and permission entries this transaction set: the limits may
 * have been lowered (CONTROL quota) since the request was accepted. What
 * a node inherited or already had is not the transaction's doing. */
static int node_limits_quota(const struct xs_txn *t)
{
	for (const struct xs_tnode *e = t->first; e; e = e->onext) {
		if (!e->exists)
			continue;
		if ((e->value_set && e->vlen > xs_quota.node_size) ||
		    (e->perms_set && e->perms->n > xs_quota.perms))
			return ENOSPC;
	}
	return 0;
}

static int commit_quota(const struct xs_txn *t)
{
	int err;

	if (t->priv)
		return 0;
	err = node_limits_quota(t);
	return err ? err : node_count_quota(t);
}

int xs_txn_end(struct xs_conn *c, struct xs_txn *t, bool commit)
{
	int err = 0;

	unlink_txn(c, t);
	if (commit && t->fail)
		err = ENOMEM;
	else if (commit && conflicts(t))
		err = EAGAIN;
	else if (commit && !(err = commit_quota(t)))
		err = apply(t);
	txn_free(t);
	return err;
}

void xs_txn_free_all(struct xs_conn *c)
{
	while (c->txns) {
		struct xs_txn *t = c->txns;
		c->txns = t->next;
		txn_free(t);
	}
	c->ntxns = 0;
}
