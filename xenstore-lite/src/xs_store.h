/*
 * Transaction-aware node operations with xenstore permission semantics.
 * Outside a transaction they act on the tree and fire watches at once;
 * inside one they act on the transaction's overlay (xs_txn.c).
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs_wire.h"

#include "xs_perms.h"

struct xs_conn;
struct xs_txn;

/* One request being handled. */
struct xs_req {
	struct xs_conn *conn;
	struct xs_who who;
	struct xs_txn *txn;
	struct xsd_sockmsg hdr;
	char *body;
	uint32_t len;
};

/* What a lookup sees (committed node or transaction copy). */
struct xs_view {
	const char *value;
	uint32_t vlen;
	struct xs_perms *perms;
	uint64_t gen;		/* of the child list (DIRECTORY_PART) */
};

typedef int xs_child_cb(const char *name, size_t nlen, void *arg);

int xs_store_init(void);
void xs_store_fini(void);

/* Look up path needing perm (XS_PERM_*); errors hide unreadable parents
 * exactly like xenstored: EACCES unless the nearest parent grants perm. */
int xs_store_get(struct xs_req *r, const char *path, unsigned perm,
		 struct xs_view *v);
int xs_store_children(struct xs_req *r, const char *path, xs_child_cb *cb,
		      void *arg);
/* The NUL-separated child names of path (read permission checked by the
 * caller); *names stays valid until the next call. */
int xs_store_list(struct xs_req *r, const char *path, const char **names,
		  size_t *len);
/* WRITE (mkdir_only false) or MKDIR: creates missing parents. */
int xs_store_write(struct xs_req *r, const char *path, const void *val,
		   uint32_t len, bool mkdir_only);
int xs_store_rm(struct xs_req *r, const char *path);
int xs_store_set_perms(struct xs_req *r, const char *path,
		       struct xs_perms *perms);

/* Per-domain node accounting (owner of each node). */
void xs_store_account(unsigned owner, int delta);

/* Used by the transaction commit: apply one change to the tree. */
int xs_store_commit_node(const char *path, size_t len, const char *val,
			 uint32_t vlen, struct xs_perms *perms, bool fire);
void xs_store_commit_rm(const char *path, size_t len);

#endif
