/* TLB and cache flushes of the local CPU (see asm/flush.h). */
#include <asm/flush.h>
#include <asm/processor.h>

#define CACHE_LINE 64                                /* CLFLUSH granularity on every x86-64 so far */

void tlb_flush_local(void)
{
    write_cr3(read_cr3());
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
