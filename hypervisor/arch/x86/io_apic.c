/*
 * The I/O APICs, from the MADT: the hypervisor owns them (dom0's page-table
 * rules already refuse their page, pv/iomem.c). Every pin is masked at boot;
 * irq.c programs a pin (vector, trigger, polarity, CPU 0) when dom0 sets up
 * or binds its line, and masks/unmasks it around delivery.
 *
 * Register access is index/data (IOREGSEL at +0, IOWIN at +0x10), so one
 * lock serialises every access to every I/O APIC.
 */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/io_apic.h>
#include <asm/layout.h>

struct ioapic {
    volatile u32 *mmio;
    u64 base;
    u32 gsi_base;
    unsigned int nr_pins;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned int nr_ioapics, nr_gsis;
static struct madt_irqs madt;
static spinlock_t ioapic_lock = SPINLOCK_INIT(LOCK_RANK_IOAPIC, "ioapic_lock");

static u32 reg_read(const struct ioapic *a, u32 reg)
{
    a->mmio[0] = reg;
    return a->mmio[4];
}

static void reg_write(const struct ioapic *a, u32 reg, u32 v)
{
    a->mmio[0] = reg;
    a->mmio[4] = v;
}

static void rte_write(const struct ioapic *a, unsigned int pin, u64 rte)
{
    reg_write(a, IOAPIC_REG_RTE(pin), (u32)rte | (u32)RTE_MASKED);  /* masked while half-written */
    reg_write(a, IOAPIC_REG_RTE(pin) + 1, (u32)(rte >> 32));
    reg_write(a, IOAPIC_REG_RTE(pin), (u32)rte);
}

static struct ioapic *ioapic_of(unsigned int gsi, unsigned int *pin)
{
    for (unsigned int i = 0; i < nr_ioapics; i++) {
        struct ioapic *a = &ioapics[i];

        if (gsi >= a->gsi_base && gsi < a->gsi_base + a->nr_pins) {
            *pin = gsi - a->gsi_base;
            return a;
        }
    }
    return NULL;
}

static void ioapic_add(const struct madt_ioapic *m)
{
    struct ioapic *a = &ioapics[nr_ioapics];

    if (m->addr & 0xfff || m->addr < 0xc0000000u)
        return;                                      /* outside the direct map's uncached top GiB */
    a->base = m->addr;
    a->mmio = VA(m->addr);
    a->gsi_base = m->gsi_base;
    a->nr_pins = ((reg_read(a, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
    for (unsigned int pin = 0; pin < a->nr_pins; pin++)
        rte_write(a, pin, ioapic_rte(0, false, false, true, 0));
    nr_gsis = MAX(nr_gsis, a->gsi_base + a->nr_pins);
    nr_ioapics++;
    hv_info("ioapic: id %u at %lx, GSIs %u-%u, all masked\n", m->id, a->base, a->gsi_base,
            a->gsi_base + a->nr_pins - 1);
}

void ioapic_init(void)
{
    const struct acpi_sdt_header *t = acpi_find_madt();

    if (!t || madt_parse_irqs(t, t->length, &madt) || !madt.nr_ioapics) {
        hv_info("ioapic: none in the MADT; no device interrupts\n");
        return;
    }
    for (unsigned int i = 0; i < madt.nr_ioapics; i++)
        ioapic_add(&madt.ioapic[i]);
}

unsigned int ioapic_nr_gsis(void)
{
    return nr_gsis;
}

bool ioapic_write_gsi(unsigned int gsi, u64 rte)
{
    unsigned int pin;
    struct ioapic *a = ioapic_of(gsi, &pin);
    unsigned long flags;

    if (!a)
        return false;
    flags = spin_lock_irqsave(&ioapic_lock);
    rte_write(a, pin, rte);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return true;
}

void ioapic_mask_gsi(unsigned int gsi, bool masked)
{
    unsigned int pin;
    struct ioapic *a = ioapic_of(gsi, &pin);
    unsigned long flags;
    u32 lo;

    if (!a)
        return;
    flags = spin_lock_irqsave(&ioapic_lock);
    lo = reg_read(a, IOAPIC_REG_RTE(pin));
    reg_write(a, IOAPIC_REG_RTE(pin), masked ? lo | (u32)RTE_MASKED : lo & ~(u32)RTE_MASKED);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

int ioapic_guest_read(u64 base, u32 reg, u32 *val)
{
    unsigned long flags;

    for (unsigned int i = 0; i < nr_ioapics; i++) {
        if (ioapics[i].base != base)
            continue;
        flags = spin_lock_irqsave(&ioapic_lock);
        *val = reg_read(&ioapics[i], reg);
        spin_unlock_irqrestore(&ioapic_lock, flags);
        return 0;
    }
    return -EINVAL;
}

/* ISA lines: edge, active high unless an override says otherwise; PCI (the rest): level, low. */
void ioapic_gsi_default(unsigned int gsi, bool *level, bool *active_low)
{
    *level = gsi >= 16;
    *active_low = gsi >= 16;
    for (unsigned int irq = 0; irq < 16; irq++) {
        const struct madt_override *o = &madt.isa[irq];

        if (o->present && o->gsi == gsi) {
            *level = mps_level(o->flags, false);
            *active_low = mps_active_low(o->flags, false);
            return;
        }
    }
}

unsigned int ioapic_isa_gsi(unsigned int irq)
{
    return irq < 16 && madt.isa[irq].present ? madt.isa[irq].gsi : irq;
}
