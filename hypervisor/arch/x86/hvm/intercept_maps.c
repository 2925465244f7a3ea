/*
 * The I/O and MSR permission maps' bit arithmetic. The HVM policy sets
 * every bit (everything intercepted: svm.c), so these serve that policy's
 * checks and any later pass-through of single MSRs or ports.
 */
#include <hv/lib.h>
#include <asm/hvm_maps.h>

/* The three MSR ranges the map covers, each 0x2000 MSRs in 2 KiB. */
static const u32 msrpm_ranges[3] = { 0x00000000u, 0xc0000000u, 0xc0010000u };

long msrpm_bit(u32 msr, bool write)
{
    for (unsigned int i = 0; i < 3; i++) {
        if (msr - msrpm_ranges[i] < 0x2000u)
            return (long)i * 2048 * 8 + (long)(msr - msrpm_ranges[i]) * 2 + write;
    }
    return -1;
}

static void bit_put(u8 *map, long bit, bool set)
{
    if (set)
        map[bit / 8] |= (u8)(1u << (bit % 8));
    else
        map[bit / 8] &= (u8)~(1u << (bit % 8));
}

void msrpm_set(u8 *map, u32 msr, bool intercept_read, bool intercept_write)
{
    long bit = msrpm_bit(msr, false);

    if (bit < 0)
        return;
    bit_put(map, bit, intercept_read);
    bit_put(map, bit + 1, intercept_write);
}

bool msrpm_intercepts(const u8 *map, u32 msr, bool write)
{
    long bit = msrpm_bit(msr, write);

    return bit < 0 || (map[bit / 8] >> (bit % 8)) & 1;
}

void iopm_set(u8 *map, u16 port, bool intercept)
{
    bit_put(map, port, intercept);
}

bool iopm_intercepts(const u8 *map, u16 port)
{
    return (map[port / 8] >> (port % 8)) & 1;
}
