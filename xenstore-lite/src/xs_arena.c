/* Size-classed slab arena for node blobs (see xs_arena.h). */
#include "xs_arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define UNIT XS_ARENA_UNIT
#define SLAB_UNITS_SHIFT XS_ARENA_SLAB_SHIFT	/* 8192 units: 64 KiB slabs */
#define SLAB_UNITS (1u << SLAB_UNITS_SHIFT)
#define NCLASS (XS_ARENA_MAX / UNIT + 1)

/* Slab 0 is never allocated, so handle 0 can mean "nothing". */
char **xs_arena_slabs;
static uint32_t nslabs = 1, capslabs;

/* Per class: free list (next handle stored in the freed object) and the
 * bump position and units left in the class's current slab. */
static struct {
	uint32_t free;
	uint32_t bump, left;
} cls[NCLASS];

static uint32_t new_slab(void)
{
	if (nslabs >= capslabs) {
		uint32_t cap = capslabs ? capslabs * 2 : 64;
		char **s = realloc(xs_arena_slabs, cap * sizeof(*s));
		if (!s)
			return 0;
		xs_arena_slabs = s;
		capslabs = cap;
	}
	if (!(xs_arena_slabs[nslabs] = malloc(SLAB_UNITS * UNIT)))
		return 0;
	return nslabs++ << SLAB_UNITS_SHIFT;
}

uint32_t xs_arena_alloc(size_t size)
{
	uint32_t units = (uint32_t)((size + UNIT - 1) / UNIT), h;

	if (!size)
		return 0;
	if (size > XS_ARENA_MAX)
		return errno = ENOMEM, 0;
	if ((h = cls[units].free)) {
		memcpy(&cls[units].free, xs_arena_ptr(h), sizeof(h));
		return h;
	}
	if (cls[units].left < units) {
		if (!(h = new_slab()))
			return errno = ENOMEM, 0;
		cls[units].bump = h;
		cls[units].left = SLAB_UNITS;
	}
	h = cls[units].bump;
	cls[units].bump += units;
	cls[units].left -= units;
	return h;
}

void xs_arena_free(uint32_t h, size_t size)
{
	uint32_t units = (uint32_t)((size + UNIT - 1) / UNIT);

	if (!h)
		return;
	memcpy(xs_arena_ptr(h), &cls[units].free, sizeof(h));
	cls[units].free = h;
}

void xs_arena_fini(void)
{
	for (uint32_t i = 1; i < nslabs; i++)
		free(xs_arena_slabs[i]);
	free(xs_arena_slabs);
	xs_arena_slabs = NULL;
	nslabs = 1;
	capslabs = 0;
	memset(cls, 0, sizeof(cls));
}
