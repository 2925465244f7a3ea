/* The HVM test guests' runtime (hvm-lib): console, checks, faults, ports. */
#ifndef HVM_GUEST_H
#define HVM_GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

#define HVM_PORT_DEBUG     0xe9
#define HVM_PORT_SHUTDOWN  0x510
#define HVM_PORT_WAKE_US   0x514
#define NO_FAULT           0xffffffffu

extern volatile uint32_t fault_vec, fault_resume;

/* Interrupts (vectors 32-255): counted by vector; EOI written unless irq_auto_eoi is cleared. */
extern volatile uint32_t irq_count[256];
extern volatile uint32_t irq_last;
extern volatile bool irq_auto_eoi;
extern void (*volatile irq_hook)(uint32_t vec);   /* called first for every interrupt */

/* The local APIC (xAPIC MMIO) and the ACPI PM timer (Xen's FADT: port 0x1f48, 3.579545 MHz). */
#define LAPIC_BASE   0xfee00000u
#define LAPIC_ID     0x020
#define LAPIC_VER    0x030
#define LAPIC_TPR    0x080
#define LAPIC_PPR    0x0a0
#define LAPIC_EOI    0x0b0
#define LAPIC_SVR    0x0f0
#define LAPIC_ISR    0x100
#define LAPIC_IRR    0x200
#define LAPIC_ESR    0x280
#define LAPIC_ICR    0x300
#define LAPIC_ICR2   0x310
#define LAPIC_LVTT   0x320
#define LAPIC_TMICT  0x380
#define LAPIC_TMCCT  0x390
#define LAPIC_TDCR   0x3e0
#define PM_TMR_PORT  0x1f48
#define PM_TMR_HZ    3579545u

#define IOAPIC_BASE  0xfec00000u
static inline uint32_t ioapic_read(uint32_t reg)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}
static inline void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static inline uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC_BASE + reg); }
static inline void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_BASE + reg) = v; }

void hvm_main(uint32_t mem_bytes);          /* each guest's */
extern const char hvm_guest_name[];          /* each guest's: the DONE line's name */

void printk(const char *fmt, ...);
void check(bool ok, const char *fmt, ...);
void done(void);                             /* the DONE line */
__attribute__((noreturn)) void hvm_shutdown(uint32_t reason);
void hvm_sleep_us(uint32_t us);              /* HLT with interrupts on, woken by the test device */

/* Port I/O orders with memory ("memory"): a device model may read or write our RAM meanwhile (DMA). */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* RDMSR / WRMSR that report the vector of a fault (NO_FAULT: none). */
static inline uint32_t rdmsr_fault(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;

    fault_vec = NO_FAULT;
    __asm__ volatile("movl $1f, fault_resume\n\trdmsr\n1:\tmovl $0, fault_resume"
                     : "=a"(lo), "=d"(hi) : "c"(msr), "a"(0), "d"(0) : "memory");
    *val = ((uint64_t)hi << 32) | lo;
    return fault_vec;
}

static inline uint32_t wrmsr_fault(uint32_t msr, uint64_t val)
{
    fault_vec = NO_FAULT;
    __asm__ volatile("movl $1f, fault_resume\n\twrmsr\n1:\tmovl $0, fault_resume"
                     :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
    return fault_vec;
}

/* One instruction (no operands beyond eax = 0) that is expected to fault: its vector. */
#define FAULT_OF(insn) ({                                                         \
    fault_vec = NO_FAULT;                                                     \
    __asm__ volatile("movl $1f, fault_resume\n\t" insn "\n1:\tmovl $0, fault_resume" \
                     :: "a"(0), "c"(0), "d"(0) : "memory");                    \
    fault_vec; })

#endif
