/*
 * hvm-fpu: an HVM guest's SSE state survives the CPU being given to another
 * domain, and does not leak into it. It keeps its own value in xmm0 across
 * HLT sleeps (the PV fpu-ts guest runs meanwhile and keeps its own xmm0:
 * the runner judges both) and across busy loops that the host's timer
 * interrupts.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-fpu";

#define ROUNDS 20

static void sse_enable(void)
{
    uint32_t cr0, cr4;

    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" :: "r"((cr0 & ~(1u << 2)) | (1u << 1)));    /* EM off, MP on */
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" :: "r"(cr4 | (1u << 9) | (1u << 10)));      /* OSFXSR, OSXMMEXCPT */
}

static void set_xmm0(uint64_t v) { __asm__ volatile("movq %0, %%xmm0" :: "m"(v)); }
static uint64_t get_xmm0(void) { uint64_t v; __asm__ volatile("movq %%xmm0, %0" : "=m"(v)); return v; }

static void spin(uint64_t cycles)
{
    uint64_t t0 = rdtsc();

    while (rdtsc() - t0 < cycles)
        ;
}

void hvm_main(uint32_t mem_bytes)
{
    unsigned int bad = 0;
    uint64_t got = 0, want = 0;

    sse_enable();
    for (unsigned int i = 0; i < ROUNDS; i++) {
        want = 0x4856d0f0c0de0000ULL + i;
        set_xmm0(want);
        if (i & 1)
            hvm_sleep_us(15000);                /* blocked: the PV guest runs */
        else
            spin(60000000);                     /* ~20 ms: a slice ends in the middle */
        got = get_xmm0();
        if (got != want && !bad++)
            printk("INFO: %s: round %u: xmm0 %lx, want %lx\n", hvm_guest_name, i, got, want);
    }
    check(!bad, "xmm0 kept over %u sleeps and busy loops (%u rounds wrong)", ROUNDS, bad);
    done();
    hvm_shutdown(0);
}
