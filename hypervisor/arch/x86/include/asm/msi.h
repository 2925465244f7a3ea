/*
 * MSI and MSI-X (msi.c): the PCI capability layouts and the message the
 * hypervisor writes into a device. The encoding is pure and unit-tested on
 * the host.
 */
#ifndef ASM_MSI_H
#define ASM_MSI_H

#include <hv/types.h>

#define PCI_CAP_ID_MSI         0x05
#define PCI_CAP_ID_MSIX        0x11

/* MSI capability: control at +2, address at +4, then data (and mask bits). */
#define MSI_CTRL_64BIT         (1u << 7)
#define MSI_CTRL_PER_VECTOR    (1u << 8)       /* the device has mask bits */
#define MSI_CTRL_MME_MASK      (7u << 4)       /* multiple message enable: one message here */

/* MSI-X capability: control at +2 (table size - 1), table offset | BIR at +4. */
#define MSIX_CTRL_SIZE_MASK    0x7ffu
#define MSIX_TABLE_BIR_MASK    7u
#define MSIX_ENTRY_SIZE        16
#define MSIX_ENTRY_ADDR_LO     0
#define MSIX_ENTRY_ADDR_HI     4
#define MSIX_ENTRY_DATA        8
#define MSIX_ENTRY_CTRL        12
#define MSIX_ENTRY_CTRL_MASKED 1u

/* The message: fixed delivery, physical destination, edge. */
#define MSI_ADDR_BASE          0xfee00000u
#define MSI_ADDR_DEST_SHIFT    12
#define MSI_DATA_LEVEL_ASSERT  (1u << 14)

static inline u32 msi_message_address(u8 apic_id)
{
    return MSI_ADDR_BASE | (u32)apic_id << MSI_ADDR_DEST_SHIFT;
}

static inline u32 msi_message_data(u8 vector)
{
    return MSI_DATA_LEVEL_ASSERT | vector;
}

/* Where an MSI capability at cap keeps its data and mask registers. */
static inline unsigned int msi_data_reg(unsigned int cap, u16 ctrl)
{
    return cap + (ctrl & MSI_CTRL_64BIT ? 0xc : 0x8);
}

static inline unsigned int msi_mask_reg(unsigned int cap, u16 ctrl)
{
    return cap + (ctrl & MSI_CTRL_64BIT ? 0x10 : 0xc);
}

/*
 * The registers the hypervisor owns in an MSI capability: the address, the
 * data and (with per-vector masking) the mask bits, [cap + 4, end).
 */
static inline unsigned int msi_owned_end(unsigned int cap, u16 ctrl)
{
    return ctrl & MSI_CTRL_PER_VECTOR ? msi_mask_reg(cap, ctrl) + 4 : msi_data_reg(cap, ctrl) + 2;
}

/* Whether a config write of size bytes at reg touches [first, end). */
static inline bool conf_write_overlaps(unsigned int reg, unsigned int size, unsigned int first,
                                       unsigned int end)
{
    return reg < end && reg + size > first;
}

/*
 * A write of size bytes at reg with the value val, with the multiple
 * message enable field of the MSI control word at cap + 2 (bits 4-6 of
 * its low byte) forced to 0 where the write covers it.
 */
static inline u32 msi_ctrl_write_sanitise(unsigned int cap, unsigned int reg, unsigned int size,
                                          u32 val)
{
    unsigned int low = cap + 2;                /* the control word's low byte */

    if (reg > low || reg + size <= low)
        return val;
    return val & ~(MSI_CTRL_MME_MASK << ((low - reg) * 8));
}

/* The MSI-X table's address from its BAR (low, and high for a 64-bit BAR) and offset. */
static inline u64 msix_table_address(u32 bar_lo, u32 bar_hi, u32 table_reg)
{
    u64 base = bar_lo & ~0xfULL;

    if ((bar_lo & 6) == 4)                     /* 64-bit memory BAR */
        base |= (u64)bar_hi << 32;
    return base + (table_reg & ~MSIX_TABLE_BIR_MASK);
}

bool msi_conf_write_filter(u32 sbdf, unsigned int reg, unsigned int size, u32 *val);

#endif
