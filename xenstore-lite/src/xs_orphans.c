/*
 * When a domain is released, the nodes it owns go, subtrees and all, as
 * in the C xenstored (XSA-322): a later domain given the same id must not
 * inherit them, their contents or their quota.
 *
 * Two passes, because tree records move when the tree changes
 * (xs_tree.h): first collect the topmost owned paths with the tree
 * untouched, then remove each one.
 */
#include "xs_orphans.h"

#include <stdlib.h>
#include <string.h>

#include "xs_domain.h"
#include "xs_path.h"
#include "xs_store.h"
#include "xs_tree.h"

struct orphan_walk {
	unsigned domid;
	char path[XS_PATH_BUF];
	size_t len;
	char **found;
	size_t n, cap;
	int err;
};

static int remember(struct orphan_walk *w)
{
	char **grown, *copy;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		grown = realloc(w->found, cap * sizeof(*grown));
		if (!grown)
			return -1;
		w->found = grown;
		w->cap = cap;
	}
	copy = malloc(w->len + 1);
	if (!copy)
		return -1;
	memcpy(copy, w->path, w->len + 1);
	w->found[w->n++] = copy;
	return 0;
}

static int visit(struct orphan_walk *w);

/* Child callback: extend the path by the child's name, visit, restore. */
static int visit_child(const char *name, size_t nlen, void *arg)
{
	struct orphan_walk *w = arg;
	size_t saved = w->len, sep = w->len > 1;
	int stop;

	if (saved + sep + nlen >= sizeof(w->path))
		return 0;	/* cannot exist: paths are shorter */
	if (sep)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, nlen);
	w->len += nlen;
	w->path[w->len] = '\0';
	stop = visit(w);
	w->len = saved;
	w->path[saved] = '\0';
	return stop;
}

/* Depth is bounded by the path length limit, so recursion is too. */
static int visit(struct orphan_walk *w)
{
	const struct xs_node *n = xs_tree_lookup(w->path, w->len, NULL);

	if (!n)
		return 0;
	if (xs_perms_owner(xs_node_perms(n)) == w->domid)
		return remember(w) ? (w->err = -1) : 0;
	return xs_tree_children(n, visit_child, w);
}

unsigned xs_orphans_remove(unsigned domid)
{
	struct orphan_walk *w;
	unsigned removed = 0;

	if (!xs_domain_nodes(domid) || !(w = calloc(1, sizeof(*w))))
		return 0;
	w->domid = domid;
	w->path[0] = '/';
	w->len = 1;
	visit(w);
	for (size_t i = 0; i < w->n; i++) {
		xs_store_commit_rm(w->found[i], strlen(w->found[i]));
		free(w->found[i]);
		removed++;
	}
	free(w->found);
	free(w);
	return removed;
}
