/*
 * The committed node store. Memory per node is what the daemon is sized
 * by, so a node is one variable-size record in xs_arena: a permission-set
 * id, packed lengths, a child-array id for nodes that have had children,
 * then the name and the value. A node costs its data plus 12 bytes: the
 * 8-byte header and its 4-byte handle in the parent's child array.
 *
 * Child arrays are sorted by name; lookups walk from the root with a
 * binary search per level, so there are no per-node links and no path
 * index. Adding the 10,000th child of a parent is a binary search and a
 * memmove of 4-byte handles, never a rewrite of the parent.
 * Generations live in xs_gen.c, not in nodes.
 *
 * Records move when they change size: a struct xs_node pointer is valid
 * only until the next change to the tree.
 */
#ifndef XS_TREE_H
#define XS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_perms.h"

struct xs_node;

/* Called for every node of a removed subtree, children first. */
typedef void xs_tree_visit(const struct xs_node *n,
			   const struct xs_node *parent, const char *path,
			   size_t len, bool top, void *arg);
typedef int xs_tree_child_cb(const char *name, size_t nlen, void *arg);

int xs_tree_init(void);
void xs_tree_fini(void);

/* The node at path, and its parent if parent is not NULL. */
const struct xs_node *xs_tree_lookup(const char *path, size_t len,
				     const struct xs_node **parent);

/* Changes, by path. add takes a reference on perms (also on failure). */
int xs_tree_add(const char *path, size_t len, struct xs_perms *perms);
int xs_tree_set_value(const char *path, size_t len, const void *v,
		      uint32_t vlen);
int xs_tree_set_perms(const char *path, size_t len, struct xs_perms *perms);
/* path is extended in place: the buffer must have XS_PATH_BUF bytes. */
int xs_tree_remove(char *path, size_t len, xs_tree_visit *cb, void *arg);

/* Children in name order; stops at the first non-zero return. */
int xs_tree_children(const struct xs_node *n, xs_tree_child_cb *cb,
		     void *arg);

struct xs_perms *xs_node_perms(const struct xs_node *n);
/* NULL when the value is empty. */
const char *xs_node_value(const struct xs_node *n);
uint32_t xs_node_vlen(const struct xs_node *n);
/* Generation of the child list (0: never had children). */
uint64_t xs_node_kids_gen(const struct xs_node *n);

size_t xs_tree_count(void);

#endif
