/*
 * Port I/O of an HVM guest. Every port exits (the I/O permission map is all
 * ones). Emulated: the debug port 0xe9 (bytes become the guest's console
 * lines, "(dN) ...", as on Xen) and the project's test device (a shutdown
 * port, a wake-up timer for HLT), the ACPI PM timer, the RTC (rtc.c), the PIC pair (vpic.c) and the PIT
 * (vpit.c). Any other port reads all ones and drops
 * writes, as on a bus with nothing there, unless an ioreq server claims the
 * port (ioreq_send.c): then its device model answers (docs/hvm.md); PCI
 * config accesses through 0xcf8/0xcfc go to the server of the device.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/xen.h>
#include <asm/hvm.h>

#define HVM_WAKE_MAX_US 10000000u   /* 10 s: a longer sleep is a guest bug */
#define PM_TMR_HZ       3579545ULL  /* the ACPI PM timer's clock */
#define NS_PER_SEC      1000000000ULL

/*
 * The ACPI PM timer (32 bits, TMR_VAL_EXT as in Xen's FADT): 3.579545 MHz
 * since the domain was built, from system time, so it never goes back.
 */
static u32 pm_timer_read(const struct vcpu *v)
{
    u64 ns = hv_now() - v->domain->hvm->pm_timer_base_ns;

    return (u32)((ns / NS_PER_SEC) * PM_TMR_HZ + (ns % NS_PER_SEC) * PM_TMR_HZ / NS_PER_SEC);
}

static void debug_port_write(struct vcpu *v, u32 val)
{
    char c = (char)val;

    hv_console_guest_write(v->domain, &c, 1);
}

static void shutdown_port_write(struct vcpu *v, u32 reason)
{
    if (reason > SHUTDOWN_watchdog || reason == SHUTDOWN_suspend) {
        domain_crash(v->domain, "bad reason written to the shutdown port");
        return;
    }
    domain_shutdown(v->domain, reason);
}

static void wake_port_write(struct vcpu *v, u32 us)
{
    v->arch.hvm->wake_pending = false;
    timer_set(&v->singleshot_timer, hv_now() + (u64)MIN(us, HVM_WAKE_MAX_US) * 1000);
}

static void hvm_io_local(struct vcpu *v, u16 port, unsigned int size, bool in, u32 *val)
{
    if ((port & ~0x80) == HVM_PORT_PIC_MASTER || (port & ~0x80) == HVM_PORT_PIC_MASTER + 1) {
        vpic_io(v, port, in, val);                    /* 0x20/0x21, 0xa0/0xa1 */
        return;
    }
    if ((port >= HVM_PORT_PIT_CH0 && port <= HVM_PORT_PIT_CONTROL) || port == HVM_PORT_SPEAKER) {
        vpit_io(v, port, in, val);
        return;
    }
    if (port == HVM_PORT_RTC_INDEX || port == HVM_PORT_RTC_DATA) {
        hvm_rtc_io(v, port, in, val);                 /* byte registers: wider reads get zeros above */
        return;
    }
    if (in) {
        *val = port == HVM_PORT_DEBUG ? HVM_PORT_DEBUG :
               port == HVM_PORT_PM_TMR ? pm_timer_read(v) : 0xffffffffu;
        return;
    }
    if (port == HVM_PORT_DEBUG)
        debug_port_write(v, *val);
    else if (port == HVM_PORT_SHUTDOWN && size == 4)
        shutdown_port_write(v, *val);
    else if (port == HVM_PORT_WAKE_US && size == 4)
        wake_port_write(v, *val);
}

/* The hypervisor's own ports first; any other goes to an ioreq server that claims it. */
static bool port_is_local(u16 port)
{
    return (port & ~0x81) == HVM_PORT_PIC_MASTER ||
           (port >= HVM_PORT_PIT_CH0 && port <= HVM_PORT_PIT_CONTROL) || port == HVM_PORT_SPEAKER ||
           port == HVM_PORT_RTC_INDEX || port == HVM_PORT_RTC_DATA || port == HVM_PORT_DEBUG ||
           port == HVM_PORT_PM_TMR || port == HVM_PORT_SHUTDOWN || port == HVM_PORT_WAKE_US;
}

/*
 * PCI configuration mechanism #1, as Xen: a dword written to CONFIG_ADDRESS
 * is latched (and goes on as any port: to a server that claims 0xcf8); an
 * access to CONFIG_DATA while its enable bit is set is a config access of
 * the device it names, for the server that claims that device (no
 * fallback to port servers: nothing there reads all ones). Bus 0-255,
 * registers 0-255 (no AMD extended-register bits).
 */
static bool pci_config_access(struct vcpu *v, u16 port, u64 *cfg)
{
    u32 cf8 = v->domain->hvm->pci_cf8;

    if ((port & ~3) != HVM_PORT_PCI_DATA || !(cf8 & (1u << 31)))
        return false;
    *cfg = ((u64)((cf8 >> 8) & 0xffff) << 32) | (cf8 & 0xfc) | (port & 3);
    return true;
}

int hvm_io(struct vcpu *v, u16 port, unsigned int size, bool in, u32 *val)
{
    u64 cfg;
    bool sent;

    if (port == HVM_PORT_PCI_ADDR && size == 4 && !in)
        v->domain->hvm->pci_cf8 = *val;
    if (pci_config_access(v, port, &cfg))
        sent = !hvm_ioreq_pci(v, cfg, size, in, *val);
    else
        sent = !port_is_local(port) && !hvm_ioreq_pio(v, port, size, in, *val);
    if (sent)
        return -EAGAIN;
    hvm_io_local(v, port, size, in, val);
    return 0;
}
