/* Fault-safe loads of guest-controlled values (guest_load.c). */
#ifndef ASM_GUEST_LOAD_H
#define ASM_GUEST_LOAD_H

#include <hv/types.h>

enum seg_reg { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
u16  load_segment_safe(enum seg_reg which, u16 sel);
bool wrmsr_safe(u32 msr, u64 val);
bool fpu_restore_safe(void *area);

#endif
