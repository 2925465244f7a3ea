/*
 * MSI and MSI-X for the privileged domain's devices (docs/dom0.md, "The
 * interrupt path"). As Xen does, the hypervisor writes the message itself:
 * the MSI capability's address and data, or the MSI-X table entry, so that
 * the device raises vector HV_MSI_VECTOR_BASE + slot on the CPU that runs
 * the guests (irq.c hands it to common/pirq.c). The enable bits stay the
 * domain's (Linux sets them after PHYSDEVOP_map_pirq and never writes the
 * message itself under Xen: pci_msi_ignore_mask).
 *
 * What keeps the message the hypervisor's: the domain's configuration
 * writes to an MSI capability's address, data and mask registers are
 * dropped, and its control word keeps one message (pci_conf.c asks
 * msi_conf_write_filter). The MSI-X table is in
 * a memory BAR the domain maps: it is NOT made read-only (Xen's
 * mmio_ro_ranges), see docs/dom0.md.
 *
 * Slots change under pirq_lock (every hook is called with it held) and the
 * configuration registers under pci_conf_lock; msi_conf_write_filter
 * runs under pci_conf_lock only, so a slot's protected range is published
 * and withdrawn under pci_conf_lock too.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/irq.h>
#include <asm/irq.h>
#include <asm/layout.h>
#include <asm/msi.h>
#include <asm/pci.h>

struct msi_slot {
    bool active;
    struct msi_source src;
    unsigned int cap;                  /* the MSI or MSI-X capability */
    u16 ctrl;                          /* MSI: its control word (layout, mask bits) */
    volatile u32 *entry;               /* MSI-X: the table entry, through the direct map */
};

static struct msi_slot slots[HV_MAX_MSIS];

/* The direct map's uncached top GiB (head.S) is where the table can be reached. */
static volatile u32 *msix_entry_va(u64 addr)
{
    if (addr < 0xc0000000ULL || addr + MSIX_ENTRY_SIZE > 0x100000000ULL || (addr & 3))
        return NULL;
    return VA(addr);
}

static int msix_locate(struct msi_slot *s)
{
    u32 sbdf = s->src.sbdf, table, bar_lo, bar_hi = 0;
    unsigned int bir;

    table = pci_conf_read(sbdf, s->cap + 4, 4);
    if (s->src.entry > (pci_conf_read(sbdf, s->cap + 2, 2) & MSIX_CTRL_SIZE_MASK))
        return -EINVAL;
    bir = table & MSIX_TABLE_BIR_MASK;
    if (bir > 5)
        return -ENXIO;
    bar_lo = pci_conf_read(sbdf, PCI_BAR0 + 4 * bir, 4);
    if (bar_lo & 1)
        return -ENXIO;                               /* an I/O BAR cannot hold the table */
    if ((bar_lo & 6) == 4 && bir < 5)
        bar_hi = pci_conf_read(sbdf, PCI_BAR0 + 4 * (bir + 1), 4);
    if (!(pci_conf_read(sbdf, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
        return -ENXIO;                               /* the table does not decode */
    s->entry = msix_entry_va(msix_table_address(bar_lo, bar_hi, table) +
                             (u64)s->src.entry * MSIX_ENTRY_SIZE);
    return s->entry ? 0 : -ENXIO;
}

static void msix_write(const struct msi_slot *s, u32 addr, u32 data)
{
    s->entry[MSIX_ENTRY_CTRL / 4] |= MSIX_ENTRY_CTRL_MASKED;
    s->entry[MSIX_ENTRY_ADDR_LO / 4] = addr;
    s->entry[MSIX_ENTRY_ADDR_HI / 4] = 0;
    s->entry[MSIX_ENTRY_DATA / 4] = data;
}

static void msi_write(const struct msi_slot *s, u32 addr, u32 data)
{
    u32 sbdf = s->src.sbdf;

    if (s->ctrl & MSI_CTRL_PER_VECTOR)
        pci_conf_write(sbdf, msi_mask_reg(s->cap, s->ctrl), 4, 1);   /* our one message, masked */
    pci_conf_write(sbdf, s->cap + 4, 4, addr);
    if (s->ctrl & MSI_CTRL_64BIT)
        pci_conf_write(sbdf, s->cap + 8, 4, 0);
    pci_conf_write(sbdf, msi_data_reg(s->cap, s->ctrl), 2, data);
}

/* Finds the device and its capability, then writes the message (lock held). */
static int setup_locked(unsigned int slot, struct msi_slot *s)
{
    u32 sbdf = s->src.sbdf;
    u32 addr = msi_message_address(irq_dest_apic_id());
    u32 data = msi_message_data((u8)(HV_MSI_VECTOR_BASE + slot));
    int rc;

    if (sbdf >> 16 || (pci_conf_read(sbdf, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
        return -ENODEV;
    s->cap = pci_find_cap(sbdf, s->src.msix ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
    if (!s->cap)
        return -ENODEV;
    if (s->src.msix) {
        rc = msix_locate(s);
        if (rc)
            return rc;
        msix_write(s, addr, data);
    } else {
        s->ctrl = (u16)pci_conf_read(sbdf, s->cap + 2, 2);
        msi_write(s, addr, data);
    }
    s->active = true;
    return 0;
}

int arch_msi_setup(unsigned int slot, const struct msi_source *src)
{
    unsigned long flags;
    int rc;

    if (slot >= HV_MAX_MSIS || slots[slot].active)
        return -EBUSY;
    slots[slot] = (struct msi_slot){ .src = *src };
    flags = pci_conf_lock_take();
    rc = setup_locked(slot, &slots[slot]);
    pci_conf_lock_drop(flags);
    return rc;
}

void arch_msi_mask(unsigned int slot, bool masked)
{
    struct msi_slot *s = slot < HV_MAX_MSIS ? &slots[slot] : NULL;
    unsigned long flags;

    if (!s || !s->active)
        return;
    if (s->src.msix) {
        if (masked)
            s->entry[MSIX_ENTRY_CTRL / 4] |= MSIX_ENTRY_CTRL_MASKED;
        else
            s->entry[MSIX_ENTRY_CTRL / 4] &= ~MSIX_ENTRY_CTRL_MASKED;
    } else if (s->ctrl & MSI_CTRL_PER_VECTOR) {
        flags = pci_conf_lock_take();
        pci_conf_write(s->src.sbdf, msi_mask_reg(s->cap, s->ctrl), 4, masked);
        pci_conf_lock_drop(flags);
    }                                                /* else: an MSI that cannot be masked */
}

void arch_msi_teardown(unsigned int slot)
{
    unsigned long flags;

    if (slot >= HV_MAX_MSIS || !slots[slot].active)
        return;
    arch_msi_mask(slot, true);
    flags = pci_conf_lock_take();
    slots[slot].active = false;
    pci_conf_lock_drop(flags);
}

/*
 * The domain's configuration write of size bytes at reg, against every MSI
 * the hypervisor programmed: false if it must be dropped (it touches the
 * address, data or mask bits); a write to the control word keeps its
 * multiple-message-enable field 0, as more than one message would let the
 * device raise the vectors next to its own.
 */
bool msi_conf_write_filter(u32 sbdf, unsigned int reg, unsigned int size, u32 *val)
{
    for (unsigned int i = 0; i < HV_MAX_MSIS; i++) {
        const struct msi_slot *s = &slots[i];

        if (!s->active || s->src.msix || s->src.sbdf != sbdf)
            continue;
        if (conf_write_overlaps(reg, size, s->cap + 4, msi_owned_end(s->cap, s->ctrl)))
            return false;
        *val = msi_ctrl_write_sanitise(s->cap, reg, size, *val);
    }
    return true;
}
