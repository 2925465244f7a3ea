/*
 * pattern.h: the data pvfront writes to its disk, a pure function of (seed,
 * sector), shared with dom0's checker tests/dom0/pvfront-pattern.c so that
 * dom0 can verify the image byte for byte after the guest is gone.
 */
#ifndef PVFRONT_PATTERN_H
#define PVFRONT_PATTERN_H
#include <stdint.h>

#define PATTERN_SECTOR 512u

/* splitmix64: every word of every sector differs, and no seed repeats another's data. */
static inline uint64_t pattern_word(uint64_t seed, uint64_t sector, unsigned int word)
{
    uint64_t z = (seed << 40) + sector * 64 + word + 0x9e3779b97f4a7c15ull;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void pattern_fill(uint64_t *buf, uint64_t seed, uint64_t sector)
{
    for (unsigned int w = 0; w < PATTERN_SECTOR / 8; w++)
        buf[w] = pattern_word(seed, sector, w);
}
#endif
