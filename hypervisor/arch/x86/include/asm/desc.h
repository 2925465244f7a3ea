/* Segments and descriptor tables: the hypervisor's GDT/IDT/TSS (cpu.c), guest GDT/LDT (pv/). */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <hv/types.h>

struct vcpu;
struct cpu_data;

void cpu_init(void);                         /* the boot CPU */
void cpu_init_this(struct cpu_data *c);       /* any CPU, running on it */
void cpu_set_kernel_stack(unsigned long rsp0);
void cpu_load_guest_gdt(const u64 *ents, unsigned int n);
void cpu_load_ldt(const u64 *ents, unsigned int n);
bool pv_check_descriptor(u64 *desc);
void pv_gdt_free(struct vcpu *v);
int pv_gdt_install(struct vcpu *v, const mfn_t *frames, unsigned int entries);
void pv_ldt_free(struct vcpu *v);
int  pv_set_ldt(struct vcpu *v, unsigned long base, unsigned long nr_ents);

#endif
