/*
 * Arch hooks for running the hypervisor's common/ sources on the host, and the CUnit
 * runner printing "PASS: unit/<suite>/<test>" lines.
 */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/spinlock.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/page_type.h>

#include "harness.h"

/* ---------------------------------------------------------------- memory */

static mfn_t harness_l1[HV_MAX_DOMAINS][HARNESS_L1S];  /* the guests' address spaces (below) */

unsigned char *harness_arena;
static u64 arena_bitmap[HARNESS_ARENA_PAGES / 64];
static struct frame_info arena_info[HARNESS_ARENA_PAGES];
mfn_t harness_baseline_free;

/*
 * Free arena pages stay poisoned. Domain frames come from frame_alloc, which
 * knows nothing of ASan, so the direct map unpoisons the page asked for and
 * the allocated pages after it (an extent, up to 2 MiB), never free ones.
 */
void *hv_mfn_to_virt(mfn_t mfn)
{
    unsigned char *p = harness_arena + mfn * PAGE_SIZE;

    for (mfn_t m = mfn; m < HARNESS_ARENA_PAGES && m < mfn + 512; m++) {
        unsigned char *q = harness_arena + m * PAGE_SIZE;

        if (hv_frames.info[m].owner == FRAME_OWNER_FREE)
            break;
        if (__asan_address_is_poisoned(q))
            ASAN_UNPOISON_MEMORY_REGION(q, PAGE_SIZE);
    }
    return p;
}

mfn_t hv_virt_to_mfn(const void *p)
{
    return (mfn_t)((const unsigned char *)p - harness_arena) / PAGE_SIZE;
}

/* common/heap.c frees; the arena poisons the pages again. */
void arch_heap_pages_freed(void *p, unsigned long count)
{
    ASAN_POISON_MEMORY_REGION(p, count * PAGE_SIZE);
}

/* The M2P as guests would read it, for the arena's frames. */
unsigned long harness_m2p[HARNESS_ARENA_PAGES];

void arch_m2p_set(mfn_t mfn, unsigned long pfn)
{
    if (mfn < HARNESS_ARENA_PAGES)
        harness_m2p[mfn] = pfn;
}

/* arch_release_frame is the real one, in arch/x86/pv/page_type.c. */

/* As arch/x86/physmem.c: the hypervisor's L4 slots, here a marker per slot. */
/* Like arch/x86/physmem.c: only the M2P (256) and direct-map (262) slots are filled. */
void mm_install_hv_slots(u64 *l4)
{
    l4[256] = HARNESS_HV_SLOT(256);
    l4[262] = HARNESS_HV_SLOT(262);
}

/* Serial input: none in the unit tests. */
int arch_console_getc(void)
{
    return -1;
}

/* ---------------------------------------------------------- clock, timer */

static u64 fake_tsc;
u64 harness_timer_deadline;
unsigned int harness_timer_programs;

void harness_set_tsc(u64 tsc) { fake_tsc = tsc; }
u64 arch_read_tsc(void) { return fake_tsc; }
void arch_irq_disable(void) { }
void arch_wait_for_interrupt(void) { }

void arch_timer_program(u64 deadline_ns)
{
    harness_timer_deadline = deadline_ns;
    harness_timer_programs++;
}

/* --------------------------------------------------------------- console */

static char console_buf[1 << 16];
static size_t console_len;

void arch_console_write(const char *s, size_t len)
{
    size_t room = sizeof(console_buf) - 1 - console_len;
    size_t n = MIN(len, room);

    memcpy(console_buf + console_len, s, n);
    console_len += n;
    console_buf[console_len] = '\0';
    if (getenv("UNIT_CONSOLE"))
        fwrite(s, 1, len, stderr);
}

const char *harness_console(void) { return console_buf; }

void harness_console_clear(void)
{
    console_len = 0;
    console_buf[0] = '\0';
}

/* ---------------------------------------------------------- guest copies */

static uintptr_t fault_start, fault_end;
static unsigned int fault_how;
unsigned int harness_copy_calls;

void harness_fault_range(const void *start, size_t len, unsigned int how)
{
    fault_start = (uintptr_t)start;
    fault_end = fault_start + len;
    fault_how = how;
}

void harness_fault_clear(void)
{
    fault_start = fault_end = 0;
    fault_how = 0;
}

static bool faults(uintptr_t p, unsigned int how)
{
    return (fault_how & how) && p >= fault_start && p < fault_end;
}

static uintptr_t window_start, window_end;

void harness_guest_window(const void *start, size_t len)
{
    window_start = (uintptr_t)start;
    window_end = window_start + len;
}

static bool in_window(uintptr_t p)
{
    return p >= window_start && p < window_end;
}

/* As the rep movsb with its fixup: copies up to the first faulting byte.
 * Addresses are integers here: a guest may pass 0, which faults. */
size_t arch_copy_raw(void *dst, const void *src, size_t len)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

    harness_copy_calls++;
    for (size_t i = 0; i < len; i++) {
        if (faults(s + i, FAULT_READ) || faults(d + i, FAULT_WRITE))
            return len - i;
        /* With a guest window, the guest side of a copy must lie in it:
         * anything else is an unmapped guest address (a wild pointer). */
        if (window_end && !in_window(s + i) && !in_window(d + i))
            return len - i;
        *(unsigned char *)(d + i) = *(const unsigned char *)(s + i);
    }
    return 0;
}

/* ------------------------------------------------------ vCPUs, domains */

struct harness_arch harness_arch;

int arch_vcpu_init(struct vcpu *v)
{
    harness_arch.vcpu_init++;
    if (harness_arch.vcpu_init_rc)
        return harness_arch.vcpu_init_rc;
    v->arch.stack = hv_alloc_pages(1);       /* so leaks and double frees show */
    return v->arch.stack ? 0 : -ENOMEM;
}

/* No CPU idles on a vCPU's tables here (context.c's lazy CR3 is arch only). */
void arch_vcpu_drop_lazy(struct vcpu *v)
{
    (void)v;
}

int arch_vcpu_held_cpu(const struct vcpu *v)
{
    (void)v;
    return -1;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    harness_arch.vcpu_destroy++;
    hv_free_pages(v->arch.stack, 1);
    v->arch.stack = NULL;
}

/*
 * The PV vCPU context (arch/x86/pv/vcpu_context.c): the real checks
 * (vcpu_context_check.c, compiled as is), then only the base pointer is
 * taken; the harness's vCPUs have no register frame.
 */
int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    int rc = pv_vcpu_context_check(v->domain, c);

    if (rc)
        return rc;
    if (v->arch.cr3_kernel || v->state != VCPU_DOWN)
        return -EEXIST;
    if (page_get_and_type(c->ctrlreg[3] >> PAGE_SHIFT, PGT_l4, v->domain))
        return -EINVAL;
    v->arch.cr3_kernel = c->ctrlreg[3] >> PAGE_SHIFT;
    if (c->flags & VGCF_online)
        sched_add(v);
    return 0;
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
    return v->arch.cr3_kernel != 0;
}

/* VCPUOP_initialise: the guest's checks, then the base pointer as above (no GDT here). */
int arch_initialise_vcpu(struct vcpu *v, const struct vcpu_guest_context *c)
{
    int rc = pv_vcpu_context_check_guest(v->domain, c);

    if (rc)
        return rc;
    if (v->arch.cr3_kernel || v->state != VCPU_DOWN)
        return -EEXIST;
    if (page_get_and_type(c->ctrlreg[3] >> PAGE_SHIFT, PGT_l4, v->domain))
        return -EINVAL;
    v->arch.cr3_kernel = c->ctrlreg[3] >> PAGE_SHIFT;
    return 0;
}

void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
    c->flags = VGCF_in_kernel | (v->state != VCPU_DOWN ? VGCF_online : 0);
    c->ctrlreg[3] = v->arch.cr3_kernel << PAGE_SHIFT;
}

/* Descriptor pages: the harness's vCPUs load no GDT or LDT. */
void pv_gdt_free(struct vcpu *v) { }
void pv_ldt_free(struct vcpu *v) { }

/*
 * The frames came back already through the real arch_domain_relinquish
 * (arch/x86/pv/domain_relinquish.c): the pins and trees released, every
 * frame freed or orphaned while something still references it (a reference
 * leaked by the code under test shows as a leaked frame).
 */
void arch_domain_destroy(struct domain *d)
{
    harness_arch.domain_destroy++;
    memset(harness_l1[d->id], 0, sizeof(harness_l1[d->id]));
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    harness_arch.context_switch++;
    harness_arch.last_prev = prev;
    harness_arch.last_next = next;
}

void arch_dump_registers(void)
{
    harness_arch.dump_registers++;
}

jmp_buf *harness_stop_jmp;
int harness_poweroff_code = -1;
unsigned int harness_halts;

__noreturn void arch_poweroff(int code)
{
    harness_poweroff_code = code;
    if (harness_stop_jmp)
        longjmp(*harness_stop_jmp, 1);
    fprintf(stderr, "unit: arch_poweroff(%d) with no test expecting it\n", code);
    abort();
}

/* One physical CPU on the host: CPU 0, everything "on all CPUs" runs here.
 * Per thread: the lock suite's threads are "CPUs" with ids of their own. */
__thread struct pcpu host_test_pcpu;

/* hv/sched.h has its own sched_yield: the host's, by its system call. */
void harness_spin_wait(void)
{
    syscall(SYS_sched_yield);
}
cpumask_t harness_cpus_online;             /* CPU 0 after harness_setup; a test may add offline-only ones */
cpumask_t arch_cpus_online(void) { return harness_cpus_online; }
struct pcpu *arch_pcpu(unsigned int cpu) { return cpu == 0 ? &host_test_pcpu : NULL; }
void arch_on_cpus(const cpumask_t *mask, void (*fn)(void *arg), void *arg)
{
    if (cpumask_test(mask, 0))
        fn(arg);
}
cpumask_t harness_flushed;                  /* the CPUs flushed by IPI so far (tlb_mask tests) */
unsigned int harness_flush_ipis;
void arch_flush_tlb_mask(const cpumask_t *mask)
{
    harness_flushed = cpumask_or(&harness_flushed, mask);
    harness_flush_ipis++;
}
void arch_send_reschedule(unsigned int cpu) { }

/* Device interrupt lines: a fake I/O APIC whose pins the pirq suite inspects. */
struct harness_gsi harness_gsi[HARNESS_NR_GSIS];
unsigned int harness_nr_gsis = HARNESS_NR_GSIS;
unsigned int arch_irq_nr_gsis(void) { return harness_nr_gsis; }
bool arch_irq_gsi_reserved(unsigned int gsi) { return gsi == HARNESS_RESERVED_GSI; }
bool arch_irq_gsi_level(unsigned int gsi) { return gsi < HARNESS_NR_GSIS && harness_gsi[gsi].level; }
void arch_irq_gsi_configure(unsigned int gsi, bool level, bool active_low)
{
    harness_gsi[gsi].level = level;
    harness_gsi[gsi].active_low = active_low;
    harness_gsi[gsi].configures++;
}
void arch_irq_gsi_mask(unsigned int gsi, bool masked) { harness_gsi[gsi].masked = masked; }
struct harness_msi harness_msi[HV_MAX_MSIS];
int harness_msi_setup_rc;
int arch_msi_setup(unsigned int slot, const struct msi_source *src)
{
    CU_ASSERT_FATAL(slot < HV_MAX_MSIS);
    CU_ASSERT_FALSE(harness_msi[slot].active);        /* pirq.c never reuses a live slot */
    if (harness_msi_setup_rc)
        return harness_msi_setup_rc;
    harness_msi[slot] = (struct harness_msi){ .active = true, .masked = true, .src = *src };
    return 0;
}
void arch_msi_teardown(unsigned int slot) { harness_msi[slot] = (struct harness_msi){ 0 }; }
void arch_msi_mask(unsigned int slot, bool masked)
{
    if (slot < HV_MAX_MSIS && harness_msi[slot].active)
        harness_msi[slot].masked = masked;
}
unsigned int arch_panic_stop_others(void) { return 0; }

__noreturn void arch_halt(void)
{
    harness_halts++;
    if (harness_stop_jmp)
        longjmp(*harness_stop_jmp, 2);
    fprintf(stderr, "unit: arch_halt() with no test expecting it (console: %s)\n", console_buf);
    abort();
}

/* VCPUOP_register_vcpu_info is arch code (arch/x86/pv/vcpu_info.c); refused here. */
int arch_register_vcpu_info(struct vcpu *v, mfn_t mfn, unsigned int offset)
{
    return -ENOSYS;
}

/* main.c's domain builder is arch code; never reached by the tests. */
int pv_build_domain(struct domain *d, const struct domain_spec *spec)
{
    (void)d; (void)spec;
    return -ENOSYS;
}

int hvm_build_domain(struct domain *d, const struct domain_spec *spec)
{
    (void)d; (void)spec;
    return -ENOSYS;
}

/* createdomain with XEN_DOMCTL_CDF_hvm: SVM offered or not, and the HVM state's allocation. */
bool harness_hvm_supported;
int harness_hvm_create_rc;
static int harness_fake_hvm;                 /* d->hvm only says "an HVM domain" to common code */

bool arch_hvm_supported(void)
{
    return harness_hvm_supported;
}

int arch_hvm_domain_create(struct domain *d)
{
    if (harness_hvm_create_rc)
        return harness_hvm_create_rc;
    d->hvm = (struct hvm_domain *)&harness_fake_hvm;
    return 0;
}

size_t fpu_xsave_size(void)
{
    return 0;                                /* FXSAVE layout (hvm_save.c's FPU image) */
}

unsigned int harness_isa_irq_raised = ~0u;   /* the last line dm_op raised */

int arch_hvm_set_isa_irq_level(struct domain *d, unsigned int irq, unsigned int level)
{
    (void)d;
    if (level)
        harness_isa_irq_raised = irq;
    return 0;
}

/* The arch glue of dm_op's PCI sub-ops: the last call, for test_ioreq.c's dm_op checks. */
unsigned int harness_pci_intx_calls;
unsigned int harness_vcpu_dumps;

void arch_vcpu_dump_counters(const struct vcpu *v)
{
    (void)v;
    harness_vcpu_dumps++;
}

int arch_hvm_set_pci_intx_level(struct domain *d, unsigned int dev, unsigned int intx, unsigned int level)
{
    (void)d; (void)dev; (void)intx; (void)level;
    harness_pci_intx_calls++;
    return 0;
}

int arch_hvm_set_pci_link_route(struct domain *d, unsigned int link, unsigned int isa_irq)
{
    (void)d; (void)link; (void)isa_irq;
    harness_pci_intx_calls++;
    return 0;
}

/* An HVM domain's physmap (arch/x86/hvm/physmap.c): a few gfns remembered, for -EEXIST. */
u64 harness_physmap_gfn[16];
mfn_t harness_physmap_mfn[16];
unsigned int harness_physmap_nr;

int arch_hvm_physmap_add(struct domain *d, u64 gfn, mfn_t mfn)
{
    (void)d;
    for (unsigned int i = 0; i < harness_physmap_nr; i++)
        if (harness_physmap_gfn[i] == gfn)
            return -EEXIST;
    if (harness_physmap_nr == 16)
        return -ENOMEM;
    harness_physmap_gfn[harness_physmap_nr] = gfn;
    harness_physmap_mfn[harness_physmap_nr++] = mfn;
    return 0;
}

mfn_t arch_hvm_gfn_to_mfn(const struct domain *d, u64 gfn)
{
    (void)d;
    for (unsigned int i = 0; i < harness_physmap_nr; i++)
        if (harness_physmap_gfn[i] == gfn)
            return harness_physmap_mfn[i];
    return INVALID_MFN;
}

/* ------------------------------------------- arch/x86/pv hypercall stubs */

/* The stubs themselves are generated from hv/hypercall-defs (gen-stubs.sh), typed. */
unsigned long harness_stub_nr = ~0UL;
unsigned long harness_stub_args[5];

long harness_stub(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                  unsigned long a4, unsigned long a5)
{
    harness_stub_nr = nr;
    harness_stub_args[0] = a1;
    harness_stub_args[1] = a2;
    harness_stub_args[2] = a3;
    harness_stub_args[3] = a4;
    harness_stub_args[4] = a5;
    return STUB_RET(nr);
}

/*
 * Below arch/x86/pv/grant_map.c (compiled as is): the guest's current page
 * tables and the TLB. Each domain's "address space" is up to HARNESS_L1S real
 * L1 tables of its own (validated, pinned), covering HARNESS_VA_BASE on; the
 * flushes are counted; cache flushes recorded.
 */
unsigned int harness_tlb_flushes;
const void *harness_cache_flush_p;
size_t harness_cache_flush_len;

mfn_t harness_try_give_l1(struct domain *d, unsigned int k)
{
    mfn_t l1 = k < HARNESS_L1S ? frame_alloc(&hv_frames, 1, 1, d->id) : INVALID_MFN;

    if (l1 == INVALID_MFN)
        return INVALID_MFN;
    memset(hv_mfn_to_virt(l1), 0, PAGE_SIZE);
    if (page_pin(l1, PGT_l1, d)) {
        frame_free(&hv_frames, l1, 1);
        return INVALID_MFN;
    }
    harness_l1[d->id][k] = l1;
    return l1;
}

mfn_t harness_give_l1(struct domain *d, unsigned int k)
{
    mfn_t l1 = harness_try_give_l1(d, k);

    CU_ASSERT_FATAL(l1 != INVALID_MFN);
    return l1;
}

u64 *harness_pte(struct domain *d, u64 va)
{
    u64 k = (va - HARNESS_VA_BASE) >> 21;

    if (va < HARNESS_VA_BASE || k >= HARNESS_L1S || !harness_l1[d->id][k])
        return NULL;
    return (u64 *)hv_mfn_to_virt(harness_l1[d->id][k]) + ((va >> 12) & 511);
}

u64 harness_pte_maddr(struct domain *d, u64 va)
{
    u64 *p = harness_pte(d, va);

    CU_ASSERT_FATAL(p != NULL);
    return ((u64)hv_virt_to_mfn(p) << PAGE_SHIFT) | ((unsigned long)p & ~PAGE_MASK);
}

/* The "cr3" is the domain's id: pv_find_l1 below picks that domain's tables. */
mfn_t pv_current_cr3_mfn(const struct vcpu *v)
{
    return v->domain->id;
}

mfn_t pv_find_l1(mfn_t l4_mfn, unsigned long va, unsigned int *slot)
{
    u64 k = (va - HARNESS_VA_BASE) >> 21;

    if (l4_mfn >= HV_MAX_DOMAINS || va < HARNESS_VA_BASE || k >= HARNESS_L1S ||
        !harness_l1[l4_mfn][k])
        return INVALID_MFN;
    *slot = (va >> 12) & 511;
    return harness_l1[l4_mfn][k];
}

void tlb_flush_local(void) { harness_tlb_flushes++; }
void tlb_flush_va(unsigned long va) { harness_tlb_flushes++; }

void cache_flush_range(const void *p, size_t len)
{
    harness_cache_flush_p = p;
    harness_cache_flush_len = len;
}

/* memory_op sub-ops common/memory.c leaves to the arch. */
long arch_memory_op(unsigned long cmd, guest_handle_t arg)
{
    return harness_stub(__HYPERVISOR_memory_op, cmd, arg.va, 0, 0, 0);
}

/* ------------------------------------------------------------- helpers */

struct domain *harness_domain(domid_t id, unsigned int nr_vcpus, bool privileged)
{
    struct domain *d = domain_create(id, privileged);

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (unsigned int i = 0; i < nr_vcpus; i++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(vcpu_create(d, i));
    return d;
}

void harness_set_current(struct domain *d)
{
    current = d ? d->vcpus[0] : NULL;
}

/* ------------------------------------------------- per-test set-up/down */

static struct hv_options default_opts;
static enum hv_loglvl default_loglvl;

void harness_setup(void)
{
    harness_fault_clear();
    harness_console_clear();
    memset(&harness_arch, 0, sizeof(harness_arch));
    harness_copy_calls = 0;
    harness_stop_jmp = NULL;
    harness_poweroff_code = -1;
    harness_cpus_online = cpumask_of(0);
    harness_halts = 0;
    harness_stub_nr = ~0UL;
    harness_timer_deadline = 0;
    harness_timer_programs = 0;
    heap_bad_frees = 0;
    memset(harness_l1, 0, sizeof(harness_l1));
    harness_tlb_flushes = 0;
    harness_cache_flush_p = NULL;
    harness_cache_flush_len = 0;
    fake_tsc = 0;
    time_init(1000000000ULL, 0, 1700000000ULL);      /* 1 GHz: 1 tick = 1 ns */
    current = NULL;
    schedule();                                      /* idle: clears need_resched */
    hv_opts = default_opts;
    hv_loglvl = default_loglvl;
    harness_baseline_free = hv_frames.nr_free;
    harness_nr_gsis = HARNESS_NR_GSIS;
    for (unsigned int g = 0; g < HARNESS_NR_GSIS; g++)
        harness_gsi[g] = (struct harness_gsi){ .level = g >= 16, .active_low = g >= 16, .masked = true };
    harness_msi_setup_rc = 0;
}

/*
 * A hypercall as the guest sees it: a preempted one is re-executed with
 * its continuation's arguments (as the guest re-executes its SYSCALL) until
 * it completes. *restarts counts the continuations.
 */
unsigned long harness_restarts;

long harness_hypercall(unsigned long nr, const unsigned long args[5])
{
    long ret = hypercall_dispatch(nr, args, false);

    while (current && current->cont.pending) {
        unsigned long a[5];

        current->cont.pending = false;
        memcpy(a, current->cont.args, sizeof(a));
        harness_restarts++;
        ret = hypercall_dispatch(current->cont.nr, a, false);
    }
    return ret;
}

/*
 * Every dead domain destroyed, step after step (domain_reap stops when
 * preempted). Not a CUnit assertion: the fuzzer runs outside any suite.
 */
void harness_reap(void)
{
    unsigned long steps = 0;

    while (domain_reap())
        if (++steps > 1000000) {
            fprintf(stderr, "harness_reap: a domain destruction makes no progress\n");
            abort();
        }
}

/* Shuts down and frees every domain, drains timers and the run queue. */
void harness_reap_all(void)
{
    current = NULL;
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        if (hv_domains[i])
            domain_shutdown(hv_domains[i], SHUTDOWN_poweroff);
    timer_run_due(~0ULL);                            /* the scheduler's slice timer */
    harness_reap();
    while (sched_pick_next())
        ;
}

/* Tears down every domain, drains timers, and fails the test on leaked frames. */
void harness_teardown(void)
{
    harness_fault_clear();
    harness_reap_all();
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        CU_ASSERT_PTR_NULL(hv_domains[i]);
    EXPECT_EQ(lock_check_nr_held(), 0);              /* every lock given back */
    lock_check_reset();
    CU_ASSERT_EQUAL(timer_next_deadline(), ~0ULL);
    CU_ASSERT_EQUAL(heap_bad_frees, 0);
    EXPECT_EQ(hv_frames.nr_free, harness_baseline_free);  /* no frame leaked */
    hv_opts = default_opts;
    hv_loglvl = default_loglvl;
}

/* Machine memory, the frame pool and the scheduler, once per process. */
int harness_init(void)
{
    harness_arena = aligned_alloc(PAGE_SIZE, HARNESS_ARENA_PAGES * PAGE_SIZE);
    if (!harness_arena)
        return -ENOMEM;
    frame_pool_init(&hv_frames, arena_bitmap, arena_info, HARNESS_ARENA_PAGES);
    frame_pool_free_range(&hv_frames, 0, HARNESS_ARENA_PAGES);
    ASAN_POISON_MEMORY_REGION(harness_arena, HARNESS_ARENA_PAGES * PAGE_SIZE);
    default_opts = hv_opts;
    default_loglvl = hv_loglvl;
    sched_init(hv_opts.timeslice_ms);
    return 0;
}

unsigned int harness_bad_frees(void)
{
    return heap_bad_frees;
}

#ifndef HARNESS_NO_MAIN
/* --------------------------------------------------------------- runner */

static const char *cur_suite = "?", *cur_test = "?";

static void on_start(const CU_pTest t, const CU_pSuite s)
{
    cur_suite = s->pName;
    cur_test = t->pName;
}

static void on_complete(const CU_pTest t, const CU_pSuite s, const CU_pFailureRecord f)
{
    if (!f) {
        printf("PASS: unit/%s/%s\n", s->pName, t->pName);
    } else {
        printf("FAIL: unit/%s/%s\n", s->pName, t->pName);
        for (CU_pFailureRecord r = f; r; r = r->pNext)
            printf("  %s:%u: %s\n", r->strFileName, r->uiLineNumber, r->strCondition);
    }
    fflush(stdout);
}

/* A sanitizer report or an abort ends the process; name the test it happened in. */
static void on_death(void)
{
    static bool said;
    char line[256];
    int n;

    if (said)
        return;
    said = true;
    n = snprintf(line, sizeof(line), "FAIL: unit/%s/%s (died: sanitizer error or abort, see stderr)\n",
                 cur_suite, cur_test);
    fflush(stdout);
    if (write(1, line, (size_t)MIN(n, (int)sizeof(line) - 1)) < 0)
        _exit(3);
}

static void on_abort(int sig)
{
    on_death();
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(void)
{
    unsigned int failed;

    if (harness_init())
        return 2;
    __sanitizer_set_death_callback(on_death);
    signal(SIGABRT, on_abort);
    signal(SIGSEGV, on_abort);

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite_frame();
    suite_evtchn();
    suite_evtchn_fifo();
    suite_domctl();
    suite_cpu_policy();
    suite_elf();
    suite_guest_access();
    suite_hypercall();
    suite_time();
    suite_cmdline();
    suite_domain();
    suite_page_type();
    suite_page_race();
    suite_iomem();
    suite_linear_pt();
    suite_grant();
    suite_grant_v2();
    suite_memory();
    suite_smp();
    suite_credit();
    suite_spinlock();
    suite_lock_order();
    suite_pirq();
    suite_ioreq();
    suite_hvm_param();
    suite_hvm_save();
    suite_pci_intx();
    suite_hvm();
    suite_hvm_insn();
    CU_set_test_start_handler(on_start);
    CU_set_test_complete_handler(on_complete);
    CU_run_all_tests();
    printf("\n");
    CU_print_run_results(stdout);
    printf("\n");
    failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    ASAN_UNPOISON_MEMORY_REGION(harness_arena, HARNESS_ARENA_PAGES * PAGE_SIZE);
    free(harness_arena);
    return failed ? 1 : 0;
}
#endif
