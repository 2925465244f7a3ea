/* Internal interfaces between the x86 arch files. */
#ifndef ASM_X86_H
#define ASM_X86_H

#include <hv/types.h>
#include <hv/xen.h>

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

struct boot_info;
struct vcpu;
struct domain;

int  multiboot_parse(struct boot_info *bi, u32 magic, unsigned long info);
void serial_init(void);
void cpu_init(void);
void cpu_set_kernel_stack(unsigned long rsp0);
void cpu_load_guest_gdt(const u64 *ents, unsigned int n);
void cpu_load_ldt(const u64 *ents, unsigned int n);
void pv_ldt_free(struct vcpu *v);
bool pv_check_descriptor(u64 *desc);
void pv_gdt_free(struct vcpu *v);
void fpu_init(void);
size_t fpu_area_size(void);
u64 fpu_xcr0(void);
size_t fpu_xsave_size(void);                 /* 0: FXSAVE layout */
void fpu_area_init(void *area);
void fpu_save(void *area);                   /* clears CR0.TS first */

/* Fault-safe loads of guest-controlled values (guest_load.c). */
enum seg_reg { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
u16  load_segment_safe(enum seg_reg which, u16 sel);
bool wrmsr_safe(u32 msr, u64 val);
bool fpu_restore_safe(void *area);
void apic_init(void);
void apic_eoi(void);
u64  rtc_read_unix_seconds(void);
void mm_init(struct boot_info *bi);
void mm_install_hv_slots(u64 *l4);
extern u64 *hv_idle_l4;
extern u64 *hv_m2p;                    /* machine-to-phys table, hypervisor's writable view */
extern mfn_t hv_m2p_entries;

/* Traps and the PV return path (traps.c, pv/). */
void hv_trap_entry(struct cpu_user_regs *regs);
void hv_syscall(struct cpu_user_regs *regs);
bool hv_prepare_return(struct cpu_user_regs *regs);
void arch_switch_stack(unsigned long *save_rsp, unsigned long new_rsp);
extern char hv_vector_stubs[], hv_syscall_entry[], hv_iret_to_guest[], hv_vcpu_first_entry[];
extern unsigned long hv_frame_top;

void pv_handle_exception(struct cpu_user_regs *regs);
void pv_handle_user_syscall(struct cpu_user_regs *regs);
int  pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error, u32 error_code);
void pv_deliver_events(struct vcpu *v);
void pv_toggle_guest_mode(struct vcpu *v);
bool pv_emulate_forced_cpuid(struct cpu_user_regs *regs);
bool pv_emulate_priv_op(struct cpu_user_regs *regs);
bool extable_fixup(struct cpu_user_regs *regs);
mfn_t pv_current_cr3_mfn(const struct vcpu *v);
mfn_t pv_find_l1(mfn_t l4_mfn, unsigned long va, unsigned int *slot);
int  pv_set_ldt(struct vcpu *v, unsigned long base, unsigned long nr_ents);
/* The foreign domain of an MMU hypercall (Xen's get_pg_owner); *pd NULL for DOMID_IO/XEN. */
int  pv_pg_owner(unsigned long domid, struct domain **pd, domid_t *pg_owner);
/* Reads a guest vCPU bitmap like Xen's vcpumask_to_pcpumask: -EFAULT if it cannot. */
int  pv_read_vcpumask(struct domain *d, unsigned long ptr);
bool pv_ptwr_emulate(struct cpu_user_regs *regs, unsigned long addr);
void pv_domain_release_frames(struct domain *d);
unsigned long pv_read_dr6(void);
void pv_load_debugregs(struct vcpu *v);
/* Xen's set_debugreg checks, shared by the hypercalls and emulated `mov` to/from DRn. */
long pv_set_debugreg(struct vcpu *v, unsigned int reg, unsigned long value);
long pv_get_debugreg(const struct vcpu *v, unsigned int reg, unsigned long *val);
unsigned int pv_io_breakpoints(const struct vcpu *v, unsigned int port, unsigned int len);
struct cpu_user_regs;
void pv_debug_in_hypervisor(struct cpu_user_regs *regs);

static inline bool vector_has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

#endif
