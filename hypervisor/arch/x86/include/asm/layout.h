/*
 * Hypervisor virtual layout. Everything lives in the L4 slots the Xen ABI
 * reserves for the hypervisor (256-271, 0xffff800000000000-0xffff87ffffffffff):
 *   slot 256: read-only M2P table, mapped for guests (MACH2PHYS_VIRT_START)
 *   slot 262: direct map of all RAM; the hypervisor image runs from it
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#define HV_DIRECTMAP_BASE   0xffff830000000000
#define HV_M2P_BASE         0xffff800000000000
#define HV_L4_SLOT_M2P      256
#define HV_L4_SLOT_DIRECTMAP 262
#define HV_L4_SLOT_FIRST    256
#define HV_L4_SLOT_LAST     271
#define HV_LOAD_PHYS        0x100000
#define HV_TRAMPOLINE_PHYS  0x6000      /* APs start here in real mode (SIPI vector 6) */

/* GDT: guest entries below 0xe000, the hypervisor's reserved ones above. */
#define HV_CS               0xe008
#define HV_DS               0xe010
#define HV_TSS_SEL          0xe040
#define HV_LDT_SEL          0xe050          /* the current vCPU's validated LDT copy */
#define HV_GDT_ENTRIES      (0xe060 / 8)
#define HV_FIRST_RESERVED_GDT_ENTRY 7168

#define HV_STACK_ORDER_PAGES 2           /* per-vCPU hypervisor stack */
#define HV_FRAME_SPARE       32          /* es/ds/fs/gs slots above the hardware frame */

/* entry.S's per-CPU SYSCALL slots (struct entry_percpu, asm/traps.h). */
#define HV_ENTRY_CPUS        64          /* HV_NR_CPUS */
#define ENTRY_SLOT_SIZE      64
#define ENTRY_FRAME_TOP      0
#define ENTRY_SCRATCH        8

#define TRAP_SYSCALL_VECTOR  0x100       /* entry_vector for the SYSCALL path */
#define HV_TIMER_VECTOR      0xf0
#define HV_IPI_RESCHED_VECTOR 0xf1      /* another CPU asks this one to reschedule */
#define HV_IPI_CALL_VECTOR   0xf2       /* run the pending call-function (ipi.c) */
#define HV_SPURIOUS_VECTOR   0xff

#ifndef __ASSEMBLY__
#define PA(x) ((unsigned long)(x) - HV_DIRECTMAP_BASE)
#define VA(x) ((void *)((unsigned long)(x) + HV_DIRECTMAP_BASE))
#endif

#endif
