/* Watches: per-connection lists plus a global hash by watched path. */
#include "xs_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_quota.h"
#include "xs_hash.h"

static struct xs_watch **wb;
static size_t nwb, nwatch;

static int grow(void)
{
	size_t nb = nwb ? nwb * 2 : 256;
	struct xs_watch **b = calloc(nb, sizeof(*b));

	if (!b)
		return ENOMEM;
	for (size_t i = 0; i < nwb; i++) {
		struct xs_watch *w = wb[i], *next;
		for (; w; w = next) {
			next = w->hnext;
			w->hnext = b[w->hash & (nb - 1)];
			b[w->hash & (nb - 1)] = w;
		}
	}
	free(wb);
	wb = b;
	nwb = nb;
	return 0;
}

int xs_watch_init(void)
{
	return nwb ? 0 : grow();
}

void xs_watch_fini(void)
{
	free(wb);
	wb = NULL;
	nwb = nwatch = 0;
}

static struct xs_watch *find(struct xs_conn *c, const char *path,
			     const char *token, struct xs_watch ***link)
{
	struct xs_watch **p = &c->watches;

	for (; *p; p = &(*p)->cnext) {
		if (!strcmp((*p)->path, path) && !strcmp((*p)->token, token)) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

int xs_watch_add(struct xs_conn *c, const char *path, const char *token,
		 bool relative)
{
	size_t plen = strlen(path), tlen = strlen(token);
	struct xs_watch *w;

	if (find(c, path, token, NULL))
		return EEXIST;
	if (!c->who.priv && c->nwatches >= xs_quota.watches)
		return E2BIG;
	if (nwatch >= 2 * nwb && grow())
		return ENOMEM;
	w = malloc(sizeof(*w) + plen + 1 + tlen + 1);
	if (!w)
		return ENOMEM;
	memcpy(w->path, path, plen + 1);
	w->token = w->path + plen + 1;
	memcpy(w->token, token, tlen + 1);
	w->conn = c;
	w->hash = xs_hash(path, plen);
	/* Relative watches report paths relative to /local/domain/<id>/. */
	w->prefix_len = relative ? (unsigned)(strchr(path + 14, '/') - path) + 1 : 0;
	w->hnext = wb[w->hash & (nwb - 1)];
	wb[w->hash & (nwb - 1)] = w;
	w->cnext = c->watches;
	c->watches = w;
	c->nwatches++;
	nwatch++;
	return 0;
}

static void unhash(struct xs_watch *w)
{
	struct xs_watch **p = &wb[w->hash & (nwb - 1)];

	while (*p != w)
		p = &(*p)->hnext;
	*p = w->hnext;
	nwatch--;
}

int xs_watch_remove(struct xs_conn *c, const char *path, const char *token)
{
	struct xs_watch **link, *w = find(c, path, token, &link);

	if (!w)
		return ENOENT;
	*link = w->cnext;
	unhash(w);
	c->nwatches--;
	free(w);
	return 0;
}

void xs_watch_remove_all(struct xs_conn *c)
{
	while (c->watches) {
		struct xs_watch *w = c->watches;
		c->watches = w->cnext;
		unhash(w);
		free(w);
	}
	c->nwatches = 0;
}

/* Readable node, readable parent, or readable before a perms change. */
static bool permitted(const struct xs_conn *c, const struct xs_perms *perms,
		      const struct xs_perms *pperms, const struct xs_perms *old)
{
	if (c->who.priv)
		return true;
	if (old && (xs_perms_for(old, &c->who) & XS_PERM_READ))
		return true;
	if (perms && (xs_perms_for(perms, &c->who) & XS_PERM_READ))
		return true;
	return pperms && (xs_perms_for(pperms, &c->who) & XS_PERM_READ);
}

/* Deliver to watches on exactly path[0..wlen) for the event epath. */
static void fire_on(const char *epath, size_t wlen, const struct xs_perms *perms,
		    const struct xs_perms *pperms, const struct xs_perms *old)
{
	uint32_t h = xs_hash(epath, wlen);
	struct xs_watch *w = wb[h & (nwb - 1)];

	for (; w; w = w->hnext) {
		if (w->hash != h || memcmp(w->path, epath, wlen) ||
		    w->path[wlen] || !permitted(w->conn, perms, pperms, old))
			continue;
		xs_send_event(w->conn, epath + w->prefix_len, w->token);
	}
}

void xs_watch_fire(const char *path, bool exact, const struct xs_perms *perms,
		   const struct xs_perms *pperms, const struct xs_perms *old)
{
	size_t len = strlen(path);

	if (!nwatch)
		return;
	if (exact) {
		fire_on(path, len, perms, pperms, old);
		return;
	}
	/* Every ancestor is a candidate watch path: "/", "/a", "/a/b"... */
	fire_on(path, 1, perms, pperms, old);
	for (size_t i = 1; i < len; i++)
		if (path[i] == '/')
			fire_on(path, i, perms, pperms, old);
	if (len > 1)
		fire_on(path, len, perms, pperms, old);
}

void xs_watch_fire_special(const char *name, const struct xs_perms *perms)
{
	/* xenstored's is_child() treats "/" as everyone's parent, so watches
	 * on the root see special events too. */
	fire_on(name, 1, perms, NULL, NULL);
	fire_on(name, strlen(name), perms, NULL, NULL);
}
