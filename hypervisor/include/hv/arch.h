/*
 * The arch-hook boundary: everything common code asks of the CPU side.
 * x86 implements these in arch/x86; host unit tests in tests/unit/harness.c.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <hv/types.h>
#include <hv/cpumask.h>
#include <hv/percpu.h>

struct vcpu;
struct domain;

u64  arch_read_tsc(void);
void arch_timer_program(u64 deadline_ns);        /* next hardware timer interrupt */
void arch_console_write(const char *s, size_t len);
int  arch_console_getc(void);                      /* -1: no input waiting */
__noreturn void arch_poweroff(int code);
void arch_irq_disable(void);
void arch_wait_for_interrupt(void);                /* enables interrupts, sleeps until one */
__noreturn void arch_halt(void);

/*
 * Physical CPUs. arch_this_pcpu() is on every path that says `current`, so
 * it is an inline of the arch's (asm/percpu.h); the host tests have one CPU.
 */
#ifdef HV_HOST_TEST
/* Per host thread: the lock tests run threads as "CPUs" (ids they set). */
extern __thread struct pcpu host_test_pcpu;
static inline struct pcpu *arch_this_pcpu(void) { return &host_test_pcpu; }
static inline void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline unsigned long arch_irq_save(void) { return 0; }
static inline void arch_irq_restore(unsigned long flags) { (void)flags; }
/* No call-function IPIs on the host; the lock tests' threads outnumber the
 * cores, so a waiter gives its core to the thread whose ticket is next. */
void harness_spin_wait(void);
static inline void arch_spin_wait_serve(void) { harness_spin_wait(); }
#else
/* arch_this_pcpu(), arch_cpu_relax(), arch_irq_save/restore(), arch_spin_wait_serve() */
#include <asm/arch_inline.h>
#endif

/*
 * Atomics for the lock primitives (hv/spinlock.h) and lock-free counts. The
 * compiler's __atomic builtins give the locked x86 instructions (xadd,
 * xchg, cmpxchg) both in the hypervisor and on the host, so one definition
 * serves both; an arch without them would put its own here.
 */
#define arch_fetch_add(p, v)  __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#define arch_xchg(p, v)       __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
/* True when *p was old and is now new; else old is updated to what *p held. */
#define arch_cmpxchg(p, oldp, new_) \
    __atomic_compare_exchange_n((p), (oldp), (new_), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define arch_load_acquire(p)  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define arch_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
static inline unsigned int smp_processor_id(void) { return arch_this_pcpu()->id; }
cpumask_t arch_cpus_online(void);
/* CPU n's common per-CPU data; NULL if there is no such CPU. */
struct pcpu *arch_pcpu(unsigned int cpu);
/* Runs fn(arg) on every online CPU in mask (this one directly) and waits for all. */
void arch_on_cpus(const cpumask_t *mask, void (*fn)(void *arg), void *arg);
/* Every TLB entry (global ones too) of the CPUs in mask, this one included. */
void arch_flush_tlb_mask(const cpumask_t *mask);
/* Interrupts another CPU, which then looks at its resched_pending flag and
 * its vCPU's pending events; nothing for this CPU. */
void arch_send_reschedule(unsigned int cpu);
/* hv_panic: stops every other CPU (NMI) so that only the panic screen runs on;
 * returns how many did not confirm in time. */
unsigned int arch_panic_stop_others(void);

/*
 * Device interrupt lines (x86: I/O APIC pins, arch/x86/irq.c), numbered as
 * GSIs; common/pirq.c owns which domain has which line. A line is
 * programmed masked; only pirq.c unmasks it.
 */
unsigned int arch_irq_nr_gsis(void);               /* 0: no device interrupts */
bool arch_irq_gsi_reserved(unsigned int gsi);      /* the hypervisor's own (timer, its UART) */
bool arch_irq_gsi_level(unsigned int gsi);
void arch_irq_gsi_configure(unsigned int gsi, bool level, bool active_low);
void arch_irq_gsi_mask(unsigned int gsi, bool masked);

/*
 * MSI and MSI-X (x86: arch/x86/msi.c). Slot s (0 .. HV_MAX_MSIS-1) is one
 * message the hypervisor writes into a PCI device (its MSI capability or an
 * MSI-X table entry); the device's interrupt then comes to pirq.c as
 * HV_MAX_GSIS + s. Setup checks the device and writes the message masked
 * (where the device can mask); errors as Xen's: -ENODEV no such device or
 * capability, -EINVAL an MSI-X entry past the table, -ENXIO a table the
 * hypervisor cannot reach. Teardown masks what can be masked.
 */
struct msi_source {
    u32 sbdf;                          /* segment << 16 | bus << 8 | devfn */
    bool msix;
    u16 entry;                         /* MSI-X table entry (0 for MSI) */
};
int  arch_msi_setup(unsigned int slot, const struct msi_source *src);
void arch_msi_teardown(unsigned int slot);
void arch_msi_mask(unsigned int slot, bool masked);

int  arch_vcpu_init(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
int  arch_vcpu_held_cpu(const struct vcpu *v);     /* an idle CPU still on its tables, or -1 */
/* A dead domain's frames and tables back, a bounded step per call: -ERESTART until done. */
int  arch_domain_relinquish(struct domain *d);
void arch_domain_destroy(struct domain *d);        /* after relinquish: what is left */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);
void arch_dump_registers(void);

/* The machine-to-phys table guests read; ~0UL marks a frame no domain owns. */
void arch_m2p_set(mfn_t mfn, unsigned long pfn);
/* Gives a domain frame back: freed now (true), or when its last reference
 * drops (false: it stays charged to its owner until then, as in Xen). */
bool arch_release_frame(mfn_t mfn);
/* The same for a frame in no domain's tot_pages: a dead domain's, or an
 * exchange's output never handed over. A frame still mapped is orphaned
 * charged to nobody (FRAME_F_UNCHARGED). */
bool arch_release_frame_uncharged(mfn_t mfn);
/* The lock over d's frames' types and flags (x86: d->page_type_lock,
 * docs/smp.md; general references and writable types take none: they are
 * cmpxchg'd): held around a check of a frame's state and the release that
 * depends on it. */
void arch_frames_lock(struct domain *d);
void arch_frames_unlock(struct domain *d);

/*
 * A guest frame the hypervisor keeps mapped and writes (console ring,
 * vcpu_info, FIFO event-channel control blocks and event-array pages): held with a reference and a writable type until released, so
 * it can neither become a page table nor be freed and reused meanwhile.
 * NULL: not a frame of d's, or not one that can be writable now.
 */
void *arch_guest_frame_hold(struct domain *d, mfn_t mfn);
void arch_guest_frame_release(mfn_t mfn);
/* May the hypervisor write into this frame for a guest (a grant copy)?
 * Not while it has a type that is not "writable" (a page table, a GDT). */
bool arch_frame_may_be_written(mfn_t mfn);

/* VCPUOP_register_vcpu_info: move v's vcpu_info into the guest's frame mfn. */
int  arch_register_vcpu_info(struct vcpu *v, mfn_t mfn, unsigned int offset);
void arch_release_vcpu_info(struct vcpu *v);


/* Guest memory: returns the number of bytes NOT copied (0 on success); a
 * fault stops the copy. Only hv/guest_access.h calls it, after its checks. */
size_t arch_copy_raw(void *dst, const void *src, size_t len);

/* Domain builder (arch/x86/pv/domain_build.c). */
struct domain_spec;
int pv_build_domain(struct domain *d, const struct domain_spec *spec);
/* An HVM domain (arch/x86/hvm/hvm_domain_build.c, docs/hvm.md); -ENODEV without SVM. */
int hvm_build_domain(struct domain *d, const struct domain_spec *spec);
/* An HVM domain's state before its memory (createdomain with XEN_DOMCTL_CDF_hvm); -ENODEV
 * without SVM. */
int arch_hvm_domain_create(struct domain *d);
bool arch_hvm_supported(void);                      /* SVM with nested paging, not turned off */
/*
 * Its context as Xen's save records (arch/x86/hvm/hvm_save.c): the size they take, the
 * records written (bytes, or -ENOSPC; its vCPUs paused), and a stream loaded (checked
 * whole first; *loaded: a bit for each vCPU given its first state, to be started).
 */
size_t arch_hvm_context_size(const struct domain *d);
long arch_hvm_save_context(struct domain *d, u8 *buf, size_t cap);
int arch_hvm_load_context(struct domain *d, const u8 *buf, size_t len, u64 *loaded);
/* dm_op set_isa_irq_level: an ISA line of HVM domain d raised (level 1) on its PIC and
 * IO-APIC (edge: level 0 does nothing, as no line is level-triggered yet). */
int arch_hvm_set_isa_irq_level(struct domain *d, unsigned int irq, unsigned int level);
/* dm_op set_pci_intx_level / set_pci_link_route: PCI device dev's INTx line (bus 0) and
 * PIIX3's links to ISA IRQs (arch/x86/hvm/pci_intx.c): 0 or -EINVAL. */
int arch_hvm_set_pci_intx_level(struct domain *d, unsigned int dev, unsigned int intx, unsigned int level);
int arch_hvm_set_pci_link_route(struct domain *d, unsigned int link, unsigned int isa_irq);
/* Debug key 'q': the arch's counters of one vCPU (an HVM vCPU's exits), printed; none: nothing. */
void arch_vcpu_dump_counters(const struct vcpu *v);
/* An HVM domain's physmap (arch/x86/hvm/physmap.c): the frame at a gfn (INVALID_MFN: none),
 * and one more frame at a gfn, under d->page_alloc_lock (-EEXIST: mapped already). */
mfn_t arch_hvm_gfn_to_mfn(const struct domain *d, u64 gfn);
int arch_hvm_physmap_add(struct domain *d, u64 gfn, mfn_t mfn);

/*
 * Grants: install / remove the host PTE of a grant mapping (takes / drops refs).
 * arch_grant_map takes the op's GNTMAP_* flags (contains_pte, the guest_avail
 * bits) and says where the PTE went (*pte_maddr); arch_grant_unmap clears
 * that entry if it still maps mfn in one of d's page tables, whichever address
 * space is current (it also runs when d is torn down from another context).
 * arch_grant_replace (GNTTABOP_unmap_and_replace) moves the PTE that maps
 * new_addr in d's current tables into the grant's entry instead of clearing it.
 * arch_cache_flush writes back (and invalidates) a frame's lines; -EOPNOTSUPP
 * for what the CPU cannot do (x86: invalidate without write-back).
 */
int arch_grant_map(struct domain *d, u64 host_addr, u32 gnt_flags, mfn_t mfn,
                   struct domain *owner, bool readonly, u64 *pte_maddr);
int arch_grant_unmap(struct domain *d, u64 pte_maddr, mfn_t mfn);
int arch_grant_replace(struct domain *d, u64 pte_maddr, mfn_t mfn, u64 new_addr);
/* A device mapping's references (a PTE's, without the PTE): taken / dropped. */
int arch_grant_dev_get(mfn_t mfn, struct domain *owner, bool readonly);
void arch_grant_dev_put(mfn_t mfn, bool readonly);
int arch_cache_flush(mfn_t mfn, unsigned int offset, unsigned int len, bool clean, bool inval);

/* The direct map, below the hypervisor heap (common/heap.c). */
void *hv_mfn_to_virt(mfn_t mfn);
mfn_t hv_virt_to_mfn(const void *p);
/* Heap pages just went back to the allocator (x86: nothing to do; the host
 * harness poisons them so ASan catches a use after free). */
void arch_heap_pages_freed(void *p, unsigned long count);

/* Hypervisor-heap pages (common/heap.c): zeroed, owned by the hypervisor. */
void *hv_alloc_pages(unsigned long count);
void hv_free_pages(void *p, unsigned long count);
extern unsigned int heap_bad_frees;

#endif
