/* Node permissions: owner + default in entry 0, per-domain overrides after. */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_PERM_NONE 0u
#define XS_PERM_READ 1u
#define XS_PERM_WRITE 2u
#define XS_PERM_OWNER 4u /* internal: may change perms */

#define XS_NO_TARGET 0xffffffffu

struct xs_perm_ent {
	uint16_t id;
	uint8_t perm;
};

/* Immutable once built and shared by reference count (children inherit). */
struct xs_perms {
	uint32_t refs;
	uint32_t id;		/* what a node stores: xs_perms_by_id() */
	uint16_t n;
	struct xs_perm_ent e[];
};

/* Who is asking: domid, privilege, and the domain it may act for. */
struct xs_who {
	unsigned id;
	bool priv;
	unsigned target;
};

struct xs_perms *xs_perms_new(uint16_t n);
struct xs_perms *xs_perms_simple(unsigned owner, unsigned perm);
struct xs_perms *xs_perms_get(struct xs_perms *p);
struct xs_perms *xs_perms_by_id(uint32_t id);
/* Sets alive. The id table keeps every set reachable, so a leaked
 * reference is invisible to LeakSanitizer: tests check this is 0. */
unsigned xs_perms_live(void);
void xs_perms_put(struct xs_perms *p);

/* Parse n NUL-terminated "<r|w|b|n><domid>" strings; NULL + *err on error. */
struct xs_perms *xs_perms_parse(const char *s, size_t len, unsigned n, int *err);

/* NUL-separated strings as GET_PERMS sends them; returns bytes written. */
size_t xs_perms_format(const struct xs_perms *p, char *out, size_t sz);

/* Same perms with another owner; shares p when the owner already matches. */
struct xs_perms *xs_perms_with_owner(struct xs_perms *p, unsigned owner);

unsigned xs_perms_for(const struct xs_perms *p, const struct xs_who *w);
bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b);

static inline unsigned xs_perms_owner(const struct xs_perms *p)
{
	return p->e[0].id;
}

#endif
