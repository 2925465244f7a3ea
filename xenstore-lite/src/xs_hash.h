/*
 * Hashing of client-chosen strings (paths). Every table keyed by paths
 * uses these, keyed with a random secret (SipHash-1-3): with a public
 * hash such as FNV a guest can pick names that all land in one bucket
 * and slow every request of every client (hash flooding), or forge a
 * 64-bit collision with another domain's path.
 */
#ifndef XS_HASH_H
#define XS_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t xs_hash64(const char *s, size_t len);

static inline uint32_t xs_hash(const char *s, size_t len)
{
	return (uint32_t)xs_hash64(s, len);
}

#endif
