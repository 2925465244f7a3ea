/*
 * The exit side of the ioreq flow (docs/hvm.md): a port or MMIO access the
 * hypervisor does not emulate and an ioreq server claims goes to the
 * server (common/ioreq.c), and the vCPU waits; before it runs again the
 * answer completes the instruction:
 *  - IN: the value into AL/AX/EAX, RIP past the instruction (OUT moved RIP
 *    when it was sent);
 *  - MMIO: the instruction is emulated again (mmio.c) with the answered
 *    read as the device's value, as Xen re-runs its emulator; a write the
 *    emulation then makes is one more request, after which it is done.
 * Also: ISA lines a device model raises (dm_op set_isa_irq_level), posted
 * atomically and turned into PIC/IO-APIC edges in the vCPU's own context.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/hvm.h>

/* A port's access, or a PCI config access through the data ports: an IN waits for its value. */
static int send_port_access(struct vcpu *v, const struct ioreq_access *a)
{
    struct hvm_vcpu *h = v->arch.hvm;

    if (ioreq_send(v, a))
        return -ENOENT;
    h->io_wait = a->read ? HVM_IO_WAIT_PIO_IN : HVM_IO_WAIT_DONE;
    h->io_size = a->size;
    h->ioreq_exits++;
    return 0;
}

int hvm_ioreq_pio(struct vcpu *v, u16 port, unsigned int size, bool in, u32 val)
{
    struct ioreq_access a = { IOREQ_RANGE_PORT, port, size, in, val };

    return send_port_access(v, &a);
}

int hvm_ioreq_pci(struct vcpu *v, u64 cfg, unsigned int size, bool in, u32 val)
{
    struct ioreq_access a = { IOREQ_RANGE_PCI, cfg, size, in, val };

    return send_port_access(v, &a);
}

/* The emulator's read of a server's MMIO: an answer kept for it, else -EAGAIN (send one). */
int hvm_ioreq_mmio_read(struct vcpu *v, u64 gpa, unsigned int size, u64 *val)
{
    struct hvm_vcpu *h = v->arch.hvm;

    if (h->mmio_answer_valid && h->mmio_answer_gpa == gpa && h->mmio_answer_size == size) {
        h->mmio_answer_valid = false;
        *val = h->mmio_answer;
        return 0;
    }
    h->mmio_answer_valid = false;
    return -EAGAIN;
}

/* Sends an MMIO read (then the instruction is emulated again) or write (then done). */
int hvm_ioreq_mmio_send(struct vcpu *v, u64 gpa, unsigned int size, bool read, u64 val)
{
    struct hvm_vcpu *h = v->arch.hvm;
    struct ioreq_access a = { IOREQ_RANGE_MMIO, gpa, size, read, val };

    if (ioreq_send(v, &a))
        return -ENOENT;
    h->io_wait = read ? HVM_IO_WAIT_MMIO_READ : HVM_IO_WAIT_DONE;
    h->io_size = size;
    h->mmio_answer_gpa = gpa;
    h->ioreq_exits++;
    return 0;
}

static void finish_pio_in(struct vcpu *v, u64 data)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    unsigned int size = v->arch.hvm->io_size;
    u64 mask = size == 4 ? 0xffffffffULL : (1ULL << (8 * size)) - 1;

    vmcb->rax = (vmcb->rax & ~mask) | (data & mask);
    vmcb->rip = vmcb->exitinfo2;                      /* the IOIO exit's next rip */
}

/*
 * Before the vCPU runs: true while it still waits (blocked again, or its
 * domain crashed). The VMCB is as the exit left it: the vCPU has not run.
 */
bool hvm_ioreq_complete(struct vcpu *v)
{
    struct hvm_vcpu *h = v->arch.hvm;
    u64 data;
    int rc;

    if (h->io_wait == HVM_IO_WAIT_NONE)
        return false;
    if ((rc = ioreq_wait(v, &data)) == -EAGAIN)
        return true;
    if (rc)
        return true;                                  /* crashed: it never runs again */
    switch (h->io_wait) {
    case HVM_IO_WAIT_PIO_IN:
        h->io_wait = HVM_IO_WAIT_NONE;
        finish_pio_in(v, data);
        break;
    case HVM_IO_WAIT_STRING_IN:
        h->io_wait = HVM_IO_WAIT_NONE;
        hvm_io_string_in_done(v, data);
        break;
    case HVM_IO_WAIT_MMIO_READ:
        h->io_wait = HVM_IO_WAIT_NONE;
        h->mmio_answer = data;
        h->mmio_answer_size = h->io_size;
        h->mmio_answer_valid = true;
        hvm_mmio_access(v, h->mmio_answer_gpa, h->vmcb->exitinfo1);
        h->mmio_answer_valid = false;
        break;
    default:
        h->io_wait = HVM_IO_WAIT_NONE;
    }
    return h->io_wait != HVM_IO_WAIT_NONE || v->state != VCPU_RUNNABLE;
}

/* dm_op set_isa_irq_level: posted here, an edge in the vCPU's context (hvm_isa_irq_deliver). */
int arch_hvm_set_isa_irq_level(struct domain *d, unsigned int irq, unsigned int level)
{
    if (!d->hvm || irq > 15)
        return -EINVAL;
    if (!level)
        return 0;                                     /* edge-triggered lines only, for now */
    __atomic_fetch_or(&d->hvm->isa_irq_posted, 1u << irq, __ATOMIC_SEQ_CST);
    if (d->vcpus[0])
        sched_wake(d->vcpus[0]);
    return 0;
}

/* dm_op set_pci_intx_level / set_pci_link_route: the link's ISA IRQ, when it should fire. */
int arch_hvm_set_pci_intx_level(struct domain *d, unsigned int dev, unsigned int intx, unsigned int level)
{
    int irq = d->hvm ? pci_intx_set_level(&d->hvm->pci_intx, dev, intx, level) : -EINVAL;

    return irq > 0 ? arch_hvm_set_isa_irq_level(d, (unsigned int)irq, 1) : irq;
}

int arch_hvm_set_pci_link_route(struct domain *d, unsigned int link, unsigned int isa_irq)
{
    int irq = d->hvm ? pci_intx_set_link_route(&d->hvm->pci_intx, link, isa_irq) : -EINVAL;

    return irq > 0 ? arch_hvm_set_isa_irq_level(d, (unsigned int)irq, 1) : irq;
}

void hvm_isa_irq_deliver(struct vcpu *v)
{
    struct domain *d = v->domain;
    u32 posted;

    if (v->id || !(posted = __atomic_exchange_n(&d->hvm->isa_irq_posted, 0, __ATOMIC_SEQ_CST)))
        return;
    for (unsigned int irq = 0; irq < 16; irq++) {
        if (!(posted & (1u << irq)))
            continue;
        vpic_raise(d, irq);
        vioapic_raise(d, irq ? irq : 2);              /* ISA IRQ0 is GSI 2 (the MADT's override) */
    }
}
