/* The FPU/SSE/AVX state: XSAVE or FXSAVE (cpu.c). */
#ifndef ASM_FPU_H
#define ASM_FPU_H

#include <hv/types.h>

void fpu_init(void);
size_t fpu_area_size(void);
u64 fpu_xcr0(void);
size_t fpu_xsave_size(void);                 /* 0: FXSAVE layout */
void fpu_area_init(void *area);
void fpu_save(void *area);                   /* clears CR0.TS first */

#endif
