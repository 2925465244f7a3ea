/*
 * The I/O APIC(s) the hypervisor owns (io_apic.c): every pin masked at boot,
 * a pin programmed and unmasked only for a line dom0 bound to an event.
 * The RTE encoding is pure and is unit-tested on the host.
 */
#ifndef ASM_IO_APIC_H
#define ASM_IO_APIC_H

#include <hv/types.h>

#define IOAPIC_REG_ID      0x00
#define IOAPIC_REG_VER     0x01        /* bits 16-23: the highest pin */
#define IOAPIC_REG_RTE(p)  (0x10 + 2 * (p))   /* low half; high half at +1 */

#define RTE_VECTOR_MASK    0xffULL
#define RTE_DEST_LOGICAL   (1ULL << 11)
#define RTE_ACTIVE_LOW     (1ULL << 13)
#define RTE_REMOTE_IRR     (1ULL << 14)
#define RTE_LEVEL          (1ULL << 15)
#define RTE_MASKED         (1ULL << 16)
#define RTE_DEST_SHIFT     56

/* A redirection entry: fixed delivery, physical destination apic_id. */
static inline u64 ioapic_rte(u8 vector, bool level, bool active_low, bool masked, u8 apic_id)
{
    return vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0) |
           (masked ? RTE_MASKED : 0) | (u64)apic_id << RTE_DEST_SHIFT;
}

/* MPS INTI flags of a MADT override: polarity bits 0-1, trigger bits 2-3 (0: bus default). */
static inline bool mps_active_low(u16 flags, bool bus_default)
{
    return (flags & 3) == 3 ? true : (flags & 3) == 1 ? false : bus_default;
}
static inline bool mps_level(u16 flags, bool bus_default)
{
    return ((flags >> 2) & 3) == 3 ? true : ((flags >> 2) & 3) == 1 ? false : bus_default;
}

void ioapic_init(void);                        /* finds them (MADT), masks every pin */
unsigned int ioapic_nr_gsis(void);             /* 0: none found */
/* The pin's RTE, masked or not; false if no I/O APIC has that GSI. */
bool ioapic_write_gsi(unsigned int gsi, u64 rte);
void ioapic_mask_gsi(unsigned int gsi, bool masked);
/* PHYSDEVOP_apic_read: a register of the I/O APIC at that base; -EINVAL for another base. */
int  ioapic_guest_read(u64 base, u32 reg, u32 *val);
/* How the MADT says an ISA line (gsi < 16, or an override's target) is wired. */
void ioapic_gsi_default(unsigned int gsi, bool *level, bool *active_low);
/* The GSI an ISA irq arrives on (the MADT's override, else the same number). */
unsigned int ioapic_isa_gsi(unsigned int irq);

#endif
