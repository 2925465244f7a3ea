/*
 * Host harness for the hypervisor's common code: the arch hooks of
 * include/hv/arch.h and guest_access.h as fakes and recorders, a page arena
 * standing in for machine memory (tracked by the real hv_frames allocator),
 * and per-test set-up/tear-down that catches leaked frames.
 */
#ifndef UNIT_HARNESS_H
#define UNIT_HARNESS_H

#include <CUnit/CUnit.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <hv/types.h>
#include <hv/xen.h>
#include <hv/arch.h>
#include <hv/irq.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>

struct vcpu;
struct domain;

/* Machine memory: HARNESS_ARENA_PAGES page-aligned host pages, mfn = page index. */
#define HARNESS_ARENA_PAGES 1024
extern unsigned char *harness_arena;
extern unsigned long harness_m2p[HARNESS_ARENA_PAGES];   /* arch_m2p_set */

/* What the fake mm_install_hv_slots writes into L4 slot i (256-271). */
#define HARNESS_HV_SLOT(i) (0x4856000000000000ULL | ((u64)(i) << 12))

/*
 * The guest page tables below arch/x86/pv/grant_map.c (compiled as is): a
 * domain's current address space is up to HARNESS_L1S real, pinned L1 tables
 * of its own, k-th covering HARNESS_VA_BASE + k * 2 MiB. harness_give_l1
 * allocates and pins table k (the fuzzer gives each domain table 0); harness_pte is the entry for va (NULL when
 * unmapped). TLB flushes are counted, cache flushes recorded.
 */
#define HARNESS_L1S 4
#define HARNESS_VA_BASE 0x400000UL
#define HARNESS_BAD_HOST_ADDR 0xbadUL                /* unaligned: refused */
mfn_t harness_give_l1(struct domain *d, unsigned int k);
mfn_t harness_try_give_l1(struct domain *d, unsigned int k);   /* INVALID_MFN, no assert */
u64 *harness_pte(struct domain *d, u64 va);
u64 harness_pte_maddr(struct domain *d, u64 va);
extern unsigned int harness_tlb_flushes;
extern const void *harness_cache_flush_p;
extern size_t harness_cache_flush_len;

/* Fake TSC (arch_read_tsc) and the last deadline given to arch_timer_program. */
void harness_set_tsc(u64 tsc);
extern u64 harness_timer_deadline;
extern unsigned int harness_timer_programs;

/* Everything written through arch_console_write since the last clear. */
const char *harness_console(void);
void harness_console_clear(void);

/* arch_copy_raw: bytes inside the fault range fault (stop the copy). */
#define FAULT_READ  1u                 /* reading from the range faults */
#define FAULT_WRITE 2u                 /* writing into the range faults */
void harness_fault_range(const void *start, size_t len, unsigned int how);
void harness_fault_clear(void);
/* When set, a copy whose source and destination both lie outside [start,
 * start+len) faults: guest memory is that window only (fuzzing). */
void harness_guest_window(const void *start, size_t len);
extern unsigned int harness_copy_calls;

/* Recorders for the vCPU/domain/context hooks. */
struct harness_arch {
    unsigned int vcpu_init, vcpu_destroy, domain_destroy, context_switch, dump_registers;
    struct vcpu *last_prev, *last_next;
    int vcpu_init_rc;                  /* what arch_vcpu_init returns (0 by default) */
};
extern struct harness_arch harness_arch;

/*
 * arch_poweroff / arch_halt longjmp to *harness_stop_jmp when it is set
 * (and record what happened), else they abort the test binary.
 */
extern jmp_buf *harness_stop_jmp;
extern int harness_poweroff_code;     /* -1 until arch_poweroff runs */
extern unsigned int harness_halts;

/* A host pointer or address as the guest handle a handler takes. */
#define HANDLE(p) guest_handle((unsigned long)(p))

/*
 * The arch/x86/pv hypercall handlers are stubs (generated from hv/hypercall-defs
 * by gen-stubs.sh, with the typed prototypes) calling harness_stub, which
 * records the call (its real arguments, the rest 0) and returns STUB_RET(nr).
 */
#define STUB_RET(nr) (0x5700000L + (long)(nr))
long harness_stub(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                  unsigned long a4, unsigned long a5);
extern unsigned long harness_stub_nr;
extern unsigned long harness_stub_args[5];

/* A domain with vCPUs 0..nr_vcpus-1; fails the test (CU_FAIL_FATAL) if it cannot. */
struct domain *harness_domain(domid_t id, unsigned int nr_vcpus, bool privileged);
/* Makes vCPU 0 of d (or nothing, for NULL) the current one. */
void harness_set_current(struct domain *d);
/* arch_flush_tlb_mask's record: the union of the masks it was given, and how often. */
extern cpumask_t harness_flushed;
extern unsigned int harness_flush_ipis;
/* What arch_cpus_online() answers: CPU 0 (reset by harness_setup). Only code that
 * never runs on another CPU may be tested with more (arch_pcpu knows CPU 0 only). */
extern cpumask_t harness_cpus_online;
/* hv_frames.nr_free at the start of the test. */
extern mfn_t harness_baseline_free;

/* Once per process: machine memory, frame pool, scheduler (main, fuzzers). */
int harness_init(void);
/* Frees the fake arch hooks saw for frames that were not in use. */
unsigned int harness_bad_frees(void);

/* Shuts down and frees every domain, drains timers and the run queue. */
void harness_reap(void);
void harness_reap_all(void);
/* Dispatches like a guest would: continuations are followed to the end. */
long harness_hypercall(unsigned long nr, const unsigned long args[5]);
extern unsigned long harness_restarts;
extern unsigned int harness_vcpu_dumps;         /* arch_vcpu_dump_counters calls: debug key q */
/* A toolstack's domctl / sysctl (control_calls.c): version, command (and domain) filled in. */
struct xen_domctl;
struct xen_sysctl;
long harness_domctl(struct xen_domctl *dc, u32 cmd, domid_t dom);
long harness_sysctl(struct xen_sysctl *sc, u32 cmd);

/* Per-test set-up and tear-down used by every suite. */
void harness_setup(void);
void harness_teardown(void);

struct unit_test {
    const char *name;
    void (*fn)(void);
};

#define ADD_SUITE(name_, tests_)                                                  \
    do {                                                                          \
        CU_pSuite s_ = CU_add_suite_with_setup_and_teardown(                      \
            name_, NULL, NULL, harness_setup, harness_teardown);                  \
        for (size_t i_ = 0; i_ < sizeof(tests_) / sizeof((tests_)[0]); i_++)      \
            CU_add_test(s_, (tests_)[i_].name, (tests_)[i_].fn);                  \
    } while (0)

/* Asserting an integer result with both values in the failure message. */
#define EXPECT_EQ(a, b)                                                           \
    do {                                                                          \
        long long a_ = (long long)(a), b_ = (long long)(b);                       \
        char m_[256];                                                             \
        snprintf(m_, sizeof(m_), "%s == %s (%lld vs %lld)", #a, #b, a_, b_);      \
        CU_assertImplementation(a_ == b_, __LINE__, m_, __FILE__, "", CU_FALSE);  \
    } while (0)

/* A failure with a message built at run time (CU_FAIL only takes a literal). */
#define FAIL_MSG(msg) CU_assertImplementation(CU_FALSE, __LINE__, (msg), __FILE__, "", CU_FALSE)

void suite_frame(void);
void suite_evtchn(void);
void suite_evtchn_fifo(void);
void suite_domctl(void);
void suite_cpu_policy(void);
void suite_elf(void);
void suite_guest_access(void);
void suite_hypercall(void);
void suite_time(void);
void suite_cmdline(void);
void suite_domain(void);
void suite_page_type(void);
void suite_page_race(void);
void suite_iomem(void);
void suite_hvm(void);
void suite_hvm_insn(void);
void suite_linear_pt(void);
void suite_grant(void);
void suite_grant_v2(void);
void suite_memory(void);
void suite_smp(void);
void suite_credit(void);
void suite_spinlock(void);
void suite_lock_order(void);
void suite_pirq(void);
void suite_ioreq(void);
void suite_hvm_param(void);
void suite_hvm_save(void);
void suite_pci_intx(void);
/* arch_hvm_physmap_add's stub: the gfns an HVM domain got (test_memory.c). */
extern u64 harness_physmap_gfn[16];
extern mfn_t harness_physmap_mfn[16];
extern unsigned int harness_physmap_nr;

/* The fake I/O APIC behind the arch_irq_gsi_* hooks (pirq suite). */
#define HARNESS_NR_GSIS 24
#define HARNESS_RESERVED_GSI 2
struct harness_gsi {
    bool level, active_low, masked;
    unsigned int configures;
};
extern struct harness_gsi harness_gsi[HARNESS_NR_GSIS];
extern unsigned int harness_nr_gsis;

/* The fake MSI slots behind the arch_msi_* hooks (pirq suite). */
struct harness_msi {
    bool active, masked;
    struct msi_source src;
};
extern struct harness_msi harness_msi[HV_MAX_MSIS];
extern int harness_msi_setup_rc;                /* what arch_msi_setup answers (0: success) */

/* createdomain's HVM hooks (harness.c). */
extern bool harness_hvm_supported;
extern int harness_hvm_create_rc;

#endif
