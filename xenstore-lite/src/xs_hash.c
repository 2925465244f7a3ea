/* SipHash-1-3 (Aumasson and Bernstein) with a per-process random key. */
#include "xs_hash.h"

#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t k0, k1;
static bool keyed;

static void make_key(void)
{
	uint64_t k[2];
	struct timespec ts;

	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		/* No entropy yet (very early boot): still unpredictable
		 * enough to spread names, if not secret. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
		k[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4full ^ (uintptr_t)&ts;
	}
	k0 = k[0];
	k1 = k[1];
	keyed = true;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND()                                                             \
	do {                                                                   \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);      \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                         \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                         \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);      \
	} while (0)

/* Words are read little-endian, as SipHash specifies (x86, arm64). */
uint64_t xs_hash64(const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s;
	uint64_t v0, v1, v2, v3, m, b = (uint64_t)len << 56;
	size_t i, words = len / 8;

	if (!keyed)
		make_key();
	v0 = 0x736f6d6570736575ull ^ k0;
	v1 = 0x646f72616e646f6dull ^ k1;
	v2 = 0x6c7967656e657261ull ^ k0;
	v3 = 0x7465646279746573ull ^ k1;
	for (i = 0; i < words; i++, in += 8) {
		memcpy(&m, in, sizeof(m));
		v3 ^= m;
		SIPROUND();
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)in[i] << (8 * i);
	v3 ^= b;
	SIPROUND();
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND();
	SIPROUND();
	SIPROUND();
	return v0 ^ v1 ^ v2 ^ v3;
}
