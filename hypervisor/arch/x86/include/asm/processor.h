/* Control registers, RFLAGS, and the instructions that change CPU state. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <hv/types.h>

#define X86_CR0_TS   (1UL << 3)
#define X86_CR4_PGE  (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)

#define X86_EFLAGS_TF  0x100UL
#define X86_EFLAGS_IF  0x200UL
#define X86_EFLAGS_DF  0x400UL
#define X86_EFLAGS_IOPL 0x3000UL
#define X86_EFLAGS_NT  0x4000UL
#define X86_EFLAGS_RF  0x10000UL
#define X86_EFLAGS_VM  0x20000UL
#define X86_EFLAGS_AC  0x40000UL

static inline unsigned long read_cr0(void) { unsigned long v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr2(void) { unsigned long v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr3(void) { unsigned long v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr4(void) { unsigned long v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(unsigned long v) { asm volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(unsigned long v) { asm volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(unsigned long v) { asm volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void clts(void) { asm volatile("clts" ::: "memory"); }
static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline void safe_halt(void) { asm volatile("sti; hlt" ::: "memory"); }
static inline void swapgs(void) { asm volatile("swapgs" ::: "memory"); }
static inline void invlpg(unsigned long va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }

static inline void xsetbv(u32 idx, u64 v)
{
    asm volatile("xsetbv" :: "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}

#endif
