/*
 * The emulated IO-APIC of an HVM domain (MMIO 0xfec00000: IOREGSEL at 0,
 * IOWIN at 0x10), after the 82093AA datasheet and Xen's vioapic.c (no code
 * shared): ID, version 0x11 with 24 pins, arbitration ID, and 24
 * redirection entries that keep only their defined bits. A raised pin
 * whose entry is unmasked in fixed or lowest-priority mode sets its vector
 * in the (only) vCPU's local APIC; ExtINT entries are the PIC's path,
 * other modes are dropped. Edge-triggered only: a level entry's remote IRR
 * is never set. The PIT's IRQ0 arrives on pin 2, as on Xen's HVM platform
 * (the ISA override hvmloader's MADT declares).
 *
 * Only whole dwords at IOREGSEL and IOWIN are accesses; anything else is
 * ignored (reads 0). The state changes only in the vCPU's own context.
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define IOAPIC_REG_ID     0x00
#define IOAPIC_REG_VER    0x01
#define IOAPIC_REG_ARB    0x02
#define IOAPIC_REG_REDIR  0x10
#define IOAPIC_VERSION    (((VIOAPIC_PINS - 1u) << 16) | 0x11)
#define REDIR_MASKED      (1ULL << 16)
#define REDIR_LO_WRITABLE 0x1afffULL     /* vector, delivery/dest mode, polarity, trigger, mask */
#define REDIR_HI_WRITABLE 0xff000000ULL  /* destination */

static u32 reg_read(const struct vioapic *io)
{
    unsigned int sel = io->ioregsel & 0xff;

    if (sel == IOAPIC_REG_ID || sel == IOAPIC_REG_ARB)
        return io->id;
    if (sel == IOAPIC_REG_VER)
        return IOAPIC_VERSION;
    if (sel >= IOAPIC_REG_REDIR && sel < IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS) {
        u64 e = io->redir[(sel - IOAPIC_REG_REDIR) / 2];

        return (sel & 1) ? (u32)(e >> 32) : (u32)e;
    }
    return 0;
}

static void reg_write(struct vioapic *io, u32 val)
{
    unsigned int sel = io->ioregsel & 0xff;
    u64 *e;

    if (sel == IOAPIC_REG_ID) {
        io->id = val & 0x0f000000u;
        return;
    }
    if (sel < IOAPIC_REG_REDIR || sel >= IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
        return;                                       /* version, arbitration, reserved */
    e = &io->redir[(sel - IOAPIC_REG_REDIR) / 2];
    if (sel & 1)
        *e = (*e & 0xffffffffULL) | (((u64)val << 32) & (REDIR_HI_WRITABLE << 32));
    else
        *e = (*e & ~0xffffffffULL) | (val & REDIR_LO_WRITABLE);
}

int vioapic_mmio_read(struct vcpu *v, u64 off, unsigned int size, u64 *val)
{
    struct vioapic *io = &v->domain->hvm->ioapic;

    *val = 0;
    if (size != 4)
        return 0;
    if (off == 0x00)
        *val = io->ioregsel;
    else if (off == 0x10)
        *val = reg_read(io);
    return 0;
}

int vioapic_mmio_write(struct vcpu *v, u64 off, unsigned int size, u64 val)
{
    struct vioapic *io = &v->domain->hvm->ioapic;

    if (size != 4)
        return 0;
    if (off == 0x00)
        io->ioregsel = (u32)val & 0xff;
    else if (off == 0x10)
        reg_write(io, (u32)val);
    return 0;
}

void vioapic_raise(struct domain *d, unsigned int pin)
{
    u64 e;
    unsigned int mode;

    if (pin >= VIOAPIC_PINS || !d->vcpus[0])
        return;
    e = d->hvm->ioapic.redir[pin];
    mode = (e >> 8) & 7;
    if (!(e & REDIR_MASKED) && mode <= 1)             /* fixed, lowest priority: to vCPU 0 */
        vlapic_set_irq(d->vcpus[0], (u8)e);
}

void vioapic_init(struct hvm_domain *hd)
{
    memset(&hd->ioapic, 0, sizeof(hd->ioapic));
    for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
        hd->ioapic.redir[i] = REDIR_MASKED;
}
