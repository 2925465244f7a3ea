/*
 * Per-CPU data of x86. Each CPU has its own GDT (guest entries are copied
 * into the running CPU's), TSS (ring-0 and IST stacks), IST stacks and, for
 * the application processors, an idle stack; the IDT is shared.
 *
 * How a CPU finds its own: the GDT is the first member, so the base SGDT
 * reports is the CPU's struct cpu_data. Guests own %gs and SWAPGS, so a
 * %gs-based pointer would need Xen's careful SWAPGS discipline on every
 * entry; the per-vCPU hypervisor stacks rule out Xen's stack-top
 * cpu_info for now. SGDT works on every stack (vCPU, IST, idle) and reads
 * nothing a guest controls: ring 3 cannot load the GDTR.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <hv/types.h>
#include <hv/percpu.h>
#include <asm/layout.h>

struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __packed;

#define HV_IST_STACKS      4
#define HV_IST_STACK_SIZE  8192
#define HV_IDLE_STACK_SIZE 16384

struct cpu_data {
    u64 gdt[HV_GDT_ENTRIES];           /* first: SGDT's base is this struct */
    struct pcpu pcpu;                  /* common part: current vCPU, CPU number */
    struct tss64 tss __aligned(64);
    u32 apic_id;
    unsigned int guest_gdt_loaded;     /* guest GDT entries now in gdt[] */
    unsigned long idle_saved_rsp;      /* this CPU's idle context while a vCPU runs */
    bool online;                       /* set by the CPU itself once it idles */
    bool stopped;                      /* halted for good by a panic's NMI */
    u64 ipis_received[2];              /* per enum ipi_kind (asm/ipi.h) */
    u64 tlb_flushes;                   /* flush IPIs served (and own flushes through them) */
    struct vcpu *lazy_vcpu;            /* idle on this PV vCPU's tables (context.c), or NULL */
    u8 ist_stacks[HV_IST_STACKS][HV_IST_STACK_SIZE] __aligned(16);
    u8 idle_stack[HV_IDLE_STACK_SIZE] __aligned(16);   /* APs only: CPU 0 idles on boot_stack */
} __aligned(4096);

static inline struct cpu_data *this_cpu_data(void)
{
    struct { u16 limit; u64 base; } __packed gdtr;

    asm volatile("sgdt %0" : "=m"(gdtr));
    return (struct cpu_data *)gdtr.base;
}

static inline struct pcpu *arch_this_pcpu(void)
{
    return &this_cpu_data()->pcpu;
}

/* Every CPU found (online or not); NULL past the last. */
extern struct cpu_data *hv_cpu_data[];
extern unsigned int hv_nr_cpus_found, hv_nr_cpus_online;

#endif
