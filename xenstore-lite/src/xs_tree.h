/*
 * The committed node store. Memory per node is what the daemon is sized
 * by, so a node is a 40-byte record in a chunked array linked by 32-bit
 * indices, its name and value one headerless blob in xs_arena, and the
 * path index an open-addressed table of 32-bit slots. Child lists are
 * intrusive and doubly linked, so adding the 10,000th child of a parent
 * costs the same as adding the first (no child-list rewrite).
 */
#ifndef XS_TREE_H
#define XS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_perms.h"

/* Records never move while the node exists: pointers to them are stable. */
struct xs_node {
	uint32_t parent;	/* record indices, 0 = none */
	uint32_t child;		/* first child; its prev is the last */
	uint32_t next;		/* next sibling, 0 at the end */
	uint32_t prev;		/* previous sibling (first: the last one) */
	uint32_t blob;		/* name, then value (xs_arena handle) */
	uint16_t nlen;		/* last path component, not NUL-terminated */
	uint16_t vlen;
	struct xs_perms *perms;
	uint64_t gen;		/* generation of the last change */
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

/* Navigation; NULL at the ends. */
struct xs_node *xs_node_parent(const struct xs_node *n);
struct xs_node *xs_node_child(const struct xs_node *n);
struct xs_node *xs_node_next(const struct xs_node *n);
const char *xs_node_name(const struct xs_node *n);
/* Valid until the node's value changes. */
const char *xs_node_value(const struct xs_node *n);

/* Full path into buf (XS_PATH_BUF); returns its length. */
size_t xs_node_path(const struct xs_node *n, char *buf, size_t sz);

uint64_t xs_tree_next_gen(void);
size_t xs_tree_count(void);
uint32_t xs_hash(const char *s, size_t len);

#endif
