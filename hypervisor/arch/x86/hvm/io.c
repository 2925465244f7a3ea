/*
 * Port I/O of an HVM guest. Every port exits (the I/O permission map is all
 * ones). Emulated: the debug port 0xe9 (bytes become the guest's console
 * lines, "(dN) ...", as on Xen) and the project's test device (a shutdown
 * port, a wake-up timer for HLT). Any other port reads all ones and drops
 * writes, as on a bus with nothing there; no device model yet (docs/hvm.md).
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/xen.h>
#include <asm/hvm.h>

#define HVM_WAKE_MAX_US 10000000u   /* 10 s: a longer sleep is a guest bug */

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

void hvm_io(struct vcpu *v, u16 port, unsigned int size, bool in, u32 *val)
{
    if (in) {
        *val = port == HVM_PORT_DEBUG ? HVM_PORT_DEBUG : 0xffffffffu;
        return;
    }
    if (port == HVM_PORT_DEBUG)
        debug_port_write(v, *val);
    else if (port == HVM_PORT_SHUTDOWN && size == 4)
        shutdown_port_write(v, *val);
    else if (port == HVM_PORT_WAKE_US && size == 4)
        wake_port_write(v, *val);
}
