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

/* Vectors 8, 10-14, 17, 21, 29 and 30; as a mask, so one test without
 * branches (each ends a translated block under TCG). */
#define X86_ERROR_CODE_VECTORS 0x60227d00u

static inline bool vector_has_error_code(unsigned int v)
{
    return (v < 32) & ((X86_ERROR_CODE_VECTORS >> (v & 31)) & 1);
}

#endif
