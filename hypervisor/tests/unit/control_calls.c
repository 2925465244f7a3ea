/*
 * A toolstack's control hypercalls for the tests (test_domctl.c,
 * test_cpu_policy.c): the interface version filled in, the command and
 * domain set, dispatched as a guest's hypercall (harness_hypercall).
 */
#define __XEN_TOOLS__ 1
#include <hv/hypercall.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "harness.h"

long harness_domctl(struct xen_domctl *dc, u32 cmd, domid_t dom)
{
    unsigned long args[5] = { (unsigned long)dc };

    dc->cmd = cmd;
    dc->domain = dom;
    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return harness_hypercall(__HYPERVISOR_domctl, args);
}

long harness_sysctl(struct xen_sysctl *sc, u32 cmd)
{
    unsigned long args[5] = { (unsigned long)sc };

    sc->cmd = cmd;
    sc->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return harness_hypercall(__HYPERVISOR_sysctl, args);
}
