/* Permission sets; semantics of docs/misc/xenstore.txt and the XenBus wiki. */
#include "xs_perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every permission set has a 32-bit id, so a node stores 4 bytes instead
 * of a pointer. Ids of freed sets are reused (a stack of free ids).
 */
static struct xs_perms **reg;
static uint32_t nreg = 1, capreg;	/* id 0 is never used */
static uint32_t *free_ids, nfree, capfree;
static uint32_t nlive;		/* sets alive: 0 after teardown, or a leak */

static int grow(void **v, uint32_t *capp, size_t elem)
{
	uint32_t c = *capp ? *capp * 2 : 256;
	void *n = realloc(*v, c * elem);

	if (!n)
		return ENOMEM;
	*v = n;
	*capp = c;
	return 0;
}

static uint32_t id_alloc(struct xs_perms *p)
{
	uint32_t id;

	if (nfree) {
		id = free_ids[--nfree];
	} else {
		if (nreg >= capreg && grow((void **)&reg, &capreg, sizeof(*reg)))
			return 0;
		id = nreg++;
	}
	reg[id] = p;
	return id;
}

static void id_free(uint32_t id)
{
	reg[id] = NULL;
	/* The free stack can always hold every id once grown to capreg. */
	if (nfree >= capfree && grow((void **)&free_ids, &capfree, sizeof(*free_ids)))
		return;	/* the id is leaked, not reused: harmless */
	free_ids[nfree++] = id;
}

unsigned xs_perms_live(void)
{
	return nlive;
}

struct xs_perms *xs_perms_by_id(uint32_t id)
{
	return id && id < nreg ? reg[id] : NULL;
}

struct xs_perms *xs_perms_new(uint16_t n)
{
	struct xs_perms *p = malloc(sizeof(*p) + n * sizeof(p->e[0]));

	if (!p)
		return NULL;
	p->refs = 1;
	p->n = n;
	if (!(p->id = id_alloc(p))) {
		free(p);
		return NULL;
	}
	nlive++;
	return p;
}

struct xs_perms *xs_perms_simple(unsigned owner, unsigned perm)
{
	struct xs_perms *p = xs_perms_new(1);

	if (p) {
		p->e[0].id = (uint16_t)owner;
		p->e[0].perm = (uint8_t)perm;
	}
	return p;
}

struct xs_perms *xs_perms_get(struct xs_perms *p)
{
	p->refs++;
	return p;
}

void xs_perms_put(struct xs_perms *p)
{
	if (p && --p->refs == 0) {
		id_free(p->id);
		nlive--;
		free(p);
	}
}

static int parse_one(const char *s, struct xs_perm_ent *e)
{
	char *end;
	long id;

	switch (s[0]) {
	case 'r': e->perm = XS_PERM_READ; break;
	case 'w': e->perm = XS_PERM_WRITE; break;
	case 'b': e->perm = XS_PERM_READ | XS_PERM_WRITE; break;
	case 'n': e->perm = XS_PERM_NONE; break;
	default: return EINVAL;
	}
	/* C integer syntax as xenstored reads it (strtol base 0: blanks, a
	 * sign, 0x hex, 0 octal), so "n010" means domain 8 to both. Unlike
	 * xenstored, an id that cannot be a domain is refused, not stored. */
	if (!s[1])
		return EINVAL;
	errno = 0;
	id = strtol(s + 1, &end, 0);
	if (errno || *end || id < 0 || id > 65535)
		return EINVAL;
	e->id = (uint16_t)id;
	return 0;
}

struct xs_perms *xs_perms_parse(const char *s, size_t len, unsigned n, int *err)
{
	struct xs_perms *p;
	size_t off = 0;

	*err = EINVAL;
	if (n == 0 || n > 0xffff)
		return NULL;
	p = xs_perms_new((uint16_t)n);
	if (!p) {
		*err = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		size_t l = strnlen(s + off, len - off);
		if (off >= len || l == len - off ||
		    parse_one(s + off, &p->e[i])) {
			xs_perms_put(p);
			return NULL;
		}
		off += l + 1;
	}
	*err = 0;
	return p;
}

size_t xs_perms_format(const struct xs_perms *p, char *out, size_t sz)
{
	static const char letters[] = "nrwb";
	size_t off = 0;

	for (unsigned i = 0; i < p->n; i++) {
		int l = snprintf(out + off, sz - off, "%c%u",
				 letters[p->e[i].perm & 3], p->e[i].id);
		if (l < 0 || (size_t)l + 1 > sz - off)
			return off;
		off += (size_t)l + 1; /* keep snprintf's NUL as separator */
	}
	return off;
}

struct xs_perms *xs_perms_with_owner(struct xs_perms *p, unsigned owner)
{
	struct xs_perms *q;

	if (p->e[0].id == owner)
		return xs_perms_get(p);
	q = xs_perms_new(p->n);
	if (!q)
		return NULL;
	memcpy(q->e, p->e, p->n * sizeof(p->e[0]));
	q->e[0].id = (uint16_t)owner;
	return q;
}

/* Owner and privileged callers get everything; else first matching ACL
 * entry (for the caller or the domain it targets), else the default. */
unsigned xs_perms_for(const struct xs_perms *p, const struct xs_who *w)
{
	const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

	if (w->priv || p->e[0].id == w->id || p->e[0].id == w->target)
		return all;
	for (unsigned i = 1; i < p->n; i++)
		if (p->e[i].id == w->id || p->e[i].id == w->target)
			return p->e[i].perm;
	return p->e[0].perm;
}

bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b)
{
	if (a == b)
		return true;
	if (a->n != b->n)
		return false;
	/* Field by field: the entries have padding bytes. */
	for (unsigned i = 0; i < a->n; i++)
		if (a->e[i].id != b->e[i].id || a->e[i].perm != b->e[i].perm)
			return false;
	return true;
}
