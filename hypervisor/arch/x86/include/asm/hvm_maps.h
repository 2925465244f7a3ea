/*
 * SVM intercept maps (APM 15.10, 15.11): the I/O permission map (one bit
 * per port, 12 KiB) and the MSR permission map (two bits per MSR, read
 * then write, in three 2 KiB ranges). A set bit intercepts. Pure logic,
 * unit-tested on the host.
 */
#ifndef ASM_HVM_MAPS_H
#define ASM_HVM_MAPS_H

#include <hv/types.h>

#define IOPM_SIZE   (3 * 4096)
#define MSRPM_SIZE  (2 * 4096)

/* The bit for msr's read (write: +1), or -1 when no range covers it (the CPU intercepts those always). */
long msrpm_bit(u32 msr, bool write);
void msrpm_set(u8 *map, u32 msr, bool intercept_read, bool intercept_write);
bool msrpm_intercepts(const u8 *map, u32 msr, bool write);
void iopm_set(u8 *map, u16 port, bool intercept);
bool iopm_intercepts(const u8 *map, u16 port);

#endif
