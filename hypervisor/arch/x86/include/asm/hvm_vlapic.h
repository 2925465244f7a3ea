/*
 * The emulated local APIC of an HVM vCPU (hvm/vlapic.c), at guest-physical
 * 0xfee00000 through the MMIO dispatch (hvm/mmio.c), and the interrupt
 * assist that injects what it accepted (hvm/intr.c). docs/hvm.md.
 */
#ifndef ASM_HVM_VLAPIC_H
#define ASM_HVM_VLAPIC_H

#include <hv/types.h>
#include <hv/timer.h>

struct vcpu;

#define VLAPIC_BASE        0xfee00000ULL
#define VLAPIC_SIZE        0x1000
#define VLAPIC_VERSION     0x00050014u   /* version 0x14, 6 LVTs (max LVT index 5), as Xen's */
#define VLAPIC_NR_LVT      6             /* timer, thermal, perf, LINT0, LINT1, error */
#define VLAPIC_BUS_NS      1             /* the timer's bus clock: 1 GHz, as Xen's */
#define VLAPIC_MIN_PERIOD_NS 100000ULL   /* a periodic timer ticks at most every 100 us */

struct vlapic {
    u32 id, tpr, svr, ldr, dfr, esr, icr_hi;
    u32 lvt[VLAPIC_NR_LVT];
    u32 tmict, tdcr;
    u32 irr[8], isr[8];
    u64 timer_start, timer_period;       /* ns: when TMICT was written, the tick length */
    u64 timer_next;                      /* the next deadline of a running timer */
    u32 timer_divide, timer_vector_mode; /* latched at TMICT write: divide, LVT (periodic bit) */
    struct hv_timer timer;
    u64 timer_ticks, ipis, ipis_dropped;
};

void vlapic_init(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/* MMIO (offset in the page): never fail; garbage is ignored as hardware ignores it. */
int vlapic_mmio_read(struct vcpu *v, u64 off, unsigned int size, u64 *val);
int vlapic_mmio_write(struct vcpu *v, u64 off, unsigned int size, u64 val);
/* Raises a fixed interrupt; vectors 0-15 are illegal (ESR) and dropped. */
void vlapic_set_irq(struct vcpu *v, u8 vec);
/* The vector the APIC would deliver now (enabled, above the PPR), or -1. */
int vlapic_pending(const struct vcpu *v);
/* The CPU took vec: IRR -> ISR. */
void vlapic_ack(struct vcpu *v, u8 vec);

/* intr.c: before each VMRUN, inject a pending interrupt or ask for the window (VINTR). */
void hvm_intr_assist(struct vcpu *v);

#endif
