/* Node store: hash table by path, child lists that are never rewritten. */
#include "xs_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct xs_node **buckets;
static size_t nbuckets;
static size_t nnodes;
static struct xs_node *root;
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

struct xs_node *xs_tree_root(void)
{
	return root;
}

/* Compare a node with a path from the last component up, without
 * materialising the node's full path. */
static bool node_is(const struct xs_node *n, const char *path, size_t len)
{
	for (; n->parent; n = n->parent) {
		if (len < (size_t)n->nlen + 1u)
			return false;
		len -= n->nlen;
		if (memcmp(path + len, n->name, n->nlen) || path[len - 1] != '/')
			return false;
		len--;
	}
	return len == 0 || (len == 1 && path[0] == '/');
}

struct xs_node *xs_tree_lookup(const char *path, size_t len)
{
	uint32_t h = xs_hash(path, len);
	struct xs_node *n = buckets[h & (nbuckets - 1)];

	for (; n; n = n->hnext)
		if (n->hash == h && node_is(n, path, len))
			return n;
	return NULL;
}

static int grow(void)
{
	size_t nb = nbuckets ? nbuckets * 2 : 1024;
	struct xs_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return ENOMEM;
	for (size_t i = 0; i < nbuckets; i++) {
		struct xs_node *n = buckets[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(buckets);
	buckets = b;
	nbuckets = nb;
	return 0;
}

static void hash_insert(struct xs_node *n)
{
	struct xs_node **b = &buckets[n->hash & (nbuckets - 1)];

	n->hnext = *b;
	*b = n;
	nnodes++;
}

static void hash_remove(struct xs_node *n)
{
	struct xs_node **p = &buckets[n->hash & (nbuckets - 1)];

	while (*p != n)
		p = &(*p)->hnext;
	*p = n->hnext;
	nnodes--;
}

static struct xs_node *node_alloc(const char *name, size_t nlen,
				  struct xs_perms *perms)
{
	struct xs_node *n = calloc(1, sizeof(*n) + nlen + 1);

	if (!n)
		return NULL;
	memcpy(n->name, name, nlen);
	n->nlen = (uint16_t)nlen;
	n->perms = perms;
	n->gen = xs_tree_next_gen();
	return n;
}

static void link_child(struct xs_node *parent, struct xs_node *n)
{
	struct xs_node *first = parent->child;

	n->parent = parent;
	if (!first) {
		parent->child = n;
		n->prev = n;
	} else {
		n->prev = first->prev;
		first->prev->next = n;
		first->prev = n;
	}
	parent->nchildren++;
	parent->gen = n->gen;
}

static void unlink_child(struct xs_node *n)
{
	struct xs_node *parent = n->parent, *first = parent->child;

	if (n == first) {
		parent->child = n->next;
		if (n->next)
			n->next->prev = n->prev;
	} else {
		n->prev->next = n->next;
		if (n->next)
			n->next->prev = n->prev;
		else
			first->prev = n->prev;
	}
	parent->nchildren--;
	parent->gen = xs_tree_next_gen();
}

struct xs_node *xs_tree_add(struct xs_node *parent, const char *path,
			    size_t len, struct xs_perms *perms)
{
	const char *base = memrchr(path, '/', len) + 1;
	struct xs_node *n;

	if (nnodes >= nbuckets && grow())
		return NULL;
	n = node_alloc(base, len - (size_t)(base - path), perms);
	if (!n)
		return NULL;
	n->hash = xs_hash(path, len);
	hash_insert(n);
	link_child(parent, n);
	return n;
}

int xs_tree_set_value(struct xs_node *n, const void *v, uint32_t len)
{
	char *nv = NULL;

	if (len) {
		nv = len == n->vlen ? n->value : malloc(len);
		if (!nv)
			return ENOMEM;
		memcpy(nv, v, len);
	}
	if (nv != n->value)
		free(n->value);
	n->value = nv;
	n->vlen = len;
	n->gen = xs_tree_next_gen();
	return 0;
}

void xs_tree_set_perms(struct xs_node *n, struct xs_perms *perms)
{
	xs_perms_put(n->perms);
	n->perms = perms;
	n->gen = xs_tree_next_gen();
}

static void node_free(struct xs_node *n)
{
	xs_perms_put(n->perms);
	free(n->value);
	free(n);
}

/* Children first so callbacks still see each parent; path is extended in
 * place (caller's buffer has XS_PATH_BUF bytes). */
static void remove_rec(struct xs_node *n, char *path, size_t len, bool top,
		       xs_tree_visit *cb, void *arg)
{
	while (n->child) {
		struct xs_node *c = n->child;
		size_t cl = len + (len > 1) + c->nlen;
		if (len > 1)
			path[len] = '/';
		memcpy(path + cl - c->nlen, c->name, c->nlen);
		path[cl] = '\0';
		remove_rec(c, path, cl, false, cb, arg);
	}
	path[len] = '\0';
	if (cb)
		cb(n, path, len, top, arg);
	unlink_child(n);
	hash_remove(n);
	node_free(n);
}

void xs_tree_remove(struct xs_node *n, char *path, size_t len,
		    xs_tree_visit *cb, void *arg)
{
	if (n != root)
		remove_rec(n, path, len, true, cb, arg);
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
	for (i = n; i->parent; i = i->parent)
		len += (size_t)i->nlen + 1;
	if (len >= sz)
		return 0;
	buf[len] = '\0';
	for (pos = len, i = n; i->parent; i = i->parent) {
		pos -= i->nlen;
		memcpy(buf + pos, i->name, i->nlen);
		buf[--pos] = '/';
	}
	return len;
}

int xs_tree_init(void)
{
	if (grow())
		return ENOMEM;
	root = node_alloc("", 0, xs_perms_simple(0, XS_PERM_NONE));
	if (!root || !root->perms)
		return ENOMEM;
	root->hash = xs_hash("/", 1);
	hash_insert(root);
	return 0;
}

static void free_all(struct xs_node *n)
{
	while (n->child) {
		struct xs_node *c = n->child;
		n->child = c->next;
		free_all(c);
	}
	node_free(n);
}

void xs_tree_fini(void)
{
	if (root)
		free_all(root);
	free(buckets);
	root = NULL;
	buckets = NULL;
	nbuckets = nnodes = 0;
	generation = 0;
}
