/*
 * Watches, kept in a hash table by watched path: firing an event for
 * /a/b/c looks up "/", "/a", "/a/b" and "/a/b/c" (depth lookups) instead
 * of scanning every watch of every connection.
 */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include <stdbool.h>

#include "xs_perms.h"

struct xs_conn;

struct xs_watch {
	struct xs_watch *hnext;	/* same hash bucket */
	struct xs_watch *cnext;	/* same connection */
	struct xs_conn *conn;
	unsigned hash;
	unsigned prefix_len;	/* relative watch: strip the domain path */
	char *token;
	char path[];
};

int xs_watch_init(void);
void xs_watch_fini(void);
int xs_watch_add(struct xs_conn *c, const char *path, const char *token,
		 bool relative);
int xs_watch_remove(struct xs_conn *c, const char *path, const char *token);
void xs_watch_remove_all(struct xs_conn *c);

/*
 * A node changed. exact: only watches on exactly this path (used for the
 * inner nodes of a removed subtree). The node's perms, its parent's and
 * (for SET_PERMS) the old perms decide who may see the event.
 */
void xs_watch_fire(const char *path, bool exact, const struct xs_perms *perms,
		   const struct xs_perms *pperms, const struct xs_perms *old);
/* @introduceDomain / @releaseDomain. */
void xs_watch_fire_special(const char *name, const struct xs_perms *perms);

#endif
