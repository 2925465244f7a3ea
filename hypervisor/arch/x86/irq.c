/*
 * Device interrupts: each I/O APIC GSI gets its own vector
 * (HV_DEVICE_VECTOR_BASE + gsi), each MSI slot its own
 * (HV_MSI_VECTOR_BASE + slot, msi.c), delivered to CPU 0 (the CPU that runs the
 * guests in this phase). The vector's handler hands the GSI to the PIRQ
 * table (common/pirq.c), which masks the line if the rules say so, then
 * the local APIC gets its EOI: a masked level line is re-armed only by
 * dom0's PHYSDEVOP_eoi.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/irq.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/io_apic.h>
#include <asm/irq.h>

struct gsi_cfg {
    bool level;
    bool active_low;
    bool masked;
};

static struct gsi_cfg gsis[HV_MAX_GSIS];
static unsigned int nr_gsis;
static u8 dest_apic_id;
static unsigned int reserved_gsi[3];

static void program(unsigned int gsi)
{
    const struct gsi_cfg *c = &gsis[gsi];

    ioapic_write_gsi(gsi, ioapic_rte((u8)(HV_DEVICE_VECTOR_BASE + gsi), c->level, c->active_low,
                                     c->masked, dest_apic_id));
}

void irq_init(void)
{
    outb(0x21, 0xff);                                /* the 8259s deliver nothing */
    outb(0xa1, 0xff);
    ioapic_init();
    nr_gsis = MIN(ioapic_nr_gsis(), (unsigned int)HV_MAX_GSIS);
    dest_apic_id = (u8)apic_id();
    reserved_gsi[0] = 0;                             /* the PIT (hypervisor's ports) */
    reserved_gsi[1] = ioapic_isa_gsi(0);
    reserved_gsi[2] = ioapic_isa_gsi(4);                    /* COM1, the hypervisor's console */
    for (unsigned int gsi = 0; gsi < nr_gsis; gsi++) {
        ioapic_gsi_default(gsi, &gsis[gsi].level, &gsis[gsi].active_low);
        gsis[gsi].masked = true;
        program(gsi);
    }
}

unsigned int arch_irq_nr_gsis(void)
{
    return nr_gsis;
}

bool arch_irq_gsi_reserved(unsigned int gsi)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(reserved_gsi); i++)
        if (gsi == reserved_gsi[i])
            return true;
    return false;
}

bool arch_irq_gsi_level(unsigned int gsi)
{
    return gsi < nr_gsis && gsis[gsi].level;
}

void arch_irq_gsi_configure(unsigned int gsi, bool level, bool active_low)
{
    if (gsi >= nr_gsis)
        return;
    gsis[gsi].level = level;
    gsis[gsi].active_low = active_low;
    program(gsi);
}

void arch_irq_gsi_mask(unsigned int gsi, bool masked)
{
    if (gsi >= nr_gsis)
        return;
    gsis[gsi].masked = masked;
    ioapic_mask_gsi(gsi, masked);
}

u8 irq_dest_apic_id(void)
{
    return dest_apic_id;
}

/* A device vector (traps.c): true if it was one. An MSI is an edge: no pin to mask. */
bool irq_handle_vector(unsigned int vec)
{
    if (vec >= HV_DEVICE_VECTOR_BASE && vec < HV_DEVICE_VECTOR_BASE + nr_gsis)
        pirq_interrupt(vec - HV_DEVICE_VECTOR_BASE);
    else if (vec >= HV_MSI_VECTOR_BASE && vec < HV_MSI_VECTOR_BASE + HV_MAX_MSIS)
        pirq_interrupt(HV_MAX_GSIS + vec - HV_MSI_VECTOR_BASE);
    else
        return false;
    apic_eoi();
    return true;
}
