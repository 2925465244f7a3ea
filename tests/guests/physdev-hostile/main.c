/*
 * physdev-hostile: a domU calls every physdev_op that only the initial
 * domain may use (interrupt lines, the I/O APIC, PCI devices: docs/dom0.md)
 * and EVTCHNOP_bind_pirq, each with a well-formed argument, and every one
 * is refused with -EPERM; an unknown op stays -ENOSYS, set_iopl stays
 * allowed, and the guest's own event channels still work afterwards.
 * Ours only: on Xen the guest would be dom0. tests/run-dom0.sh also runs it
 * next to dom0, whose disk interrupts must keep flowing.
 */
#include "guest.h"
#include "hypercall.h"
#include <xen/physdev.h>

const char test_name[] = "physdev-hostile";

static union {
    struct physdev_irq_status_query isq;
    struct physdev_apic apic;
    struct physdev_irq irq;
    struct physdev_eoi eoi;
    struct physdev_map_pirq map;
    struct physdev_unmap_pirq unmap;
    struct physdev_manage_pci pci;
    struct physdev_manage_pci_ext pci_ext;
    struct physdev_setup_gsi gsi;
    struct physdev_get_free_pirq free_pirq;
    struct physdev_pci_mmcfg_reserved mmcfg;
    struct physdev_pci_device_add dev_add;
    struct physdev_pci_device dev;
    struct physdev_pirq_eoi_gmfn eoi_gmfn;
    struct physdev_restore_msi restore;
    struct physdev_dbgp_op dbgp;
    uint8_t raw[64];
} arg;

static const struct { int cmd; const char *name; } privileged_ops[] = {
    { PHYSDEVOP_irq_status_query, "irq_status_query from a domU = -EPERM" }, { PHYSDEVOP_apic_read, "apic_read from a domU = -EPERM" },
    { PHYSDEVOP_apic_write, "apic_write from a domU = -EPERM" }, { PHYSDEVOP_alloc_irq_vector, "alloc_irq_vector from a domU = -EPERM" },
    { PHYSDEVOP_free_irq_vector, "free_irq_vector from a domU = -EPERM" }, { PHYSDEVOP_eoi, "eoi from a domU = -EPERM" },
    { PHYSDEVOP_map_pirq, "map_pirq from a domU = -EPERM" }, { PHYSDEVOP_unmap_pirq, "unmap_pirq from a domU = -EPERM" },
    { PHYSDEVOP_manage_pci_add, "manage_pci_add from a domU = -EPERM" }, { PHYSDEVOP_manage_pci_remove, "manage_pci_remove from a domU = -EPERM" },
    { PHYSDEVOP_pirq_eoi_gmfn_v1, "pirq_eoi_gmfn_v1 from a domU = -EPERM" }, { PHYSDEVOP_restore_msi, "restore_msi from a domU = -EPERM" },
    { PHYSDEVOP_manage_pci_add_ext, "manage_pci_add_ext from a domU = -EPERM" }, { PHYSDEVOP_setup_gsi, "setup_gsi from a domU = -EPERM" },
    { PHYSDEVOP_get_free_pirq, "get_free_pirq from a domU = -EPERM" }, { PHYSDEVOP_pci_mmcfg_reserved, "pci_mmcfg_reserved from a domU = -EPERM" },
    { PHYSDEVOP_pci_device_add, "pci_device_add from a domU = -EPERM" }, { PHYSDEVOP_pci_device_remove, "pci_device_remove from a domU = -EPERM" },
    { PHYSDEVOP_restore_msi_ext, "restore_msi_ext from a domU = -EPERM" }, { PHYSDEVOP_pirq_eoi_gmfn_v2, "pirq_eoi_gmfn_v2 from a domU = -EPERM" },
    { PHYSDEVOP_dbgp_op, "dbgp_op from a domU = -EPERM" }, { PHYSDEVOP_prepare_msix, "prepare_msix from a domU = -EPERM" },
    { PHYSDEVOP_release_msix, "release_msix from a domU = -EPERM" },
};

/* An argument that would be valid from dom0: the refusal is about privilege, not the input. */
static void well_formed(int cmd)
{
    memset(&arg, 0, sizeof(arg));
    switch (cmd) {
    case PHYSDEVOP_map_pirq:
        arg.map = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                             .index = 16, .pirq = 16 };
        break;
    case PHYSDEVOP_unmap_pirq: arg.unmap = (struct physdev_unmap_pirq){ DOMID_SELF, 16 }; break;
    case PHYSDEVOP_setup_gsi: arg.gsi = (struct physdev_setup_gsi){ 16, 1, 1 }; break;
    case PHYSDEVOP_apic_read: case PHYSDEVOP_apic_write:
        arg.apic.apic_physbase = 0xfec00000UL;
        arg.apic.reg = 1;
        break;
    default:
        arg.isq.irq = 16;                            /* irq/pirq fields come first */
        break;
    }
}

static void test_physdev_refused(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(privileged_ops); i++) {
        well_formed(privileged_ops[i].cmd);
        long rc = hc_physdev_op(privileged_ops[i].cmd, &arg);

        check(rc == -EPERM, privileged_ops[i].name, "PHYSDEVOP %d gave %ld",
              privileged_ops[i].cmd, rc);
    }
    well_formed(PHYSDEVOP_map_pirq);
    arg.map.type = MAP_PIRQ_TYPE_MSI_SEG;
    check_eq(hc_physdev_op(PHYSDEVOP_map_pirq, &arg), -EPERM, "map_pirq MSI from a domU = -EPERM");
    /* The MSI forms naming a real device (q35's AHCI, 00:1f.2), whose MSI dom0 may own. */
    arg.map.bus = 0;
    arg.map.devfn = 0xfa;
    arg.map.index = -1;
    arg.map.pirq = -1;
    arg.map.type = MAP_PIRQ_TYPE_MSI;
    check_eq(hc_physdev_op(PHYSDEVOP_map_pirq, &arg), -EPERM, "map_pirq MSI of 00:1f.2 from a domU = -EPERM");
    arg.map.type = MAP_PIRQ_TYPE_MULTI_MSI;
    arg.map.entry_nr = 2;
    check_eq(hc_physdev_op(PHYSDEVOP_map_pirq, &arg), -EPERM, "map_pirq MULTI_MSI from a domU = -EPERM");
    arg.map.type = MAP_PIRQ_TYPE_MSI_SEG;
    arg.map.entry_nr = 0;
    arg.map.table_base = 0xc0000000;
    check_eq(hc_physdev_op(PHYSDEVOP_map_pirq, &arg), -EPERM, "map_pirq MSI-X from a domU = -EPERM");
    arg.unmap = (struct physdev_unmap_pirq){ DOMID_SELF, 64 };
    check_eq(hc_physdev_op(PHYSDEVOP_unmap_pirq, &arg), -EPERM, "unmap_pirq 64 (an MSI PIRQ) from a domU = -EPERM");
    arg.eoi = (struct physdev_eoi){ 64 };
    check_eq(hc_physdev_op(PHYSDEVOP_eoi, &arg), -EPERM, "eoi of PIRQ 64 (an MSI's) from a domU = -EPERM");
    check_eq(hc_physdev_op(PHYSDEVOP_apic_read, (void *)0x10), -EPERM,
             "apic_read with a bad pointer from a domU = -EPERM (privilege first)");
    check_eq(hc_physdev_op(99, &arg), -ENOSYS, "an unknown physdev_op = -ENOSYS");
}

static void test_bind_pirq_refused(void)
{
    struct evtchn_bind_pirq bp = { .pirq = 16, .flags = BIND_PIRQ__WILL_SHARE };

    check_eq(hc_event_channel_op(EVTCHNOP_bind_pirq, &bp), -EPERM, "EVTCHNOP_bind_pirq 16 from a domU = -EPERM");
    bp.pirq = 9;
    check_eq(hc_event_channel_op(EVTCHNOP_bind_pirq, &bp), -EPERM, "EVTCHNOP_bind_pirq 9 (SCI) from a domU = -EPERM");
    for (bp.pirq = 64; bp.pirq < 67; bp.pirq++)           /* dom0's first MSI PIRQs */
        check_eq(hc_event_channel_op(EVTCHNOP_bind_pirq, &bp), -EPERM,
                 "EVTCHNOP_bind_pirq of an MSI PIRQ from a domU = -EPERM");
}

static void test_still_working(void)
{
    struct physdev_set_iopl s = { .iopl = 1 };
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_close cl;

    check_eq(hc_physdev_op(PHYSDEVOP_set_iopl, &s), 0, "set_iopl(1) from a domU is still allowed");
    s.iopl = 0;
    hc_physdev_op(PHYSDEVOP_set_iopl, &s);
    check_eq(hc_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "own event channels still work");
    cl.port = au.port;
    check_eq(hc_event_channel_op(EVTCHNOP_close, &cl), 0, "... and close");
}

void test_main(void)
{
    if (!check(!(start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)), "runs as a domU",
               "flags %#x", start_info->flags))
        return;
    test_physdev_refused();
    test_bind_pirq_refused();
    test_still_working();
}
