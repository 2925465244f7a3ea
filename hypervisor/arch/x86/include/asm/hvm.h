/*
 * HVM vCPUs on AMD SVM with nested paging (hvm/): what the rest of arch/x86
 * calls. Common code reaches HVM only through hv/arch.h (hvm_build_domain).
 * docs/hvm.md describes the whole.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <hv/types.h>
#include <asm/svm.h>
#include <asm/npt.h>
#include <asm/hvm_exit.h>

struct vcpu;
struct domain;

/* The emulated test ports (hvm/io.c): a debug console and a test device. */
#define HVM_PORT_DEBUG      0xe9     /* bytes out: "(dN) ..." lines (Bochs / Xen's HVM debug port) */
#define HVM_PORT_SHUTDOWN   0x510    /* 32-bit out: SHUTDOWN_* reason, the domain ends */
#define HVM_PORT_WAKE_US    0x514    /* 32-bit out: wake a HLTed vCPU after this many microseconds */

struct hvm_domain {
    struct npt npt;
    unsigned long nr_pages;          /* guest-physical [0, nr_pages << 12) is RAM */
};

struct hvm_vcpu {
    struct vmcb *vmcb;               /* one page of the hypervisor heap */
    u64 vmcb_pa;
    struct svm_gprs gprs;
    int last_cpu;                    /* where its VMCB last ran: another CPU flushes the ASID */
    bool wake_pending;               /* the wake timer fired: the next HLT does not block */
    unsigned long dr[4];             /* DR0-3 while switched out (the guest writes them freely) */
    u64 exits[HVM_EXIT_KINDS];
};

/* svm.c: per-CPU bring-up (after the heap is up: boot CPU in arch_start, APs in ap_start). */
void svm_cpu_init(void);
bool svm_available(void);
u64 svm_iopm_pa(void);
u64 svm_msrpm_pa(void);
bool svm_has_nrips(void);
/* The first run of an HVM vCPU's stack (arch_vcpu_init puts it there). */
__noreturn __attribute__((visibility("hidden"))) void hvm_vcpu_loop(void);
void hvm_dump_registers(const struct vcpu *v);
/* The context switch's part (context.c): FPU, DR0-3, the host page tables. */
void hvm_context_save(struct vcpu *v);
void hvm_context_load(struct vcpu *v);

/* Per vCPU / domain, from context.c and domain_build's teardown. */
int  hvm_vcpu_init(struct vcpu *v);
void hvm_vcpu_destroy(struct vcpu *v);
void hvm_domain_destroy(struct domain *d);

/* vmcb.c */
void vmcb_init(struct vmcb *vmcb, const struct hvm_domain *hd);
void vmcb_set_entry(struct vmcb *vmcb, u32 rip);
/* Injects exception vec (with an error code when has_err). */
void vmcb_inject_exception(struct vmcb *vmcb, unsigned int vec, bool has_err, u32 err);
/* Moves rip past the instruction that exited (len: its length without NRIP save). */
void vmcb_skip_insn(struct vmcb *vmcb, unsigned int len);

/* The exits' emulation: cpuid.c, msr.c, io.c. */
void hvm_cpuid(const struct vcpu *v, u32 leaf, u32 sub, u32 out[4]);
int  hvm_msr_read(struct vcpu *v, u32 msr, u64 *val);     /* -EINVAL: #GP */
int  hvm_msr_write(struct vcpu *v, u32 msr, u64 val);
void hvm_io(struct vcpu *v, u16 port, unsigned int size, bool in, u32 *val);

#endif
