/*
 * ctl.h: the toolstack's hypercalls (domctl, sysctl) for the test guests that
 * act as a tiny domain builder in dom0 (domctl-build, domctl-destroy-big) or
 * try them from a domU (dom0-ops-hostile). Structures of the Xen 4.17 tools
 * headers, at their interface versions. Include it before any other guest
 * header: the tools-only structures need __XEN_TOOLS__ before xen.h.
 */
#ifndef GUEST_CTL_H
#define GUEST_CTL_H
#define __XEN_TOOLS__ 1
#include "guest.h"
#include "hypercall.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>

long ctl_domctl(struct xen_domctl *op);       /* fills interface_version */
long ctl_sysctl(struct xen_sysctl *op);
long ctl_physinfo(struct xen_sysctl_physinfo *pi);
long ctl_getdomaininfo(domid_t dom, struct xen_domctl_getdomaininfo *info);
/* createdomain for a PV guest with max_vcpus; *dom in: the id wanted (0: any), out: given. */
long ctl_createdomain(domid_t *dom, uint32_t max_vcpus);
long ctl_simple(uint32_t cmd, domid_t dom);   /* pause, unpause, destroy: no argument */
long ctl_max_mem(domid_t dom, uint64_t kb);
long ctl_max_vcpus(domid_t dom, uint32_t max);
long ctl_setvcpucontext(domid_t dom, uint32_t vcpu, struct vcpu_guest_context *c);
/* XENMEM_populate_physmap into dom: gpfns [first, first+n), the MFNs written to mfns. */
long ctl_populate(domid_t dom, unsigned long first, unsigned long n, xen_pfn_t *mfns);
#endif
