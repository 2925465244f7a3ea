/*
 * PCI configuration space by configuration mechanism 1 (0xcf8 address,
 * 0xcfc-0xcff data). The hypervisor reaches it to write MSI messages
 * (msi.c); the privileged domain reaches it through its emulated port I/O
 * (pv/dom0_ioport.c). An access is a pair of port accesses, so the address
 * latch the domain writes at 0xcf8 is kept here, and each of its data
 * accesses writes the latch and moves the data under one lock: the
 * hypervisor's own accesses can never come between the domain's two.
 *
 * The domain's writes to the registers of an MSI capability the hypervisor
 * programmed (its address, data and mask bits: msi.c) are dropped, and its
 * control word keeps one message, as Xen's pci_conf_write_intercept does:
 * the message is the hypervisor's.
 */
#include <hv/spinlock.h>
#include <asm/io.h>
#include <asm/msi.h>
#include <asm/pci.h>

#define PCI_CONF_ADDR   0xcf8
#define PCI_CONF_DATA   0xcfc
#define PCI_CONF_ENABLE 0x80000000u

static spinlock_t pci_conf_lock = SPINLOCK_INIT(LOCK_RANK_PCI_CONF, "pci_conf_lock");
static u32 guest_latch;                        /* the privileged domain's 0xcf8 */

unsigned long pci_conf_lock_take(void)
{
    return spin_lock_irqsave(&pci_conf_lock);
}

void pci_conf_lock_drop(unsigned long flags)
{
    spin_unlock_irqrestore(&pci_conf_lock, flags);
}

static u32 data_in(unsigned int offset, unsigned int size)
{
    if (size == 1)
        return inb((u16)(PCI_CONF_DATA + offset));
    if (size == 2)
        return inw((u16)(PCI_CONF_DATA + offset));
    return inl(PCI_CONF_DATA);
}

static void data_out(unsigned int offset, unsigned int size, u32 val)
{
    if (size == 1)
        outb((u16)(PCI_CONF_DATA + offset), (u8)val);
    else if (size == 2)
        outw((u16)(PCI_CONF_DATA + offset), (u16)val);
    else
        outl(PCI_CONF_DATA, val);
}

static u32 address_of(u32 sbdf, unsigned int reg)
{
    return PCI_CONF_ENABLE | (sbdf & 0xffff) << 8 | (reg & 0xfc);
}

u32 pci_conf_read(u32 sbdf, unsigned int reg, unsigned int size)
{
    outl(PCI_CONF_ADDR, address_of(sbdf, reg));
    return data_in(reg & 3, size);
}

void pci_conf_write(u32 sbdf, unsigned int reg, unsigned int size, u32 val)
{
    outl(PCI_CONF_ADDR, address_of(sbdf, reg));
    data_out(reg & 3, size, val);
}

/* The capability list, at most 48 entries (a looping list ends there). */
unsigned int pci_find_cap(u32 sbdf, u8 id)
{
    unsigned int pos;

    if (!(pci_conf_read(sbdf, PCI_STATUS, 2) & PCI_STATUS_CAP))
        return 0;
    pos = pci_conf_read(sbdf, PCI_CAP_PTR, 1) & 0xfc;
    for (unsigned int n = 0; n < 48 && pos >= 0x40; n++) {
        u32 hdr = pci_conf_read(sbdf, pos, 2);

        if ((hdr & 0xff) == id)
            return pos;
        pos = (hdr >> 8) & 0xfc;
    }
    return 0;
}

static bool is_data_port(unsigned int port, unsigned int size)
{
    return port >= PCI_CONF_DATA && port + size <= PCI_CONF_DATA + 4;
}

bool pci_conf_guest_read(unsigned int port, unsigned int size, u32 *val)
{
    unsigned long flags;

    if (port == PCI_CONF_ADDR && size == 4) {
        *val = guest_latch;
        return true;
    }
    if (!is_data_port(port, size))
        return false;                          /* 0xcf9 (reset control) and the rest: the port's */
    if (!(guest_latch & PCI_CONF_ENABLE)) {
        *val = size == 4 ? ~0u : (1u << (size * 8)) - 1;
        return true;
    }
    flags = pci_conf_lock_take();
    outl(PCI_CONF_ADDR, guest_latch);
    *val = data_in(port & 3, size);
    pci_conf_lock_drop(flags);
    return true;
}

bool pci_conf_guest_write(unsigned int port, unsigned int size, u32 val)
{
    unsigned long flags;
    u32 sbdf = (guest_latch >> 8) & 0xffff;

    if (port == PCI_CONF_ADDR && size == 4) {
        guest_latch = val;
        return true;
    }
    if (!is_data_port(port, size))
        return false;
    if (!(guest_latch & PCI_CONF_ENABLE))
        return true;
    flags = pci_conf_lock_take();
    if (msi_conf_write_filter(sbdf, (guest_latch & 0xfc) | (port & 3), size, &val)) {
        outl(PCI_CONF_ADDR, guest_latch);
        data_out(port & 3, size, val);
    }
    pci_conf_lock_drop(flags);
    return true;
}
