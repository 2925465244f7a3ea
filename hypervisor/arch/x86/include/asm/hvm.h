/*
 * HVM vCPUs on AMD SVM with nested paging (hvm/): what the rest of arch/x86
 * calls. Common code reaches HVM only through hv/arch.h (hvm_build_domain).
 * docs/hvm.md describes the whole.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <hv/types.h>
#include <asm/svm.h>
#include <asm/npt.h>
#include <asm/hvm_exit.h>
#include <asm/hvm_vlapic.h>

struct vcpu;
struct domain;

/* The emulated test ports (hvm/io.c): a debug console and a test device. */
#define HVM_PORT_DEBUG      0xe9     /* bytes out: "(dN) ..." lines (Bochs / Xen's HVM debug port) */
#define HVM_PORT_SHUTDOWN   0x510    /* 32-bit out: SHUTDOWN_* reason, the domain ends */
#define HVM_PORT_WAKE_US    0x514    /* 32-bit out: wake a HLTed vCPU after this many microseconds */
#define HVM_PORT_PM_TMR     0x1f48   /* the ACPI PM timer (Xen's FADT, public/hvm/ioreq.h V0) */
#define HVM_PORT_RTC_INDEX  0x70     /* the RTC/CMOS (rtc.c): index, then data */
#define HVM_PORT_RTC_DATA   0x71
#define HVM_PORT_PCI_ADDR   0xcf8    /* PCI configuration mechanism #1: CONFIG_ADDRESS, */
#define HVM_PORT_PCI_DATA   0xcfc    /* CONFIG_DATA (4 ports): to the device's ioreq server */

struct hvm_rtc {
    u8 index;
    u8 cmos[128];                    /* registers A-D and the CMOS RAM (time registers unused) */
};

#define HVM_PORT_PIC_MASTER 0x20     /* the 8259 pair (vpic.c): command, data */
#define HVM_PORT_PIC_SLAVE  0xa0
#define HVM_PORT_PIT_CH0    0x40     /* the 8254 (vpit.c): counters 0-2, control */
#define HVM_PORT_PIT_CONTROL 0x43
#define HVM_PORT_SPEAKER    0x61     /* channel 2's gate and output */

struct vpic_chip {
    u8 irr, imr, isr, base, init_step;
    bool need_icw4, single, auto_eoi, read_isr;
};

struct vpit_channel {
    u64 start;                       /* system time of the last load */
    u16 reload, latch;
    u8 mode, access;
    bool latched, read_hi, write_hi;
};

struct vpit {
    struct vpit_channel ch[3];
    u8 port61;
    bool periodic, ready;
    u32 pending;                     /* ticks posted by the timer, not yet an IRQ0 edge */
    u64 period, next;
    struct hv_timer timer;
};

#define VIOAPIC_BASE 0xfec00000ULL
#define VIOAPIC_SIZE 0x1000
#define VIOAPIC_PINS 24

struct vioapic {
    u32 ioregsel, id;
    u64 redir[VIOAPIC_PINS];
};

/* PCI INTx lines and PIIX3's four links (pci_intx.c). */
struct hvm_pci_intx {
    u32 asserted[4];                 /* bit D * 4 + INTx: that line is high */
    u32 link_high[4];                /* how many lines hold each link high */
    u8 link_route[4];                /* each link's ISA IRQ (0: none), as the guest routed it */
};

/* 0, an ISA IRQ to raise an edge on, or -EINVAL (device > 31, INTx > 3, level > 1). */
int pci_intx_set_level(struct hvm_pci_intx *p, unsigned int dev, unsigned int intx, unsigned int level);
/* 0, an ISA IRQ to raise an edge on (the link is high), or -EINVAL (link > 3, IRQ > 15). */
int pci_intx_set_link_route(struct hvm_pci_intx *p, unsigned int link, unsigned int isa_irq);

struct hvm_domain {
    struct npt npt;
    u64 pm_timer_base_ns;            /* the ACPI PM timer counts from here (io.c) */
    struct hvm_rtc rtc;
    struct vpic_chip pic[2];         /* master, slave */
    struct vpit pit;
    struct vioapic ioapic;
    u32 isa_irq_posted;              /* ISA lines a device model raised (dm_op), not yet edges */
    struct hvm_pci_intx pci_intx;    /* PCI lines a device model raised, their links' routes */
    u32 pci_cf8;                     /* the last dword written to CONFIG_ADDRESS (io.c) */
};

/* What an HVM vCPU waits for from an ioreq server (ioreq_send.c). */
enum hvm_io_wait {
    HVM_IO_WAIT_NONE,
    HVM_IO_WAIT_PIO_IN,              /* IN: the value goes to rAX, RIP moves on */
    HVM_IO_WAIT_MMIO_READ,           /* the MMIO instruction is emulated again with the value */
    HVM_IO_WAIT_DONE,                /* an OUT or MMIO write: nothing more to do */
    HVM_IO_WAIT_STRING_IN,           /* an INS element: to memory, then rDI/rCX/RIP (io_string.c) */
};

struct hvm_vcpu {
    struct vmcb *vmcb;               /* one page of the hypervisor heap */
    u64 vmcb_pa;
    struct svm_gprs gprs;
    int last_cpu;                    /* where its VMCB last ran: another CPU flushes the ASID */
    bool wake_pending;               /* the wake timer fired: the next HLT does not block */
    unsigned long dr[4];             /* DR0-3 while switched out (the guest writes them freely) */
    u64 exits[HVM_EXIT_KINDS];
    u64 mmio_exits, irqs_injected;
    struct vlapic vlapic;            /* its local APIC (vlapic.c) */
    u8 io_wait;                      /* enum hvm_io_wait */
    u8 io_size;
    bool mmio_answer_valid;          /* the server's answer for the MMIO read being emulated */
    u8 mmio_answer_size;
    u64 mmio_answer_gpa, mmio_answer;
    u64 string_lin;                  /* where the INS element being answered goes */
    u64 string_amask;                /* and its address size (io_string.c) */
    u64 ioreq_exits;                 /* accesses sent to an ioreq server */
};

/* svm.c: per-CPU bring-up (after the heap is up: boot CPU in arch_start, APs in ap_start). */
void svm_cpu_init(void);
bool svm_available(void);
/* This CPU's guest entries (ASID 1) go at its next VMRUN: a CR3 load keeps them. */
void svm_tlb_flush_local(void);
u64 svm_iopm_pa(void);
u64 svm_msrpm_pa(void);
bool svm_has_nrips(void);
/* The first run of an HVM vCPU's stack (arch_vcpu_init puts it there). */
__noreturn __attribute__((visibility("hidden"))) void hvm_vcpu_loop(void);
void hvm_dump_registers(const struct vcpu *v);
/* The context switch's part (context.c): FPU, DR0-3, the host page tables. */
void hvm_context_save(struct vcpu *v);
void hvm_context_load(struct vcpu *v);

/* Per vCPU / domain, from context.c and domain_build's teardown. */
int  hvm_vcpu_init(struct vcpu *v);
void hvm_vcpu_destroy(struct vcpu *v);
void hvm_domain_destroy(struct domain *d);

/* vmcb.c */
void vmcb_init(struct vmcb *vmcb, const struct hvm_domain *hd);
void vmcb_set_entry(struct vmcb *vmcb, u32 rip);
/* Injects exception vec (with an error code when has_err). */
void vmcb_inject_exception(struct vmcb *vmcb, unsigned int vec, bool has_err, u32 err);
/* Moves rip past the instruction that exited (len: its length without NRIP save). */
void vmcb_skip_insn(struct vmcb *vmcb, unsigned int len);

/* The exits' emulation: cpuid.c, msr.c, io.c. */
void hvm_cpuid(const struct vcpu *v, u32 leaf, u32 sub, u32 out[4]);
int  hvm_msr_read(struct vcpu *v, u32 msr, u64 *val);     /* -EINVAL: #GP */
int  hvm_msr_write(struct vcpu *v, u32 msr, u64 val);
/* 0: emulated here (*val: an IN's value); -EAGAIN: sent to an ioreq server, the vCPU waits. */
int  hvm_io(struct vcpu *v, u16 port, unsigned int size, bool in, u32 *val);
/* ioreq_send.c: the exit side of the ioreq flow (docs/hvm.md). -ENOENT: no server claims it. */
int  hvm_ioreq_pio(struct vcpu *v, u16 port, unsigned int size, bool in, u32 val);
/* A PCI config access: cfg = (SBDF << 32) | register; completes as an IN or OUT. */
int  hvm_ioreq_pci(struct vcpu *v, u64 cfg, unsigned int size, bool in, u32 val);
int  hvm_ioreq_mmio_read(struct vcpu *v, u64 gpa, unsigned int size, u64 *val);
int  hvm_ioreq_mmio_send(struct vcpu *v, u64 gpa, unsigned int size, bool read, u64 val);
/* io_string.c: INS/OUTS (and REP), an element per exit; an ioreq server's answer to INS. */
void hvm_io_string(struct vcpu *v);
void hvm_io_string_in_done(struct vcpu *v, u64 data);
/* Before VMRUN: the answer completes the instruction; true while the vCPU still waits. */
bool hvm_ioreq_complete(struct vcpu *v);
void hvm_isa_irq_deliver(struct vcpu *v);
/* rtc.c: the RTC/CMOS ports. */
void hvm_rtc_init(struct hvm_rtc *rtc);
void hvm_rtc_io(struct vcpu *v, u16 port, bool in, u32 *val);
/* vpic.c, vpit.c: the PIC pair and the PIT; their ports. */
void vpic_init(struct hvm_domain *hd);
void vpic_io(struct vcpu *v, u16 port, bool in, u32 *val);
void vpic_raise(struct domain *d, unsigned int irq);
int  vpic_pending(const struct vcpu *v);     /* the vector of an INTA now (LINT0 ExtINT), or -1 */
void vpic_ack(struct vcpu *v);
void vpit_init(struct vcpu *v);
void vpit_destroy(struct domain *d);
void vpit_io(struct vcpu *v, u16 port, bool in, u32 *val);
void vpit_deliver(struct vcpu *v);           /* posted ticks -> an IRQ0 edge */
void vioapic_init(struct hvm_domain *hd);
void vioapic_raise(struct domain *d, unsigned int pin);
int  vioapic_mmio_read(struct vcpu *v, u64 off, unsigned int size, u64 *val);
int  vioapic_mmio_write(struct vcpu *v, u64 off, unsigned int size, u64 val);
/* intr.c: an interrupt the vCPU would take now (a HLT does not block). */
bool hvm_intr_pending(struct vcpu *v);
/* guest_walk.c: guest RAM bytes at a guest-physical address (up to the page's end; 0 past RAM),
 * and a linear address through the guest's page tables (-EFAULT: not mapped). */
unsigned int hvm_copy_from_phys(const struct domain *d, u64 gpa, void *buf, unsigned int len);
unsigned int hvm_copy_to_phys(const struct domain *d, u64 gpa, const void *buf, unsigned int len);
int hvm_linear_to_phys(const struct vcpu *v, u64 lin, u64 *gpa);
/* mmio.c: a nested page fault a device claims is emulated (0), else -ENOENT. */
int  hvm_mmio_access(struct vcpu *v, u64 gpa, u64 npf_error);

#endif
