/*
 * dom0-ops-hostile: a domU tries every operation that only the initial
 * domain may use (docs/dom0.md) and is refused, with Xen's order of checks:
 *  - platform_op: a wrong interface version -EACCES, then -EPERM;
 *  - console_io CONSOLEIO_read -EPERM;
 *  - XENMEM_machine_memory_map -EPERM;
 *  - an L1 entry with cache attributes (PCD, PWT) on its own page -EINVAL,
 *    an L1 entry naming an I/O frame (the ISA hole) -EPERM;
 *  - port I/O with the virtual IOPL never reaches the hardware: PCI
 *    configuration through 0xcf8/0xcfc reads all ones, where the real
 *    host bridge answers its vendor id;
 *  - every domctl and sysctl sub-op the toolstack uses (docs/toolstack.md),
 *    on itself by id, -EPERM; with peer=<domid> (a domain that exists),
 *    populate_physmap into it gives nothing and alloc_unbound for it -EPERM.
 * Ours only: on Xen the guest would be dom0.
 */
#include "ctl.h"                                     /* first: __XEN_TOOLS__ */
#include "mm.h"
#include <xen/platform.h>
#include <xen/physdev.h>

const char test_name[] = "dom0-ops-hostile";

static long platform_op(struct xen_platform_op *op)
{
    return hypercall(__HYPERVISOR_platform_op, (unsigned long)op, 0, 0, 0, 0);
}

static void test_platform_op(void)
{
    struct xen_platform_op op = { .cmd = XENPF_firmware_info,
                                  .interface_version = XENPF_INTERFACE_VERSION };

    op.u.firmware_info.type = XEN_FW_KBD_SHIFT_FLAGS;
    check_eq(platform_op(&op), -EPERM, "platform_op firmware_info from a domU = -EPERM");
    op.interface_version = XENPF_INTERFACE_VERSION + 1;
    check_eq(platform_op(&op), -EACCES, "platform_op with a wrong interface version = -EACCES first");
    op.interface_version = XENPF_INTERFACE_VERSION;
    op.cmd = XENPF_settime64;
    check_eq(platform_op(&op), -EPERM, "platform_op settime64 from a domU = -EPERM");
    check_eq(platform_op((void *)0x10), -EFAULT, "platform_op with a bad pointer = -EFAULT first");
}

static void test_console_read(void)
{
    static char buf[16];

    check_eq(hc_console_io(CONSOLEIO_read, sizeof(buf), buf), -EPERM,
             "console_io CONSOLEIO_read from a domU = -EPERM");
}

static void test_machine_memory_map(void)
{
    static struct e820entry { uint64_t addr, size; uint32_t type; } __attribute__((packed)) map[16];
    struct xen_memory_map m = { .nr_entries = ARRAY_SIZE(map) };

    set_xen_guest_handle(m.buffer, (void *)map);
    check_eq(hc_memory_op(XENMEM_machine_memory_map, &m), -EPERM,
             "XENMEM_machine_memory_map from a domU = -EPERM");
    check_eq(m.nr_entries, ARRAY_SIZE(map), "... and nr_entries untouched");
}

static uint8_t window[PAGE_SIZE] __aligned(PAGE_SIZE);

static void test_mappings(void)
{
    unsigned long own = virt_to_maddr(window);

    check_eq(hc_update_va_mapping((unsigned long)window, own | PTE_RW_ACC | PTE_PCD, UVMF_INVLPG),
             -EINVAL, "own page mapped with PCD from a domU = -EINVAL");
    check_eq(hc_update_va_mapping((unsigned long)window, own | PTE_RW_ACC | PTE_PWT, UVMF_INVLPG),
             -EINVAL, "own page mapped with PWT from a domU = -EINVAL");
    check_eq(hc_update_va_mapping((unsigned long)window, 0xb8000UL | PTE_RW_ACC, UVMF_INVLPG),
             -EPERM, "the VGA frame 0xb8 (ISA hole) from a domU = -EPERM");
    check_eq(hc_update_va_mapping((unsigned long)window, 0xfec00000UL | PTE_RO, UVMF_INVLPG),
             -EPERM, "the IO-APIC frame from a domU = -EPERM");
    window[0] = 1;                                   /* still our own page, writable */
    check_eq(window[0], 1, "the window is still the guest's own page");
}

static void test_port_io(void)
{
    struct physdev_set_iopl s = { .iopl = 1 };
    uint32_t v = 0;

    check_eq(hc_physdev_op(PHYSDEVOP_set_iopl, &s), 0, "set_iopl(1) from a domU is allowed");
    asm volatile("outl %0, %1" :: "a"(0x80000000u), "Nd"((uint16_t)0xcf8) : "memory");
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)0xcfc) : "memory");
    check(v == 0xffffffffu, "PCI config read of 00:00.0 from a domU = all ones (no hardware)",
          "read %#x", v);
    s.iopl = 0;
    hc_physdev_op(PHYSDEVOP_set_iopl, &s);
}

/*
 * Every command number, offered or not (-ENOSYS comes only after the
 * privilege check): a domU gets -EPERM for each, on its own id.
 */
static void test_every_command_number(void)
{
    static struct xen_domctl d;
    static struct xen_sysctl s;
    unsigned int wrong = 0, n;

    for (n = 0; n < 128; n++) {
        memset(&d, 0, sizeof(d));
        d.cmd = n;
        d.domain = (domid_t)own_domid();
        long rc = ctl_domctl(&d);

        if (rc != -EPERM && wrong++ < 4)
            fail("domctl from a domU = -EPERM", "cmd %u: %ld", n, rc);
    }
    for (n = 0; n < 64; n++) {
        memset(&s, 0, sizeof(s));
        s.cmd = n;
        long rc = ctl_sysctl(&s);

        if (rc != -EPERM && wrong++ < 4)
            fail("sysctl from a domU = -EPERM", "cmd %u: %ld", n, rc);
    }
    check_eq(wrong, 0, "domctl 0-127 and sysctl 0-63 from a domU = -EPERM, offered or not");
}

/* Each on our own id (it exists, so -ESRCH cannot come first): -EPERM. */
static void test_control_ops(void)
{
    static const uint32_t domctls[] = {
        XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
        XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
        XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext, XEN_DOMCTL_max_vcpus,
        XEN_DOMCTL_set_address_size, XEN_DOMCTL_get_address_size,
        XEN_DOMCTL_setdomainhandle, XEN_DOMCTL_getvcpuinfo, XEN_DOMCTL_settimeoffset,
        XEN_DOMCTL_getpageframeinfo3,
    };
    static const uint32_t sysctls[] = { XEN_SYSCTL_physinfo, XEN_SYSCTL_getdomaininfolist,
                                        XEN_SYSCTL_readconsole };
    static struct xen_domctl d;
    static struct xen_sysctl s;
    static xen_pfn_t frame = 0;
    domid_t peer = (domid_t)cmdline_ulong("peer", 0);
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = peer };
    struct evtchn_alloc_unbound au = { .dom = peer, .remote_dom = DOMID_SELF };
    unsigned int refused = 0;

    for (unsigned int i = 0; i < ARRAY_SIZE(domctls); i++) {
        memset(&d, 0, sizeof(d));
        d.cmd = domctls[i];
        d.domain = (domid_t)own_domid();
        long rc = ctl_domctl(&d);

        refused += rc == -EPERM;
        if (rc != -EPERM)
            fail("domctl from a domU = -EPERM", "cmd %u: %ld", domctls[i], rc);
    }
    check_eq(refused, ARRAY_SIZE(domctls), "every toolstack domctl from a domU = -EPERM");
    refused = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(sysctls); i++) {
        memset(&s, 0, sizeof(s));
        s.cmd = sysctls[i];
        long rc = ctl_sysctl(&s);

        refused += rc == -EPERM;
        if (rc != -EPERM)
            fail("sysctl from a domU = -EPERM", "cmd %u: %ld", sysctls[i], rc);
    }
    check_eq(refused, ARRAY_SIZE(sysctls), "physinfo, getdomaininfolist and readconsole from a domU = -EPERM");
    test_every_command_number();
    if (!peer) {
        info("no peer= domain: the checks on another domain's memory and ports are skipped");
        return;
    }
    set_xen_guest_handle(r.extent_start, &frame);
    check_eq(hc_memory_op(XENMEM_populate_physmap, &r), 0,
             "populate_physmap into another domain from a domU gives nothing");
    check_eq(hc_event_channel_op(EVTCHNOP_alloc_unbound, &au), -EPERM,
             "alloc_unbound for another domain from a domU = -EPERM");
}

void test_main(void)
{
    if (!check(!(start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)), "runs as a domU",
               "flags %#x", start_info->flags))
        return;
    test_platform_op();
    test_console_read();
    test_machine_memory_map();
    test_mappings();
    test_port_io();
    test_control_ops();
}
