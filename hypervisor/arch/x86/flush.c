/* TLB and cache flushes of the local CPU (see asm/flush.h). */
#include <asm/flush.h>
#include <asm/processor.h>
#include <hv/tlb_clock.h>

#define CACHE_LINE 64                                /* CLFLUSH granularity on every x86-64 so far */

void cr3_load(unsigned long cr3)
{
    u64 before = tlb_clock_read();                   /* the load is serialising: read first */

    write_cr3(cr3);
    tlb_clock_flushed(before);
}

void tlb_flush_local(void)
{
    cr3_load(read_cr3());
}

void tlb_flush_va(unsigned long va)
{
    invlpg(va);
}

void cache_flush_range(const void *p, size_t len)
{
    unsigned long a = (unsigned long)p & ~(unsigned long)(CACHE_LINE - 1);
    unsigned long end = (unsigned long)p + len;

    asm volatile("mfence" ::: "memory");             /* earlier stores reach the lines first */
    for (; a < end; a += CACHE_LINE)
        asm volatile("clflush (%0)" :: "r"(a) : "memory");
    asm volatile("mfence" ::: "memory");
}
