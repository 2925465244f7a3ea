/*
 * domctl.h: the control hypercalls pvctl needs (domctl, sysctl, memory_op,
 * mmuext_op and evtchn_op on another domain), issued through Debian's
 * libxencall (privcmd). Each returns 0 (or a count) or a negative errno.
 */
#ifndef PVCTL_DOMCTL_H
#define PVCTL_DOMCTL_H
#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

typedef struct xen_domctl_getdomaininfo pv_dominfo_t;

int  ctl_open(void);                  /* 0 or -errno (no privcmd: not dom0) */
void ctl_close(void);
int  ctl_physinfo(struct xen_sysctl_physinfo *pi);
/* The domain with the lowest id >= dom (Xen's rule); -ESRCH past the last. */
int  ctl_getdomaininfo(domid_t dom, pv_dominfo_t *info);
int  ctl_createdomain(int hvm, uint32_t max_vcpus, const uint8_t handle[16], domid_t *dom);
int  ctl_hvmcontext(domid_t dom, int set, void *buf, uint32_t *len);   /* get/sethvmcontext */
int  ctl_max_mem(domid_t dom, uint64_t kb);
int  ctl_max_vcpus(domid_t dom, uint32_t max);
int  ctl_simple(uint32_t cmd, domid_t dom);        /* pause, unpause, destroy */
int  ctl_setvcpucontext(domid_t dom, uint32_t vcpu, const vcpu_guest_context_t *c);
/* populate_physmap into dom: pfns [first, first + n); the MFNs into mfns. Count or -errno. */
long ctl_populate(domid_t dom, uint64_t first, uint64_t n, xen_pfn_t *mfns);
int  ctl_pin_l4(domid_t dom, xen_pfn_t mfn);     /* foreign MMUEXT_PIN_L4_TABLE */
/*
 * sysctl readconsole, incremental from *index: up to len bytes of the
 * hypervisor's console history into buf; the count, or -errno.
 */
long ctl_readconsole(char *buf, uint32_t len, uint32_t *index, int clear);
/* sysctl debug_keys: the hypervisor runs each key (its output: ctl_readconsole). */
int  ctl_debug_keys(const char *keys, uint32_t nr);
int  ctl_alloc_unbound(domid_t dom, domid_t remote, uint32_t *port);
/* GNTTABOP_setup_table on another domain: the MFN of its grant table's frame 0. */
/* How many of dom's event channel ports are not closed (EVTCHNOP_status). */
int  ctl_ports_in_use(domid_t dom);
int  ctl_gnttab_frame0(domid_t dom, xen_pfn_t *mfn);

#endif
