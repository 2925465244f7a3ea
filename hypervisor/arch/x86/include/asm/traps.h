/* Entry points (entry.S), exception dispatch (traps.c) and the return path. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <hv/types.h>
#include <hv/xen.h>

void hv_trap_entry(struct cpu_user_regs *regs);
void hv_syscall(struct cpu_user_regs *regs);
bool hv_prepare_return(struct cpu_user_regs *regs);
void arch_switch_stack(unsigned long *save_rsp, unsigned long new_rsp);
extern char hv_vector_stubs[], hv_syscall_entry[], hv_iret_to_guest[], hv_vcpu_first_entry[];
extern unsigned long hv_frame_top;
bool extable_fixup(struct cpu_user_regs *regs);

static inline bool vector_has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

#endif
