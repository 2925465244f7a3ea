/*
 * The GSI -> PIRQ -> event-channel table of the privileged domain, and the
 * delivery and EOI rules (docs/dom0.md, "The interrupt path").
 *
 * A PIRQ has the number of its GSI, as Xen gives the hardware domain; an
 * MSI/MSI-X message gets PIRQ HV_MAX_GSIS + its slot, the lowest free one
 * (the arch writes the message into the device, hv/arch.h). An MSI is an
 * edge: it follows the edge rules below, masked through the device's
 * per-vector mask where it has one (every MSI-X entry does; an MSI
 * capability without mask bits cannot be masked, so the storm rule cannot
 * hold it: docs/dom0.md). A line is masked unless it is mapped, bound to a
 * port and not waiting for its EOI:
 *  - level: masked at every interrupt (before the local APIC's EOI), its
 *    port raised; dom0's PHYSDEVOP_eoi unmasks it (the device still
 *    asserting it then fires it again at once);
 *  - edge: raised at every interrupt, nothing masked; more interrupts
 *    before the EOI coalesce in the pending port, and PIRQ_STORM_LIMIT of
 *    them mask the line until the EOI (the storm rule).
 * irq_status_query says needs_eoi for every line, as Xen does, and the
 * pirq_eoi_gmfn_v2 page has the bit of every bound line set, so Linux EOIs
 * both kinds.
 *
 * One lock (rank PIRQ: taken under a domain's event lock, never under the
 * scheduler's or timer locks) covers the table; the
 * port is raised after it is dropped, so the event side's locks never nest
 * inside it.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/irq.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include <xen/physdev.h>

struct pirq_line {
    bool mapped;
    bool bound;
    bool in_flight;                    /* raised, dom0's EOI not seen yet */
    bool masked;                       /* by this table (level in flight, storm, unbound) */
    bool msi;
    struct msi_source src;             /* msi: the device and entry */
    domid_t owner;
    evtchn_port_t port;
    u32 unacked;                       /* interrupts since the last EOI */
    u64 count;
};

static struct pirq_line lines[HV_MAX_PIRQS];
static spinlock_t pirq_lock = SPINLOCK_INIT(LOCK_RANK_PIRQ, "pirq_lock");

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v2: a page of the owner's where bit p says "PIRQ p
 * needs PHYSDEVOP_eoi". Held (reference, writable type) while registered;
 * every bound line has its bit set (every line needs its EOI here), unbound
 * ones clear. Bits change atomically: the guest reads them at any time.
 */
static u64 *eoi_map;
static domid_t eoi_map_owner;

static unsigned int nr_lines(void)
{
    return MIN(arch_irq_nr_gsis(), (unsigned int)HV_MAX_GSIS);
}

/* A PIRQ number this table has: a GSI the machine has, or an MSI slot's. */
static bool pirq_exists(int pirq)
{
    return pirq >= 0 && ((unsigned int)pirq < nr_lines() ||
                         (pirq >= HV_MAX_GSIS && pirq < HV_MAX_PIRQS));
}

/* d's mapped line pirq, or NULL. */
static struct pirq_line *line_of(struct domain *d, int pirq)
{
    if (!pirq_exists(pirq))
        return NULL;
    if (!lines[pirq].mapped || lines[pirq].owner != d->id)
        return NULL;
    return &lines[pirq];
}

static void eoi_map_set(const struct domain *d, unsigned int pirq, bool needs_eoi)
{
    u64 bit = 1ULL << (pirq % 64);

    if (!eoi_map || eoi_map_owner != d->id)
        return;
    if (needs_eoi)
        __atomic_fetch_or(&eoi_map[pirq / 64], bit, __ATOMIC_RELEASE);
    else
        __atomic_fetch_and(&eoi_map[pirq / 64], ~bit, __ATOMIC_RELEASE);
}

/* -EBUSY if a page is registered already (as Xen), -EINVAL for a frame d cannot give. */
int pirq_set_eoi_map(struct domain *d, mfn_t mfn)
{
    void *page = arch_guest_frame_hold(d, mfn);
    unsigned long flags;
    int rc = 0;

    if (!page)
        return -EINVAL;
    flags = spin_lock_irqsave(&pirq_lock);
    if (eoi_map) {
        rc = -EBUSY;
    } else {
        eoi_map = page;
        eoi_map_owner = d->id;
        for (unsigned int p = 0; p < HV_MAX_PIRQS; p++)
            if (lines[p].bound && lines[p].owner == d->id)
                eoi_map_set(d, p, true);
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (rc)
        arch_guest_frame_release(mfn);
    else
        hv_info("irq: d%u's PIRQ EOI bitmap is frame %lx\n", d->id, mfn);
    return rc;
}

static void set_mask(unsigned int pirq, struct pirq_line *l, bool masked)
{
    l->masked = masked;
    if (pirq < HV_MAX_GSIS)
        arch_irq_gsi_mask(pirq, masked);
    else
        arch_msi_mask(pirq - HV_MAX_GSIS, masked);
}

static bool line_level(unsigned int pirq)
{
    return pirq < HV_MAX_GSIS && arch_irq_gsi_level(pirq);
}

int pirq_map_gsi(struct domain *d, int gsi, int want_pirq, int *pirq)
{
    unsigned long flags;
    int rc = 0;

    if (gsi < 0 || (unsigned int)gsi >= nr_lines())
        return -EINVAL;
    if (want_pirq >= 0 && want_pirq != gsi)
        return -EINVAL;                              /* PIRQ numbers are the GSIs */
    if (arch_irq_gsi_reserved(gsi))
        return -EPERM;
    flags = spin_lock_irqsave(&pirq_lock);
    if (lines[gsi].mapped && lines[gsi].owner != d->id)
        rc = -EEXIST;
    else if (!lines[gsi].mapped)
        lines[gsi] = (struct pirq_line){ .mapped = true, .owner = d->id, .masked = true };
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!rc)
        *pirq = gsi;
    return rc;
}

static bool same_device(const struct pirq_line *l, const struct msi_source *src)
{
    return l->mapped && l->msi && l->src.sbdf == src->sbdf;
}

/*
 * As Xen: -EEXIST for an MSI, or an MSI-X entry, that has its PIRQ already;
 * -EBUSY for MSI on a device that uses MSI-X, or the reverse; -ENOSPC with
 * every slot taken. Returns the slot, the line reserved (mapped, masked).
 */
static int msi_slot_claim(struct domain *d, const struct msi_source *src)
{
    int free = -ENOSPC;

    for (unsigned int s = 0; s < HV_MAX_MSIS; s++) {
        const struct pirq_line *l = &lines[HV_MAX_GSIS + s];

        if (same_device(l, src) && l->src.msix != src->msix)
            return -EBUSY;
        if (same_device(l, src) && (!src->msix || l->src.entry == src->entry))
            return -EEXIST;
        if (!l->mapped && free < 0)
            free = (int)s;
    }
    if (free >= 0)
        lines[HV_MAX_GSIS + free] = (struct pirq_line){ .mapped = true, .owner = d->id,
                                                        .masked = true, .msi = true,
                                                        .src = *src };
    return free;
}

int pirq_map_msi(struct domain *d, const struct msi_source *src, int *pirq)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    int slot = msi_slot_claim(d, src);
    int rc = slot < 0 ? slot : arch_msi_setup((unsigned int)slot, src);

    if (rc && slot >= 0)
        lines[HV_MAX_GSIS + slot] = (struct pirq_line){ .masked = true };
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!rc)
        *pirq = HV_MAX_GSIS + slot;
    return rc;
}

/* The line goes back to unmapped; an MSI's slot is torn down (masked) and free. */
static void unmap_locked(unsigned int pirq, struct pirq_line *l)
{
    if (l->msi)
        arch_msi_teardown(pirq - HV_MAX_GSIS);
    else
        arch_irq_gsi_mask(pirq, true);
    *l = (struct pirq_line){ .masked = true };
}

int pirq_unmap(struct domain *d, int pirq)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    struct pirq_line *l = line_of(d, pirq);
    int rc = 0;

    if (!l)
        rc = -EINVAL;
    else if (l->bound)
        rc = -EBUSY;                                 /* close the port first */
    else
        unmap_locked((unsigned int)pirq, l);
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

/*
 * Trigger and polarity of a line (PCI INTx from ACPI _PRT). -EEXIST once
 * the line is bound (it is live), as Xen answers for a programmed pin.
 */
int pirq_setup_gsi(struct domain *d, int gsi, bool level, bool active_low)
{
    unsigned long flags;
    int rc = 0;

    if (gsi < 0 || (unsigned int)gsi >= nr_lines())
        return -EINVAL;
    if (arch_irq_gsi_reserved(gsi))
        return -EPERM;
    flags = spin_lock_irqsave(&pirq_lock);
    if (lines[gsi].bound || (lines[gsi].mapped && lines[gsi].owner != d->id)) {
        rc = -EEXIST;
    } else {
        arch_irq_gsi_configure(gsi, level, active_low);   /* stays masked */
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

int pirq_status_query(struct domain *d, int pirq, u32 *flags_out)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    struct pirq_line *l = line_of(d, pirq);

    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!l)
        return -EINVAL;
    *flags_out = XENIRQSTAT_needs_eoi;
    return 0;
}

/* Re-arms the line: the next interrupt is delivered again. */
int pirq_eoi(struct domain *d, int pirq)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    struct pirq_line *l = line_of(d, pirq);

    if (!l) {
        spin_unlock_irqrestore(&pirq_lock, flags);
        return -EINVAL;
    }
    l->in_flight = false;
    l->unacked = 0;
    if (l->bound && l->masked)
        set_mask((unsigned int)pirq, l, false);
    spin_unlock_irqrestore(&pirq_lock, flags);
    return 0;
}

int pirq_bind(struct domain *d, int pirq, evtchn_port_t port)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    struct pirq_line *l = line_of(d, pirq);
    int rc = 0;

    if (!l) {
        rc = -EINVAL;
    } else if (l->bound) {
        rc = -EEXIST;
    } else {
        l->bound = true;
        eoi_map_set(d, (unsigned int)pirq, true);
        l->port = port;
        l->in_flight = false;
        l->unacked = 0;
        set_mask((unsigned int)pirq, l, false);
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    struct pirq_line *l = line_of(d, pirq);

    if (l && l->bound && l->port == port) {
        set_mask((unsigned int)pirq, l, true);
        l->bound = false;
        eoi_map_set(d, (unsigned int)pirq, false);
        l->port = 0;
        l->in_flight = false;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
}

void pirq_domain_destroy(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&pirq_lock);
    u64 *map = eoi_map_owner == d->id ? eoi_map : NULL;

    if (map)
        eoi_map = NULL;

    for (unsigned int p = 0; p < HV_MAX_PIRQS; p++)
        if (lines[p].mapped && lines[p].owner == d->id)
            unmap_locked(p, &lines[p]);
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (map)
        arch_guest_frame_release(hv_virt_to_mfn(map));
}

/* The table's half of an interrupt: mask as the rules say; the port to raise, or 0. */
static evtchn_port_t interrupt_locked(unsigned int pirq, struct pirq_line *l, domid_t *owner)
{
    l->count++;
    if (!l->bound) {
        set_mask(pirq, l, true);                     /* nobody to tell: stays quiet */
        return 0;
    }
    if (line_level(pirq))
        set_mask(pirq, l, true);
    else if (++l->unacked >= PIRQ_STORM_LIMIT && !l->masked) {
        set_mask(pirq, l, true);
        hv_warn("irq: PIRQ %u fired %u times without an EOI: masked until the EOI\n", pirq,
                l->unacked);
    }
    l->in_flight = true;
    *owner = l->owner;
    return l->port;
}

void pirq_interrupt(unsigned int pirq)
{
    unsigned long flags;
    evtchn_port_t port = 0;
    domid_t owner = DOMID_INVALID;
    struct domain *d;

    if (!pirq_exists((int)pirq))
        return;
    flags = spin_lock_irqsave(&pirq_lock);
    port = interrupt_locked(pirq, &lines[pirq], &owner);
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!port || owner >= HV_MAX_DOMAINS)
        return;
    /*
     * No reference (interrupt context may not take domlist_lock): the owner
     * unbinds its lines at shutdown, long before it is freed, and interrupts
     * and the reaper both run on CPU 0 today (docs/smp.md). The port may
     * have been closed since pirq_lock was dropped: it is checked again
     * under its own lock.
     */
    d = hv_domains[owner];
    if (d && d->id == owner)
        evtchn_raise_pirq(d, port, pirq);
}

bool pirq_line_info(unsigned int pirq, struct pirq_line_info *out)
{
    unsigned long flags;
    const struct pirq_line *l;

    if (!pirq_exists((int)pirq))
        return false;
    flags = spin_lock_irqsave(&pirq_lock);
    l = &lines[pirq];
    *out = (struct pirq_line_info){ .mapped = l->mapped, .bound = l->bound,
        .in_flight = l->in_flight, .masked = l->masked, .owner = l->owner, .port = l->port,
        .unacked = l->unacked, .count = l->count };
    spin_unlock_irqrestore(&pirq_lock, flags);
    return true;
}
