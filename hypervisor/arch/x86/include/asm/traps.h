/* Entry points (entry.S), exception dispatch (traps.c) and the return path. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <hv/types.h>
#include <hv/xen.h>
#include <asm/layout.h>

void hv_trap_entry(struct cpu_user_regs *regs);
void hv_syscall(struct cpu_user_regs *regs);
bool hv_prepare_return(struct cpu_user_regs *regs);
void arch_switch_stack(unsigned long *save_rsp, unsigned long new_rsp);
extern char hv_vector_stubs[], hv_syscall_entry[], hv_iret_to_guest[], hv_vcpu_first_entry[];
/* entry.S: per CPU, a cache line each (asm/layout.h's offsets). */
struct entry_percpu {
    unsigned long frame_top;           /* the running vCPU's frame: SYSCALL switches to it */
    unsigned long syscall_scratch;     /* the guest's rsp meanwhile */
} __aligned(64);
extern struct entry_percpu hv_entry_percpu[];
extern char hv_syscall_stubs[];
unsigned long hv_ist_frame_top(void);
bool extable_fixup(struct cpu_user_regs *regs);

/* Vectors 8, 10-14, 17, 21, 29 and 30; as a mask, so one test without
 * branches (each ends a translated block under TCG). */
#define X86_ERROR_CODE_VECTORS 0x60227d00u

static inline bool vector_has_error_code(unsigned int v)
{
    return (v < 32) & ((X86_ERROR_CODE_VECTORS >> (v & 31)) & 1);
}

#endif
