/*
 * physdev_op beyond set_iopl: the privileged domain's interrupt lines and
 * devices (docs/dom0.md, "The interrupt path"). Every one of these refuses
 * a domU with -EPERM; unknown operations are -ENOSYS for everyone.
 *
 * GSIs (INTx) and MSI/MSI-X: map_pirq with an MSI type finds the device in
 * configuration space itself, takes a message slot and has the hypervisor
 * write the message (common/pirq.c, arch/x86/msi.c). PCI device registration
 * succeeds and records nothing: map_pirq reads the device directly.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/irq.h>
#include <hv/sched.h>
#include <asm/io_apic.h>
#include <asm/physdev.h>
#include <xen/physdev.h>

/* The operations only the privileged domain may use. */
static bool op_is_privileged(int cmd)
{
    switch (cmd) {
    case PHYSDEVOP_irq_status_query: case PHYSDEVOP_apic_read: case PHYSDEVOP_apic_write:
    case PHYSDEVOP_alloc_irq_vector: case PHYSDEVOP_free_irq_vector: case PHYSDEVOP_eoi:
    case PHYSDEVOP_map_pirq: case PHYSDEVOP_unmap_pirq: case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove: case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_restore_msi: case PHYSDEVOP_manage_pci_add_ext: case PHYSDEVOP_setup_gsi:
    case PHYSDEVOP_get_free_pirq: case PHYSDEVOP_pci_mmcfg_reserved:
    case PHYSDEVOP_pci_device_add: case PHYSDEVOP_pci_device_remove:
    case PHYSDEVOP_restore_msi_ext: case PHYSDEVOP_pirq_eoi_gmfn_v2: case PHYSDEVOP_dbgp_op:
    case PHYSDEVOP_prepare_msix: case PHYSDEVOP_release_msix:
        return true;
    default:
        return false;
    }
}

/* The domain a map/unmap names: the caller only (no pass-through to others yet). */
static int own_domid(domid_t domid)
{
    if (domid == DOMID_SELF || domid == current->domain->id)
        return 0;
    return domain_exists(domid) ? -EOPNOTSUPP : -ESRCH;
}

/*
 * Linux's MAP_PIRQ_TYPE_MSI_SEG (segment in bus bits 16-31) or, on -EINVAL,
 * MAP_PIRQ_TYPE_MSI; index and pirq -1 (the hypervisor picks). MSI-X when
 * table_base is given (Linux passes the table's BAR for MSI-X, 0 for MSI;
 * as Xen, the table is then found from the device's own BAR). Only segment 0
 * exists here; several vectors of one MSI capability (MULTI_MSI) are not
 * offered, and Linux then asks for one.
 */
static int map_msi(struct physdev_map_pirq *op)
{
    u32 seg = op->type == MAP_PIRQ_TYPE_MSI_SEG ? (u32)op->bus >> 16 : 0;
    u32 bus = op->type == MAP_PIRQ_TYPE_MSI_SEG ? (u32)op->bus & 0xffff : (u32)op->bus;
    struct msi_source src;

    if (op->type == MAP_PIRQ_TYPE_MULTI_MSI)
        return -EOPNOTSUPP;
    if (op->index != -1 || op->pirq != -1)
        return -EINVAL;
    if (seg || bus > 0xff || op->devfn < 0 || op->devfn > 0xff || op->entry_nr < 0 ||
        op->entry_nr > 0x7ff)
        return -ENODEV;
    src = (struct msi_source){ .sbdf = bus << 8 | (u32)op->devfn, .msix = op->table_base != 0,
                               .entry = (u16)op->entry_nr };
    return pirq_map_msi(current->domain, &src, &op->pirq);
}

static long map_pirq(guest_handle_t arg)
{
    struct physdev_map_pirq op;
    int rc;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    rc = own_domid(op.domid);
    if (rc)
        return rc;
    switch (op.type) {
    case MAP_PIRQ_TYPE_GSI:
        rc = pirq_map_gsi(current->domain, op.index, op.pirq, &op.pirq);
        break;
    case MAP_PIRQ_TYPE_MSI: case MAP_PIRQ_TYPE_MSI_SEG: case MAP_PIRQ_TYPE_MULTI_MSI:
        rc = map_msi(&op);
        break;
    default:
        return -EINVAL;
    }
    if (!rc && copy_to_handle(arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

static long unmap_pirq(guest_handle_t arg)
{
    struct physdev_unmap_pirq op;
    int rc;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    rc = own_domid(op.domid);
    return rc ? rc : pirq_unmap(current->domain, op.pirq);
}

static long irq_status_query(guest_handle_t arg)
{
    struct physdev_irq_status_query op;
    int rc;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    rc = pirq_status_query(current->domain, (int)op.irq, &op.flags);
    if (!rc && copy_to_handle(arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

static long eoi(guest_handle_t arg)
{
    struct physdev_eoi op;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    return pirq_eoi(current->domain, (int)op.irq);
}

static long setup_gsi(guest_handle_t arg)
{
    struct physdev_setup_gsi op;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.triggering > 1 || op.polarity > 1)
        return -EINVAL;
    return pirq_setup_gsi(current->domain, op.gsi, op.triggering, op.polarity);
}

/* Linux needs 0 here (or every GSI bind fails); as Xen, the vector is the irq. */
static long alloc_irq_vector(guest_handle_t arg)
{
    struct physdev_irq op;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    op.vector = op.irq;
    return copy_to_handle(arg, &op, sizeof(op)) ? -EFAULT : 0;
}

/* The I/O APIC's registers, read-only: the pins are the hypervisor's to program. */
static long apic_read(guest_handle_t arg)
{
    struct physdev_apic op;
    int rc;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    rc = ioapic_guest_read(op.apic_physbase, op.reg, &op.value);
    if (!rc && copy_to_handle(arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

/* The frame is a machine frame (a PV guest's gmfn); v1's auto-unmask is not offered. */
static long pirq_eoi_gmfn_v2(guest_handle_t arg)
{
    struct physdev_pirq_eoi_gmfn op;

    if (copy_from_handle(&op, arg, sizeof(op)))
        return -EFAULT;
    return pirq_set_eoi_map(current->domain, op.gmfn);
}

long pv_physdev_op_privileged(int cmd, guest_handle_t arg)
{
    if (!op_is_privileged(cmd))
        return -ENOSYS;
    if (!current->domain->privileged)
        return -EPERM;
    switch (cmd) {
    case PHYSDEVOP_map_pirq:         return map_pirq(arg);
    case PHYSDEVOP_unmap_pirq:       return unmap_pirq(arg);
    case PHYSDEVOP_irq_status_query: return irq_status_query(arg);
    case PHYSDEVOP_eoi:              return eoi(arg);
    case PHYSDEVOP_setup_gsi:        return setup_gsi(arg);
    case PHYSDEVOP_alloc_irq_vector: return alloc_irq_vector(arg);
    case PHYSDEVOP_free_irq_vector:  return 0;
    case PHYSDEVOP_apic_read:        return apic_read(arg);
    case PHYSDEVOP_apic_write:       return -EPERM;
    case PHYSDEVOP_pirq_eoi_gmfn_v2: return pirq_eoi_gmfn_v2(arg);
    case PHYSDEVOP_manage_pci_add: case PHYSDEVOP_manage_pci_remove:
    case PHYSDEVOP_manage_pci_add_ext: case PHYSDEVOP_pci_device_add:
    case PHYSDEVOP_pci_device_remove: case PHYSDEVOP_pci_mmcfg_reserved:
        return 0;                                    /* nothing recorded: map_pirq reads the device */
    default:
        return -ENOSYS;                              /* eoi_gmfn v1, MSI restore, dbgp: not yet */
    }
}
