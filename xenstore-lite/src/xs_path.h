/* Node path syntax: validation, canonical form, parent/child relations. */
#ifndef XS_PATH_H
#define XS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include "xs_wire.h"

/* Big enough for any canonical path: relative paths get a domain prefix. */
#define XS_PATH_BUF (XENSTORE_PAYLOAD_MAX + 32)

bool xs_path_chars_ok(const char *p);

/*
 * Turn a client path into canonical absolute form in out[XS_PATH_BUF].
 * Relative paths are taken below /local/domain/<domid>; '@' paths are only
 * accepted with allow_special. As in the C xenstored, the canonical path
 * may not be longer than XENSTORE_ABS_PATH_MAX, and max_len (the
 * path-length quota, XENSTORE_REL_PATH_MAX by default) limits the part
 * below /local/domain/<n>/, or the whole path elsewhere (0 = no limit).
 * Returns 0 or EINVAL; *relative tells whether the input was relative.
 */
int xs_path_canon(const char *in, unsigned domid, bool allow_special,
		  size_t max_len, char *out, bool *relative);

/* xenstore's "child" relation: equal, below, or parent is "/". */
bool xs_path_is_child(const char *child, const char *parent);

/* Length of the parent's path ("/" has none: returns 0). */
size_t xs_path_parent_len(const char *path, size_t len);

/* The order of children (committed and in transactions alike): bytes,
 * a prefix first. A byte loop: names are short and this is a hot path. */
static inline int xs_name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t m = al < bl ? al : bl;

	for (size_t i = 0; i < m; i++)
		if (a[i] != b[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	return (al > bl) - (al < bl);
}

/* Number of components: "/" is 0, "/a/b" is 2. */
unsigned xs_path_depth(const char *path);

int xs_domain_path(unsigned domid, char *out, size_t sz);

/* Strict decimal domid parser: 0..65535 and nothing else. */
bool xs_parse_domid(const char *s, unsigned *domid);

#endif
