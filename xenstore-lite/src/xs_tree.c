/* Node store: variable-size records in the arena, sorted child arrays
 * found by binary search from the root (see xs_tree.h). */
#include "xs_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_arena.h"
#include "xs_gen.h"
#include "xs_path.h"

#define NLEN_BITS 12u		/* a component is at most 3072 bytes */
#define VLEN_BITS 13u		/* a value at most 4096 */
#define NLEN_MAX ((1u << NLEN_BITS) - 1)
#define VLEN_MAX ((1u << VLEN_BITS) - 1)
#define HAS_KIDS (1u << (NLEN_BITS + VLEN_BITS))

struct xs_node {
	uint32_t perms;		/* xs_perms id; the node holds a reference */
	uint32_t meta;		/* nlen | vlen << NLEN_BITS | HAS_KIDS */
	/* uint32_t kids if HAS_KIDS, then the name, then the value */
};

/* A child array: record handles sorted by name. Entries on the free
 * list have cap KIDS_FREE and the next free id in n. */
struct kids {
	uint32_t n, cap;
	uint32_t *h;
	uint64_t gen;		/* last child added or removed */
};
#define KIDS_FREE UINT32_MAX

static uint32_t root;
static struct kids *kt;
static uint32_t nkt = 1, capkt, free_kt;	/* id 0 = no array */
static size_t nnodes;

size_t xs_tree_count(void)
{
	return nnodes;
}

/* ---- records ---- */

static struct xs_node *rec(uint32_t h)
{
	return xs_arena_ptr(h);
}

static uint32_t nlen_of(const struct xs_node *n)
{
	return n->meta & NLEN_MAX;
}

uint32_t xs_node_vlen(const struct xs_node *n)
{
	return (n->meta >> NLEN_BITS) & VLEN_MAX;
}

static size_t hdr_of(const struct xs_node *n)
{
	return sizeof(*n) + (n->meta & HAS_KIDS ? sizeof(uint32_t) : 0);
}

static size_t size_of(const struct xs_node *n)
{
	return hdr_of(n) + nlen_of(n) + xs_node_vlen(n);
}

static uint32_t kids_id(const struct xs_node *n)
{
	return n->meta & HAS_KIDS ? *(const uint32_t *)(n + 1) : 0;
}

static const char *name_of(const struct xs_node *n)
{
	return (const char *)n + hdr_of(n);
}

const char *xs_node_value(const struct xs_node *n)
{
	return xs_node_vlen(n) ? name_of(n) + nlen_of(n) : NULL;
}

struct xs_perms *xs_node_perms(const struct xs_node *n)
{
	return xs_perms_by_id(n->perms);
}

uint64_t xs_node_kids_gen(const struct xs_node *n)
{
	uint32_t k = kids_id(n);

	return k ? kt[k].gen : 0;
}

/* Arena objects come in classes of XS_ARENA_UNIT: same class, same object. */
static bool same_class(size_t a, size_t b)
{
	return (a + XS_ARENA_UNIT - 1) / XS_ARENA_UNIT == (b + XS_ARENA_UNIT - 1) / XS_ARENA_UNIT;
}

static uint32_t rec_new(const char *name, size_t nlen, struct xs_perms *p)
{
	uint32_t h = xs_arena_alloc(sizeof(struct xs_node) + nlen);
	struct xs_node *n;

	if (!h)
		return 0;
	n = rec(h);
	n->perms = p->id;
	n->meta = (uint32_t)nlen;
	memcpy(n + 1, name, nlen);
	return h;
}

/* ---- child arrays ---- */

static uint32_t kids_new(void)
{
	uint32_t id = free_kt;

	if (id) {
		free_kt = kt[id].n;
	} else {
		if (nkt >= capkt) {
			uint32_t c = capkt ? capkt * 2 : 64;
			struct kids *k = realloc(kt, c * sizeof(*k));
			if (!k)
				return 0;
			kt = k;
			capkt = c;
		}
		id = nkt++;
	}
	memset(&kt[id], 0, sizeof(kt[id]));
	return id;
}

static void kids_free(uint32_t id)
{
	free(kt[id].h);
	kt[id] = (struct kids){ .n = free_kt, .cap = KIDS_FREE };
	free_kt = id;
}

/* Room for one more handle; 1.5x growth keeps the slack near 20%. */
static int kids_reserve(struct kids *k)
{
	uint32_t c = k->cap < 4 ? 4 : k->cap + k->cap / 2;
	uint32_t *h;

	if (k->n < k->cap)
		return 0;
	if (!(h = realloc(k->h, c * sizeof(*h))))
		return ENOMEM;
	k->h = h;
	k->cap = c;
	return 0;
}

static void kids_erase(struct kids *k, uint32_t pos)
{
	memmove(&k->h[pos], &k->h[pos + 1], (k->n - pos - 1) * sizeof(*k->h));
	k->n--;
	if (k->cap > 16 && k->n < k->cap / 4) {
		uint32_t *h = realloc(k->h, k->cap / 2 * sizeof(*h));
		if (h) {	/* keeping the bigger array is harmless */
			k->h = h;
			k->cap /= 2;
		}
	}
}

/* Index of name in k, or -(insertion point) - 1. */
static long kids_find(const struct kids *k, const char *name, size_t len)
{
	uint32_t lo = 0, hi = k->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct xs_node *n = rec(k->h[mid]);
		int c = xs_name_cmp(name, len, name_of(n), nlen_of(n));
		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

/* ---- walking ---- */

/* A node found by path, and where its handle lives (so it can move). */
struct loc {
	uint32_t h;		/* the node, 0 if absent */
	uint32_t parent;	/* parent's handle, 0 for the root */
	uint32_t kid;		/* parent's child array */
	uint32_t pos;		/* index in it */
};

static uint32_t *loc_slot(const struct loc *l)
{
	return l->kid ? &kt[l->kid].h[l->pos] : &root;
}

static void walk(const char *path, size_t len, struct loc *l)
{
	size_t i = 1;

	*l = (struct loc){ .h = root };
	while (i < len && l->h) {
		const char *c = path + i, *e = memchr(c, '/', len - i);
		size_t cl = e ? (size_t)(e - c) : len - i;
		long pos;

		l->parent = l->h;
		l->kid = kids_id(rec(l->h));
		pos = l->kid ? kids_find(&kt[l->kid], c, cl) : -1;
		l->pos = pos < 0 ? 0 : (uint32_t)pos;
		l->h = pos < 0 ? 0 : kt[l->kid].h[pos];
		i += cl + 1;
	}
}

const struct xs_node *xs_tree_lookup(const char *path, size_t len,
				     const struct xs_node **parent)
{
	struct loc l;

	walk(path, len, &l);
	if (parent)
		*parent = l.h && l.parent ? rec(l.parent) : NULL;
	return l.h ? rec(l.h) : NULL;
}

int xs_tree_children(const struct xs_node *n, xs_tree_child_cb *cb,
		     void *arg)
{
	uint32_t k = kids_id(n);
	int err = 0;

	for (uint32_t i = 0; k && !err && i < kt[k].n; i++) {
		const struct xs_node *c = rec(kt[k].h[i]);
		err = cb(name_of(c), nlen_of(c), arg);
	}
	return err;
}

/* ---- changes ---- */

/* Move the node at l into a record with a child-array field. */
static int give_kids(struct loc *l)
{
	struct xs_node *n = rec(l->h), *m;
	size_t rest = nlen_of(n) + xs_node_vlen(n);
	uint32_t kid = kids_new(), h;

	if (!kid)
		return ENOMEM;
	if (!(h = xs_arena_alloc(sizeof(*n) + sizeof(kid) + rest))) {
		kids_free(kid);
		return ENOMEM;
	}
	m = rec(h);
	m->perms = n->perms;
	m->meta = n->meta | HAS_KIDS;
	memcpy(m + 1, &kid, sizeof(kid));
	memcpy((char *)(m + 1) + sizeof(kid), n + 1, rest);
	xs_arena_free(l->h, sizeof(*n) + rest);
	*loc_slot(l) = l->h = h;
	return 0;
}

/* Parent exists, name is new: reserve everything before changing. */
static int add_prepare(const char *path, size_t len, size_t pl,
		       struct loc *l, long *pos)
{
	size_t off = pl + (pl > 1);
	int err;

	walk(path, pl, l);
	if (!l->h)
		return ENOENT;
	if (len - off > NLEN_MAX || len == off)
		return EINVAL;
	if (!(rec(l->h)->meta & HAS_KIDS) && (err = give_kids(l)))
		return err;
	l->kid = kids_id(rec(l->h));
	*pos = kids_find(&kt[l->kid], path + off, len - off);
	if (*pos >= 0)
		return EEXIST;
	return kids_reserve(&kt[l->kid]);
}

int xs_tree_add(const char *path, size_t len, struct xs_perms *perms)
{
	size_t pl = xs_path_parent_len(path, len), off = pl + (pl > 1);
	struct loc l;
	struct kids *k;
	long pos;
	uint32_t h = 0, at;
	int err = pl ? add_prepare(path, len, pl, &l, &pos) : EINVAL;

	if (!err && !(h = rec_new(path + off, len - off, perms)))
		err = ENOMEM;
	if (err) {
		xs_perms_put(perms);
		return err;
	}
	k = &kt[l.kid];
	at = (uint32_t)(-pos - 1);
	memmove(&k->h[at + 1], &k->h[at], (k->n - at) * sizeof(*k->h));
	k->h[at] = h;
	k->n++;
	nnodes++;
	xs_gen_bump(path, len);
	k->gen = xs_gen_bump(path, pl);
	return 0;
}

int xs_tree_set_value(const char *path, size_t len, const void *v,
		      uint32_t vlen)
{
	struct loc l;
	struct xs_node *n;
	size_t keep, olds;
	uint32_t h;

	walk(path, len, &l);
	if (!l.h)
		return ENOENT;
	if (vlen > VLEN_MAX)
		return ENOSPC;
	n = rec(l.h);
	keep = hdr_of(n) + nlen_of(n);
	olds = keep + xs_node_vlen(n);
	h = l.h;
	if (!same_class(olds, keep + vlen)) {
		if (!(h = xs_arena_alloc(keep + vlen)))
			return ENOMEM;
		memcpy(rec(h), n, keep);
	}
	if (vlen)
		memmove((char *)rec(h) + keep, v, vlen);
	rec(h)->meta = (n->meta & ~(VLEN_MAX << NLEN_BITS)) | vlen << NLEN_BITS;
	if (h != l.h) {
		xs_arena_free(l.h, olds);
		*loc_slot(&l) = h;
	}
	xs_gen_bump(path, len);
	return 0;
}

int xs_tree_set_perms(const char *path, size_t len, struct xs_perms *perms)
{
	struct loc l;

	walk(path, len, &l);
	if (!l.h) {
		xs_perms_put(perms);
		return ENOENT;
	}
	xs_perms_put(xs_node_perms(rec(l.h)));
	rec(l.h)->perms = perms->id;
	xs_gen_bump(path, len);
	return 0;
}

/* Children first so callbacks still see each parent; path is extended
 * in place. Every removed path gets a new generation. */
static void remove_rec(uint32_t h, const struct xs_node *parent, char *path,
		       size_t len, bool top, xs_tree_visit *cb, void *arg)
{
	struct xs_node *n = rec(h);
	uint32_t k = kids_id(n);

	for (uint32_t i = 0; k && i < kt[k].n; i++) {
		const struct xs_node *c = rec(kt[k].h[i]);
		size_t cl = len + (len > 1) + nlen_of(c);
		if (len > 1)
			path[len] = '/';
		memcpy(path + cl - nlen_of(c), name_of(c), nlen_of(c));
		path[cl] = '\0';
		remove_rec(kt[k].h[i], n, path, cl, false, cb, arg);
	}
	path[len] = '\0';
	if (cb)
		cb(n, parent, path, len, top, arg);
	if (k)
		kids_free(k);
	xs_perms_put(xs_node_perms(n));
	xs_arena_free(h, size_of(n));
	nnodes--;
	xs_gen_bump(path, len);
}

int xs_tree_remove(char *path, size_t len, xs_tree_visit *cb, void *arg)
{
	struct loc l;
	struct kids *k;

	walk(path, len, &l);
	if (!l.h)
		return ENOENT;
	if (!l.parent)
		return EINVAL;	/* the root stays */
	remove_rec(l.h, rec(l.parent), path, len, true, cb, arg);
	k = &kt[l.kid];
	kids_erase(k, l.pos);
	k->gen = xs_gen_bump(path, xs_path_parent_len(path, len));
	return 0;
}

/* ---- lifetime ---- */

int xs_tree_init(void)
{
	struct xs_perms *p;

	if (xs_gen_init())
		return ENOMEM;
	p = xs_perms_simple(0, XS_PERM_NONE);
	if (!p || !(root = rec_new("", 0, p))) {
		xs_perms_put(p);
		return ENOMEM;
	}
	nnodes = 1;
	return 0;
}

static void release_rec(uint32_t h)
{
	struct xs_node *n = rec(h);
	uint32_t k = kids_id(n);

	for (uint32_t i = 0; k && i < kt[k].n; i++)
		release_rec(kt[k].h[i]);
	if (k)
		free(kt[k].h);
	xs_perms_put(xs_node_perms(n));
}

void xs_tree_fini(void)
{
	if (root)
		release_rec(root);
	free(kt);
	kt = NULL;
	nkt = 1;
	capkt = free_kt = 0;
	root = 0;
	nnodes = 0;
	xs_arena_fini();
	xs_gen_fini();
}
