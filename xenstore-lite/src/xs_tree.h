/*
 * The committed node store: a hash table of nodes by full path plus
 * per-node doubly linked child lists, so adding the 10,000th child of a
 * parent costs the same as adding the first (no child-list rewrite).
 */
#ifndef XS_TREE_H
#define XS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_perms.h"

struct xs_node {
	struct xs_node *hnext;	/* hash chain */
	struct xs_node *parent;
	struct xs_node *child;	/* first child; child->prev is the last */
	struct xs_node *next;	/* next sibling, NULL at the end */
	struct xs_node *prev;	/* previous sibling (first: the last one) */
	struct xs_perms *perms;
	char *value;		/* NULL when empty */
	uint64_t gen;		/* generation of the last change */
	uint32_t hash;
	uint32_t vlen;
	uint32_t nchildren;
	uint16_t nlen;
	char name[];		/* last path component, NUL-terminated */
};

/* Called for every node of a removed subtree, children first. */
typedef void xs_tree_visit(struct xs_node *n, const char *path, size_t len,
			   bool top, void *arg);

int xs_tree_init(void);
void xs_tree_fini(void);
struct xs_node *xs_tree_root(void);
struct xs_node *xs_tree_lookup(const char *path, size_t len);

/* Append a child named after the last component of path; takes perms. */
struct xs_node *xs_tree_add(struct xs_node *parent, const char *path,
			    size_t len, struct xs_perms *perms);
int xs_tree_set_value(struct xs_node *n, const void *v, uint32_t len);
void xs_tree_set_perms(struct xs_node *n, struct xs_perms *perms);
void xs_tree_remove(struct xs_node *n, char *path, size_t len,
		    xs_tree_visit *cb, void *arg);

/* Full path into buf (XS_PATH_BUF); returns its length. */
size_t xs_node_path(const struct xs_node *n, char *buf, size_t sz);

uint64_t xs_tree_next_gen(void);
size_t xs_tree_count(void);
uint32_t xs_hash(const char *s, size_t len);

#endif
