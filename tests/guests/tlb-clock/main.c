/*
 * tlb-clock: a frame freed while another CPU may still cache a translation
 * to it is not handed to its next owner before that CPU is flushed
 * (hv/tlb_clock.h, docs/smp.md "TLB clock").
 *
 * As dom0 (privileged) with two vCPUs on two CPUs:
 *  - it builds a domain B and maps one of B's frames, M, into a window of
 *    its own (a foreign mapping, as privcmd does), writes a word there;
 *  - vCPU 1 reads the window in a loop, so CPU 1 caches the translation;
 *  - vCPU 0 clears the window's entry without any flush (a careless or
 *    hostile dom0: Linux would flush), destroys B, and populates a new
 *    domain C until M comes back, then writes a secret into M;
 *  - vCPU 1 must never read the secret: its reads fault from the moment M
 *    has a new owner, because the allocation flushed CPU 1 first.
 * The hypervisor flushes only B's CPUs when B's frames are freed (B never
 * ran): without the clock CPU 1's stale entry outlives the free and reads C.
 * Arguments: pvhv.vcpus=2 on ours (dom0_max_vcpus=2 on Xen); reads=<N>
 * (default 2000) per phase.
 */
#include "ctl.h"
#include "mm.h"
#include "smp.h"

const char test_name[] = "tlb-clock";

#define SEEN    0x0b5e55ed0b5e55edUL     /* what B's frame holds */
#define SECRET  0x5ec12e75ec12e700UL     /* what C writes into it */
#define BATCH   256

static volatile uint64_t window[512] __aligned(PAGE_SIZE);
static uint64_t window2[512] __aligned(PAGE_SIZE);
static uint8_t v1_stack[16384] __aligned(16);
static struct vcpu_guest_context ctx;
static xen_pfn_t mfns[BATCH];

/* Written by vCPU 1, read by vCPU 0. */
static volatile unsigned long v1_reads, v1_faults, v1_secret;
static volatile uint64_t v1_last;

static void v1_main(void)
{
    for (;;) {
        uint64_t v;

        if (try_read64(&window[0], &v)) {
            v1_last = v;
            v1_secret += v == SECRET;
        } else {
            v1_faults++;
        }
        __atomic_store_n(&v1_reads, v1_reads + 1, __ATOMIC_RELEASE);
    }
}

/* vCPU 1 did n more reads (within 10 s). */
static bool more_reads(unsigned long n)
{
    unsigned long want = v1_reads + n;
    uint64_t end = pvclock_ns() + 10000000000UL;

    while (v1_reads < want)
        if (pvclock_ns() > end)
            return false;
    return true;
}

static long set_window(void *va, uint64_t val, domid_t owner)
{
    return mmu_req(virt_to_maddr(l1e_of(va)) | MMU_NORMAL_PT_UPDATE, val, owner);
}

static bool build_b(domid_t *b, unsigned long *m)
{
    *b = 0;
    if (!check_eq(ctl_createdomain(b, 1), 0, "createdomain B") ||
        !check_eq(ctl_max_mem(*b, 4 * 4), 0, "max_mem B") ||
        !check_eq(ctl_populate(*b, 0, 4, mfns), 4, "populate 4 frames into B"))
        return false;
    *m = mfns[0];
    return check_eq(set_window((void *)window, (*m << 12) | PTE_RW_ACC, *b), 0,
                    "map B's frame M into the window (foreign mapping)");
}

/* Populates C until M is one of its frames; its gpfn, or -1. */
static long populate_until(domid_t c, unsigned long m)
{
    for (unsigned long gpfn = 0;; gpfn += BATCH) {
        long n = ctl_populate(c, gpfn, BATCH, mfns);

        for (long i = 0; i < n; i++)
            if (mfns[i] == m)
                return (long)(gpfn + i);
        if (n < BATCH) {
            info("populate stopped at %ld of a batch, %lu frames in", n, gpfn + (n > 0 ? n : 0));
            return -1;
        }
    }
}

static void stale_phase(unsigned long reads)
{
    unsigned long r0 = v1_reads, f0 = v1_faults;

    check_eq(set_window((void *)window, 0, DOMID_SELF), 0, "clear the window's entry, no flush");
    more_reads(reads);
    info("after the clear, vCPU 1 read %lu times through its cached entry, faulted %lu times",
         v1_reads - r0 - (v1_faults - f0), v1_faults - f0);
}

static void reuse_phase(domid_t b, unsigned long m, unsigned long reads)
{
    domid_t c = 0;
    unsigned long r0, f0, r1, f1;
    long gpfn;

    check_eq(ctl_simple(XEN_DOMCTL_destroydomain, b), 0, "destroy B: M is freed");
    if (!check_eq(ctl_createdomain(&c, 1), 0, "createdomain C") ||
        !check_eq(ctl_max_mem(c, 1UL << 22), 0, "max_mem C 4 GiB"))
        return;
    gpfn = populate_until(c, m);
    if (check(gpfn >= 0, "M is allocated again, to C", "M %#lx never came back", m)) {
        r0 = v1_reads, f0 = v1_faults;
        check_eq(set_window(window2, (m << 12) | PTE_RW_ACC, c), 0, "map M as C's frame");
        window2[0] = SECRET;
        check(more_reads(reads), "vCPU 1 goes on reading", "stuck at %lu reads", v1_reads);
        r1 = v1_reads, f1 = v1_faults;
        check_eq(v1_secret, 0, "vCPU 1 never reads C's secret through its stale entry");
        check(f1 - f0 + 1 >= r1 - r0, "vCPU 1's reads fault once M has a new owner",
              "%lu of %lu faulted; last read %#lx", f1 - f0, r1 - r0, (unsigned long)v1_last);
        set_window(window2, 0, DOMID_SELF);
    }
    check_eq(ctl_simple(XEN_DOMCTL_destroydomain, c), 0, "destroy C");
}

void test_main(void)
{
    unsigned long reads = (unsigned long)cmdline_int("reads", 2000), m;
    domid_t b;

    if (!check(is_priv(), "runs privileged (dom0)", "not privileged"))
        return;
    if (!build_b(&b, &m))
        return;
    window[0] = SEEN;
    vcpu_context_at(&ctx, v1_main, v1_stack, sizeof(v1_stack));
    if (!check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1") ||
        !check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1"))
        return;
    check(more_reads(reads) && v1_last == SEEN && v1_faults == 0,
          "vCPU 1 reads B's frame through the window", "%lu reads, %lu faults, last %#lx",
          v1_reads, v1_faults, (unsigned long)v1_last);
    stale_phase(reads);
    reuse_phase(b, m, reads);
}
