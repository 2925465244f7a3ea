/*
 * TLB and cache flushes of the local CPU (arch/x86/flush.c). Out of line so
 * that the pure-logic arch files using them (pv/grant_map.c) compile on the
 * host, where the unit-test harness supplies recorders instead.
 */
#ifndef ASM_FLUSH_H
#define ASM_FLUSH_H

#include <hv/types.h>

/*
 * A CR3 load drops every TLB entry (CR4.PGE is never set, nor PCID used), so
 * each one is a full flush the TLB clock may hear of (hv/tlb_clock.h) through
 * cr3_load. One it misses (boot's, the user -> kernel switch inlined in the
 * hot-path page) only leaves the CPU looking staler: a flush more at some
 * allocation, never one less.
 */
void cr3_load(unsigned long cr3);
void tlb_flush_local(void);                        /* every entry: the current CR3 again */
void tlb_flush_va(unsigned long va);               /* one page of the current address space */
void cache_flush_range(const void *p, size_t len); /* write back and invalidate the lines */

#endif
