/*
 * Port I/O of the privileged domain. Its kernel runs at CPL 3 with a
 * virtual IOPL (PHYSDEVOP_set_iopl), so every in/out/ins/outs traps and
 * emulate_io.c asks here: the privileged domain reaches the real port,
 * unless the port is one the hypervisor drives itself, which reads as all
 * ones and ignores writes, as for a domU (Xen: ioports_deny_access in
 * dom0_setup_permissions, then the same all-ones answer). Refused:
 *   0x20-0x23 / 0xa0-0xa1  the PICs (masked at boot) and the IMCR
 *   0x40-0x43, 0x61        the PIT and its gate (TSC and APIC timer calibration)
 *   0x70-0x71              the CMOS clock (read for the wallclock)
 *   0x3f8-0x3ff            COM1, the hypervisor's console (dom0 gets it as hvc0)
 *   0x4d0-0x4d1            the ELCR (the hypervisor will own interrupt routing)
 *   0x604-0x605            ACPI PM1a control on QEMU's pc and q35: the hypervisor's
 *                          power-off (S5); dom0 must ask the hypervisor (Xen denies it too)
 *   0xf4-0xf7              QEMU's isa-debug-exit, the hypervisor's last-resort power-off
 * PCI configuration (0xcf8/0xcfc-0xcff) goes through pci_conf.c, which keeps
 * the domain's address latch and drops its writes to the MSI registers the
 * hypervisor programmed.
 */
#include <asm/io.h>
#include <asm/pci.h>
#include <asm/pv.h>
#include <hv/domain.h>
#include <hv/lib.h>

static const struct { u16 first, last; } hv_ports[] = {
    { 0x20, 0x23 }, { 0xa0, 0xa1 }, { 0x40, 0x43 }, { 0x61, 0x61 }, { 0x70, 0x71 },
    { 0x3f8, 0x3ff }, { 0x4d0, 0x4d1 }, { 0x604, 0x605 }, { 0xf4, 0xf7 },
};

static bool port_permitted(const struct domain *d, unsigned int port, unsigned int size)
{
    if (!d->privileged || port + size > 0x10000)
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(hv_ports); i++)
        if (port <= hv_ports[i].last && port + size - 1 >= hv_ports[i].first)
            return false;
    return true;
}

bool pv_ioport_read(const struct domain *d, unsigned int port, unsigned int size, u32 *val)
{
    if (!port_permitted(d, port, size))
        return false;
    if (pci_conf_guest_read(port, size, val))
        return true;
    if (size == 1)
        *val = inb((u16)port);
    else if (size == 2)
        *val = inw((u16)port);
    else
        *val = inl((u16)port);
    return true;
}

bool pv_ioport_write(const struct domain *d, unsigned int port, unsigned int size, u32 val)
{
    if (!port_permitted(d, port, size))
        return false;
    if (pci_conf_guest_write(port, size, val))
        return true;
    if (size == 1)
        outb((u16)port, (u8)val);
    else if (size == 2)
        outw((u16)port, (u16)val);
    else
        outl((u16)port, val);
    return true;
}
