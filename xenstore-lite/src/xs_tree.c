/* Node store: records by 32-bit index, blobs in the arena, an
 * open-addressed path index, child lists that are never rewritten. */
#include "xs_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_arena.h"
#include "xs_path.h"

#define CHUNK_SHIFT 10u		/* 1024 records (40 KiB) per chunk */
#define CHUNK (1u << CHUNK_SHIFT)
#define ROOT 1u
#define FREE_MARK 0xffffffffu	/* in prev: record is on the free list */

/* Index slots hold (hash >> 24) << 24 | record: 8 hash bits reject most
 * probes without touching the record. Records stay below 2^24 - 1. */
#define IDX_BITS 24u
#define IDX_MASK ((1u << IDX_BITS) - 1)
#define MAX_REC (IDX_MASK - 1)
#define TOMB IDX_MASK		/* deleted slot; 0 is empty */

static struct xs_node **chunks;
static uint32_t nchunks, nrec, free_rec;
static uint32_t *slots;
static uint32_t nslots, ntomb;
static size_t nnodes;
static uint64_t generation;

uint32_t xs_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a: cheap and good on short keys */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

uint64_t xs_tree_next_gen(void)
{
	return ++generation;
}

size_t xs_tree_count(void)
{
	return nnodes;
}

static struct xs_node *at(uint32_t i)
{
	return i ? &chunks[i >> CHUNK_SHIFT][i & (CHUNK - 1)] : NULL;
}

struct xs_node *xs_tree_root(void)
{
	return nrec ? at(ROOT) : NULL;
}

/* A record's own index, from its neighbours: no field needed for it. */
static uint32_t idx_of(const struct xs_node *n)
{
	const struct xs_node *p = at(n->parent);

	if (!p)
		return ROOT;
	return at(p->child) == n ? p->child : at(n->prev)->next;
}

struct xs_node *xs_node_parent(const struct xs_node *n)
{
	return at(n->parent);
}

struct xs_node *xs_node_child(const struct xs_node *n)
{
	return at(n->child);
}

struct xs_node *xs_node_next(const struct xs_node *n)
{
	return at(n->next);
}

const char *xs_node_name(const struct xs_node *n)
{
	return n->blob ? xs_arena_ptr(n->blob) : "";
}

const char *xs_node_value(const struct xs_node *n)
{
	return n->vlen ? (const char *)xs_arena_ptr(n->blob) + n->nlen : NULL;
}

/* Compare a node with a path from the last component up, without
 * materialising the node's full path. */
static bool node_is(const struct xs_node *n, const char *path, size_t len)
{
	for (; n->parent; n = at(n->parent)) {
		if (len < (size_t)n->nlen + 1u)
			return false;
		len -= n->nlen;
		if (memcmp(path + len, xs_node_name(n), n->nlen) ||
		    path[len - 1] != '/')
			return false;
		len--;
	}
	return len == 0 || (len == 1 && path[0] == '/');
}

struct xs_node *xs_tree_lookup(const char *path, size_t len)
{
	uint32_t h = xs_hash(path, len), tag = h & ~IDX_MASK, s;

	for (uint32_t i = h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		s = slots[i];
		if (!s)
			return NULL;
		if ((s & ~IDX_MASK) == tag && (s & IDX_MASK) != TOMB &&
		    node_is(at(s & IDX_MASK), path, len))
			return at(s & IDX_MASK);
	}
}

static void slot_put(uint32_t h, uint32_t idx)
{
	uint32_t i = h & (nslots - 1);

	while (slots[i] && slots[i] != TOMB)
		i = (i + 1) & (nslots - 1);
	ntomb -= slots[i] == TOMB;
	slots[i] = (h & ~IDX_MASK) | idx;
}

static void slot_del(uint32_t h, uint32_t idx)
{
	uint32_t i = h & (nslots - 1);

	while ((slots[i] & IDX_MASK) != idx || slots[i] == TOMB)
		i = (i + 1) & (nslots - 1);
	slots[i] = TOMB;
	ntomb++;
}

/* Rebuild the index at load <= 13/16 (drops tombstones); hashes are
 * recomputed from the paths, so records need not store them. */
static int reindex(void)
{
	char path[XS_PATH_BUF];
	uint32_t n = nslots ? nslots : 1024, *old = slots;

	while ((nnodes + 1) * 16 > (size_t)n * 13)
		n *= 2;
	if (!(slots = calloc(n, sizeof(*slots)))) {
		slots = old;
		return ENOMEM;
	}
	nslots = n;
	ntomb = 0;
	for (uint32_t i = ROOT; i <= nrec; i++)
		if (at(i)->prev != FREE_MARK)
			slot_put(xs_hash(path, xs_node_path(at(i), path,
							    sizeof(path))), i);
	free(old);
	return 0;
}

/* Linear probing stays short below 7/8 full, counting tombstones. */
static int index_room(void)
{
	if ((nnodes + ntomb + 1) * 8 <= (size_t)nslots * 7)
		return 0;
	return reindex();
}

static uint32_t rec_alloc(void)
{
	uint32_t i = free_rec;

	if (i) {
		free_rec = at(i)->next;
		return i;
	}
	if (nrec + 1 > MAX_REC)
		return 0;
	if (((nrec + 1) >> CHUNK_SHIFT) >= nchunks) {
		struct xs_node **c = realloc(chunks, (nchunks + 1) * sizeof(*c));
		if (!c)
			return 0;
		chunks = c;
		if (!(chunks[nchunks] = malloc(CHUNK * sizeof(struct xs_node))))
			return 0;
		nchunks++;
	}
	return ++nrec;
}

static void rec_free(uint32_t i)
{
	struct xs_node *n = at(i);

	n->prev = FREE_MARK;
	n->next = free_rec;
	free_rec = i;
}

static uint32_t node_new(const char *name, size_t nlen,
			 struct xs_perms *perms)
{
	uint32_t blob = xs_arena_alloc(nlen), i;
	struct xs_node *n;

	if ((nlen && !blob) || !(i = rec_alloc())) {
		xs_arena_free(blob, nlen);
		return 0;
	}
	n = at(i);
	memset(n, 0, sizeof(*n));
	if (nlen)
		memcpy(xs_arena_ptr(blob), name, nlen);
	n->blob = blob;
	n->nlen = (uint16_t)nlen;
	n->perms = perms;
	n->gen = xs_tree_next_gen();
	return i;
}

static void link_child(uint32_t pi, uint32_t ni)
{
	struct xs_node *parent = at(pi), *n = at(ni), *first = at(parent->child);

	n->parent = pi;
	if (!first) {
		parent->child = ni;
		n->prev = ni;
	} else {
		n->prev = first->prev;
		at(first->prev)->next = ni;
		first->prev = ni;
	}
	parent->gen = n->gen;
}

static void unlink_child(uint32_t ni)
{
	struct xs_node *n = at(ni), *parent = at(n->parent);
	struct xs_node *first = at(parent->child);

	if (n == first) {
		parent->child = n->next;
		if (n->next)
			at(n->next)->prev = n->prev;
	} else {
		at(n->prev)->next = n->next;
		if (n->next)
			at(n->next)->prev = n->prev;
		else
			first->prev = n->prev;
	}
	parent->gen = xs_tree_next_gen();
}

struct xs_node *xs_tree_add(struct xs_node *parent, const char *path,
			    size_t len, struct xs_perms *perms)
{
	const char *base = memrchr(path, '/', len) + 1;
	uint32_t pi = idx_of(parent), ni;

	if (index_room())
		return NULL;
	ni = node_new(base, len - (size_t)(base - path), perms);
	if (!ni)
		return NULL;
	slot_put(xs_hash(path, len), ni);
	nnodes++;
	link_child(pi, ni);
	return at(ni);
}

int xs_tree_set_value(struct xs_node *n, const void *v, uint32_t len)
{
	size_t olds = (size_t)n->nlen + n->vlen, news = (size_t)n->nlen + len;
	uint32_t blob = n->blob;

	if (len > UINT16_MAX)
		return ENOMEM;
	/* Same size class: rewrite in place (v may be our own value). */
	if ((olds + 7) / 8 != (news + 7) / 8 || !blob) {
		if (news && !(blob = xs_arena_alloc(news)))
			return ENOMEM;
		if (n->nlen)
			memcpy(xs_arena_ptr(blob), xs_arena_ptr(n->blob), n->nlen);
	}
	if (len)
		memmove((char *)xs_arena_ptr(blob) + n->nlen, v, len);
	if (blob != n->blob)
		xs_arena_free(n->blob, olds);
	n->blob = blob;
	n->vlen = (uint16_t)len;
	n->gen = xs_tree_next_gen();
	return 0;
}

void xs_tree_set_perms(struct xs_node *n, struct xs_perms *perms)
{
	xs_perms_put(n->perms);
	n->perms = perms;
	n->gen = xs_tree_next_gen();
}

static void node_free(uint32_t i)
{
	struct xs_node *n = at(i);

	xs_perms_put(n->perms);
	xs_arena_free(n->blob, (size_t)n->nlen + n->vlen);
	rec_free(i);
}

/* Children first so callbacks still see each parent; path is extended in
 * place (caller's buffer has XS_PATH_BUF bytes). */
static void remove_rec(uint32_t ni, char *path, size_t len, bool top,
		       xs_tree_visit *cb, void *arg)
{
	struct xs_node *n = at(ni);

	while (n->child) {
		struct xs_node *c = at(n->child);
		size_t cl = len + (len > 1) + c->nlen;
		if (len > 1)
			path[len] = '/';
		memcpy(path + cl - c->nlen, xs_node_name(c), c->nlen);
		path[cl] = '\0';
		remove_rec(n->child, path, cl, false, cb, arg);
	}
	path[len] = '\0';
	if (cb)
		cb(n, path, len, top, arg);
	unlink_child(ni);
	slot_del(xs_hash(path, len), ni);
	nnodes--;
	node_free(ni);
}

void xs_tree_remove(struct xs_node *n, char *path, size_t len,
		    xs_tree_visit *cb, void *arg)
{
	if (n->parent)
		remove_rec(idx_of(n), path, len, true, cb, arg);
}

size_t xs_node_path(const struct xs_node *n, char *buf, size_t sz)
{
	size_t len = 0, pos;
	const struct xs_node *i;

	if (!n->parent) {
		buf[0] = '/';
		buf[1] = '\0';
		return 1;
	}
	for (i = n; i->parent; i = at(i->parent))
		len += (size_t)i->nlen + 1;
	if (len >= sz)
		return 0;
	buf[len] = '\0';
	for (pos = len, i = n; i->parent; i = at(i->parent)) {
		pos -= i->nlen;
		memcpy(buf + pos, xs_node_name(i), i->nlen);
		buf[--pos] = '/';
	}
	return len;
}

int xs_tree_init(void)
{
	uint32_t r;

	if (reindex())
		return ENOMEM;
	r = node_new("", 0, xs_perms_simple(0, XS_PERM_NONE));
	if (r != ROOT || !at(r)->perms)
		return ENOMEM;
	at(r)->prev = 0;
	slot_put(xs_hash("/", 1), r);
	nnodes++;
	return 0;
}

void xs_tree_fini(void)
{
	for (uint32_t i = ROOT; i <= nrec; i++)
		if (at(i)->prev != FREE_MARK)
			xs_perms_put(at(i)->perms);
	for (uint32_t i = 0; i < nchunks; i++)
		free(chunks[i]);
	free(chunks);
	free(slots);
	xs_arena_fini();
	chunks = NULL;
	slots = NULL;
	nchunks = nrec = free_rec = nslots = ntomb = 0;
	nnodes = 0;
	generation = 0;
}
