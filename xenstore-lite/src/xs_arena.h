/*
 * Arena for node names and values: size classes in 8-byte steps carved
 * from 64 KiB slabs, no per-object header, 32-bit handles. malloc would
 * add 8-24 bytes of header and rounding to every 40-byte node blob.
 */
#ifndef XS_ARENA_H
#define XS_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define XS_ARENA_MAX 16384u	/* largest object (name + value) */

/* Handle of size bytes (0 for size 0); 0 and errno ENOMEM on failure. */
uint32_t xs_arena_alloc(size_t size);
void xs_arena_free(uint32_t h, size_t size);

/* A handle is slab << 13 | offset in 8-byte units. Inline: every step of
 * a lookup goes through it. */
#define XS_ARENA_UNIT 8u
#define XS_ARENA_SLAB_SHIFT 13u
extern char **xs_arena_slabs;

static inline void *xs_arena_ptr(uint32_t h)
{
	return xs_arena_slabs[h >> XS_ARENA_SLAB_SHIFT] +
	       (size_t)(h & ((1u << XS_ARENA_SLAB_SHIFT) - 1)) * XS_ARENA_UNIT;
}
void xs_arena_fini(void);

#endif
