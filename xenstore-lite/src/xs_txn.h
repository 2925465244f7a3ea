/*
 * Optimistic transactions. A transaction keeps a private copy of every
 * node it touches (its overlay) with the clock at first access; commit
 * fails with EAGAIN if any of those paths changed since (xs_gen.h),
 * exactly the rule of Xen's tools/xenstored/transaction.c.
 */
#ifndef XS_TXN_H
#define XS_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_store.h"

struct xs_conn;
struct xs_txn;

int xs_txn_start(struct xs_conn *c, bool priv, uint32_t *id);
struct xs_txn *xs_txn_find(struct xs_conn *c, uint32_t id);
/* Ends (and frees) t: 0 committed/aborted, EAGAIN conflict. */
int xs_txn_end(struct xs_conn *c, struct xs_txn *t, bool commit);
void xs_txn_free_all(struct xs_conn *c);

/* Overlay primitives used by xs_store.c. */
int xs_txn_lookup(struct xs_txn *t, const char *path, size_t len,
		  struct xs_view *v);
int xs_txn_children(struct xs_txn *t, const char *path, size_t len,
		    xs_child_cb *cb, void *arg);
int xs_txn_create(struct xs_txn *t, const char *path, size_t len,
		  struct xs_perms *perms);
int xs_txn_set_value(struct xs_txn *t, const char *path, size_t len,
		     const void *val, uint32_t vlen);
int xs_txn_set_perms(struct xs_txn *t, const char *path, size_t len,
		     struct xs_perms *perms);
int xs_txn_remove(struct xs_txn *t, const char *path, size_t len);
void xs_txn_mark_fire(struct xs_txn *t, const char *path, size_t len,
		      bool exact);
/* The transaction can no longer commit (commit answers ENOMEM). */
void xs_txn_poison(struct xs_txn *t);
/* Nodes created minus removed so far (for the node quota). */
int xs_txn_created(const struct xs_txn *t);

#endif
