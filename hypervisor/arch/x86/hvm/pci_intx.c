/*
 * PCI INTx lines of an HVM domain, as a device model raises them
 * (XEN_DMOP_set_pci_intx_level) and routes them (XEN_DMOP_set_pci_link_route,
 * which QEMU sends when the guest writes PIIX3's PIRQ route registers
 * 0x60-0x63). As on Xen, device D's pin INTx is wired to PCI link
 * (D + INTx) & 3 ("the barber's pole" hvmloader's tables describe), and a
 * link drives the ISA IRQ it is routed to while any of its lines is high.
 * Pure: unit-tested on the host (tests/unit/test_pci_intx.c).
 *
 * The PIC and IO-APIC here take edges only, so a level is turned into
 * edges: one when a link goes high, and one more whenever a line drops
 * while another on the same link stays high (a level-triggered PIC would
 * interrupt again after the EOI for that one). Lines and counts change by
 * atomic operations: dm_op may come from several of dom0's vCPUs.
 */
#include <hv/errno.h>
#include <asm/hvm.h>

static unsigned int link_of(unsigned int dev, unsigned int intx)
{
    return (dev + intx) & 3;
}

/* The ISA IRQ a link drives (0: routed nowhere). */
static int link_irq(const struct hvm_pci_intx *p, unsigned int link)
{
    return __atomic_load_n(&p->link_route[link], __ATOMIC_SEQ_CST);
}

int pci_intx_set_level(struct hvm_pci_intx *p, unsigned int dev, unsigned int intx, unsigned int level)
{
    unsigned int bit = dev * 4 + intx, link = link_of(dev, intx);
    u32 mask = 1u << (bit & 31), old;

    if (dev > 31 || intx > 3 || level > 1)
        return -EINVAL;
    if (level) {
        old = __atomic_fetch_or(&p->asserted[bit / 32], mask, __ATOMIC_SEQ_CST);
        if (!(old & mask) && __atomic_fetch_add(&p->link_high[link], 1, __ATOMIC_SEQ_CST) == 0)
            return link_irq(p, link);                 /* the link goes high: an edge */
        return 0;
    }
    old = __atomic_fetch_and(&p->asserted[bit / 32], ~mask, __ATOMIC_SEQ_CST);
    if ((old & mask) && __atomic_sub_fetch(&p->link_high[link], 1, __ATOMIC_SEQ_CST) > 0)
        return link_irq(p, link);                     /* another line keeps the link high */
    return 0;
}

int pci_intx_set_link_route(struct hvm_pci_intx *p, unsigned int link, unsigned int isa_irq)
{
    if (link > 3 || isa_irq > 15)
        return -EINVAL;
    __atomic_store_n(&p->link_route[link], (u8)isa_irq, __ATOMIC_SEQ_CST);
    /* A link already high drives its new IRQ at once (Xen moves the level the same way). */
    return __atomic_load_n(&p->link_high[link], __ATOMIC_SEQ_CST) ? (int)isa_irq : 0;
}
