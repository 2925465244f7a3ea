/*
 * The emulated 8259A PIC pair of an HVM domain (master 0x20/0x21, slave
 * 0xa0/0xa1 cascaded on IRQ2), after the datasheet and Xen's vpic.c (no
 * code shared): the ICW1-ICW4 init sequence (vector base, single/cascade,
 * auto-EOI), OCW1 (the mask), OCW2 (non-specific and specific EOI; the
 * rotate forms act as their EOI), OCW3 (read IRR or ISR). Edge-triggered,
 * fixed priority (IRQ0 highest); no special mask, poll or rotation.
 *
 * Its output reaches the vCPU as ExtINT through the local APIC's LINT0
 * when the guest programmed LINT0 unmasked in ExtINT mode (virtual wire,
 * as firmware leaves it; Xen's vlapic_accept_pic_intr). The state is the
 * domain's and changes only in its vCPU's exits (one vCPU); devices raise
 * lines from that context too (the PIT's timer only posts a tick).
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define ICW1_INIT    0x10
#define ICW1_ICW4    0x01
#define ICW1_SINGLE  0x02
#define OCW3_SELECT  0x08
#define ICW4_AEOI    0x02
#define LVT_EXTINT   (7u << 8)
#define LVT_MODE     (7u << 8)
#define LVT_MASKED   (1u << 16)

static struct vpic_chip *chip_of(struct vcpu *v, u16 port)
{
    return &v->domain->hvm->pic[(port & 0x80) ? 1 : 0];
}

/* The highest-priority request that is unmasked and above every in-service one, or -1. */
static int chip_pending(const struct vpic_chip *c, u8 extra_irr)
{
    u8 req = (c->irr | extra_irr) & ~c->imr;

    for (int irq = 0; irq < 8; irq++) {
        if (c->isr & (1u << irq))
            return -1;                                /* an equal or higher one is in service */
        if (req & (1u << irq))
            return irq;
    }
    return -1;
}

static int slave_pending(const struct hvm_domain *hd)
{
    return chip_pending(&hd->pic[1], 0);
}

/* The vector the pair would give an INTA now, or -1. */
int vpic_pending(const struct vcpu *v)
{
    const struct hvm_domain *hd = v->domain->hvm;
    const struct vlapic *a = &v->arch.hvm->vlapic;
    int irq = chip_pending(&hd->pic[0], slave_pending(hd) >= 0 ? 1u << 2 : 0);

    if (irq < 0 || (a->lvt[3] & (LVT_MASKED | LVT_MODE)) != LVT_EXTINT)
        return -1;
    if (irq == 2)
        return hd->pic[1].base + slave_pending(hd);
    return hd->pic[0].base + irq;
}

static void chip_ack(struct vpic_chip *c, int irq)
{
    c->irr &= ~(1u << irq);                           /* edge: the request is consumed */
    if (!c->auto_eoi)
        c->isr |= 1u << irq;
}

/* INTA: the pending vector's request goes in service (both chips for a cascaded one). */
void vpic_ack(struct vcpu *v)
{
    struct hvm_domain *hd = v->domain->hvm;
    int irq = chip_pending(&hd->pic[0], slave_pending(hd) >= 0 ? 1u << 2 : 0);

    if (irq < 0)
        return;
    if (irq == 2) {
        chip_ack(&hd->pic[1], slave_pending(hd));
        if (!hd->pic[0].auto_eoi)
            hd->pic[0].isr |= 1u << 2;
        return;
    }
    chip_ack(&hd->pic[0], irq);
}

void vpic_raise(struct domain *d, unsigned int irq)
{
    if (irq < 16)
        d->hvm->pic[irq / 8].irr |= 1u << (irq % 8);
}

static void ocw2(struct vpic_chip *c, u8 val)
{
    unsigned int op = val >> 5;

    if (op == 1 || op == 5) {                         /* non-specific EOI (and its rotate form) */
        for (int irq = 0; irq < 8; irq++)
            if (c->isr & (1u << irq)) {
                c->isr &= ~(1u << irq);
                break;
            }
    } else if (op == 3 || op == 7) {                  /* specific EOI */
        c->isr &= ~(1u << (val & 7));
    }
}

static void command_write(struct vpic_chip *c, u8 val)
{
    if (val & ICW1_INIT) {
        c->imr = c->isr = c->irr = 0;
        c->auto_eoi = false;
        c->read_isr = false;
        c->need_icw4 = val & ICW1_ICW4;
        c->single = val & ICW1_SINGLE;
        c->init_step = 1;
    } else if (val & OCW3_SELECT) {
        if (val & 2)
            c->read_isr = val & 1;
    } else {
        ocw2(c, val);
    }
}

static void data_write(struct vpic_chip *c, u8 val)
{
    switch (c->init_step) {
    case 1:
        c->base = val & 0xf8;
        c->init_step = !c->single ? 2 : c->need_icw4 ? 3 : 0;
        break;
    case 2:
        c->init_step = c->need_icw4 ? 3 : 0;          /* ICW3: the cascade wiring is fixed */
        break;
    case 3:
        c->auto_eoi = val & ICW4_AEOI;
        c->init_step = 0;
        break;
    default:
        c->imr = val;                                 /* OCW1 */
    }
}

void vpic_io(struct vcpu *v, u16 port, bool in, u32 *val)
{
    struct vpic_chip *c = chip_of(v, port);
    bool data = port & 1;

    if (in)
        *val = data ? c->imr : c->read_isr ? c->isr : c->irr;
    else if (data)
        data_write(c, (u8)*val);
    else
        command_write(c, (u8)*val);
}

void vpic_init(struct hvm_domain *hd)
{
    memset(hd->pic, 0, sizeof(hd->pic));
    hd->pic[0].base = 0x08;                           /* the PC's reset wiring, until ICW2 */
    hd->pic[1].base = 0x70;
    hd->pic[0].imr = hd->pic[1].imr = 0xff;
}
