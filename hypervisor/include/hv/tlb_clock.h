/*
 * The TLB clock (common/tlb_clock.c, docs/smp.md "TLB clock"): when may a
 * freed frame go to its next owner without a flush?
 *
 * A CPU may still cache a translation to a frame after the last page-table
 * entry naming it is gone: the guest that cleared the entry (its own, or a
 * foreign mapping dom0 made) flushes only the CPUs it chooses. Rather than
 * flush every CPU at every free, as Xen the frame is stamped when freed and,
 * when it is allocated again, only the CPUs whose last full flush began
 * before that stamp are flushed. Frees advance the clock; flushes read it.
 */
#ifndef HV_TLB_CLOCK_H
#define HV_TLB_CLOCK_H

#include <hv/cpumask.h>
#include <hv/types.h>

/* A free: the clock's new time, the stamp of the frames it gave back. */
u64 tlb_clock_tick(void);

/*
 * A full flush of this CPU's TLB (a CR3 load: CR4.PGE is never set): read
 * the clock before it, record the time after it.
 */
u64 tlb_clock_read(void);
void tlb_clock_flushed(u64 before);

/* The CPUs of `cpus` whose last full flush began before `stamp`. */
cpumask_t tlb_clock_stale(const cpumask_t *cpus, u64 stamp);

/* Flushes every online CPU that may hold an entry older than `stamp`. */
void tlb_clock_flush_stale(u64 stamp);

/*
 * Frames keep the low 32 bits of their stamp (struct frame_info); the full
 * stamp is the latest time not after now with those bits. A frame older
 * than 2^32 frees gets a later stamp than its real one: more CPUs flushed,
 * never fewer.
 */
static inline u64 tlb_clock_widen(u32 low, u64 now)
{
    return now - (u32)((u32)now - low);
}

#endif
