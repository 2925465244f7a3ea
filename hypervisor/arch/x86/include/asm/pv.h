/* The PV guest ABI's internal interfaces between the files of arch/x86/pv/. */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <hv/types.h>
#include <hv/cpumask.h>
#include <hv/xen.h>

struct vcpu;
struct domain;

void pv_handle_exception(struct cpu_user_regs *regs);
void pv_handle_user_syscall(struct cpu_user_regs *regs);
int  pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error, u32 error_code);
void pv_deliver_events(struct vcpu *v);
void pv_toggle_guest_mode(struct vcpu *v);
bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs);
/* The hypercall page's stubs (hypercall_page.c), and domctl hypercall_init: -EINVAL, -EPERM. */
void pv_fill_hypercall_page(u8 *page);
long domctl_hypercall_init(struct domain *d, u64 gmfn);
bool pv_emulate_priv_op(struct cpu_user_regs *regs);
mfn_t pv_current_cr3_mfn(const struct vcpu *v);
mfn_t pv_find_l1(mfn_t l4_mfn, unsigned long va, unsigned int *slot);
/* The foreign domain of an MMU hypercall (Xen's get_pg_owner); *pd NULL for DOMID_IO/XEN. */
int  pv_pg_owner(unsigned long domid, struct domain **pd, domid_t *pg_owner);
/* A new L1 entry naming a frame of pgd: an HVM domain's gfn becomes its MFN (-EINVAL: not RAM). */
int  pv_translate_foreign_l1(const struct domain *pgd, u64 *pte);
/* Reads a guest vCPU bitmap like Xen's vcpumask_to_pcpumask: -EFAULT if it cannot. */
int  pv_read_vcpumask(struct domain *d, unsigned long ptr, u64 *vcpus);
void pv_flush_tlb_cpus(const cpumask_t *m, bool one_page, unsigned long va);
bool pv_ptwr_emulate(struct cpu_user_regs *regs, unsigned long addr);
void pv_domain_release_frames(struct domain *d);
unsigned long pv_read_dr6(void);
void pv_load_debugregs(struct vcpu *v);
/* Xen's set_debugreg checks, shared by the hypercalls and emulated `mov` to/from DRn. */
long pv_set_debugreg(struct vcpu *v, unsigned int reg, unsigned long value);
long pv_get_debugreg(const struct vcpu *v, unsigned int reg, unsigned long *val);
unsigned int pv_io_breakpoints(const struct vcpu *v, unsigned int port, unsigned int len);
void pv_debug_in_hypervisor(struct cpu_user_regs *regs);

/* Port I/O of the privileged domain (dom0_ioport.c): true if the port was really accessed. */
bool pv_ioport_read(const struct domain *d, unsigned int port, unsigned int size, u32 *val);
bool pv_ioport_write(const struct domain *d, unsigned int port, unsigned int size, u32 val);

#endif
