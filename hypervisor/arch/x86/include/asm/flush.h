/*
 * TLB and cache flushes of the local CPU (arch/x86/flush.c). Out of line so
 * that the pure-logic arch files using them (pv/grant_map.c) compile on the
 * host, where the unit-test harness supplies recorders instead.
 */
#ifndef ASM_FLUSH_H
#define ASM_FLUSH_H

#include <hv/types.h>

void tlb_flush_local(void);                        /* every non-global entry */
void tlb_flush_va(unsigned long va);               /* one page of the current address space */
void cache_flush_range(const void *p, size_t len); /* write back and invalidate the lines */

#endif
