/* x86 instruction wrappers. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <hv/types.h>

#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_CSTAR           0xc0000083
#define MSR_SFMASK          0xc0000084
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_SHADOW_GS_BASE  0xc0000102
#define MSR_APIC_BASE       0x1b

#define EFER_SCE  (1UL << 0)
#define EFER_NXE  (1UL << 11)

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

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
    u32 lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

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
