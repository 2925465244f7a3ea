/*
 * Dom0 ring backend: xenstore-lite as the driver domain's xenstored.
 *
 * Dom0's own kernel (xenbus "XS_LOCAL") talks over the page and port that
 * /dev/xen/xenbus_backend gives; a guest's ring is mapped at XS_INTRODUCE
 * through its reserved xenstore grant (GNTTAB_RESERVED_XENSTORE), or a
 * foreign mapping of the MFN the toolstack gave when the grant cannot be
 * mapped, and its port is bound with an interdomain event channel. Events
 * on the evtchn fd kick the ring's connection. VIRQ_DOM_EXC (a domain
 * shut down or died) releases the introduced domains that are gone.
 *
 * The Xen libraries sit behind struct xs_xen_ops (xs_ring_xen_libs.c for
 * the real ones) so that the logic here is unit-tested on a plain host.
 */
#ifndef XS_RING_XEN_H
#define XS_RING_XEN_H

#include <stdbool.h>
#include <stdint.h>

struct xs_xen_ops {
	int (*open)(void);			/* 0 or errno */
	void (*close)(void);
	int (*evtchn_fd)(void);
	int (*bind)(unsigned domid, unsigned port);	/* local port, -1 */
	void (*unbind)(int lport);
	void (*notify)(int lport);
	int (*pending)(void);			/* port, -1: none */
	void (*unmask)(int lport);
	void *(*map_grant)(unsigned domid);	/* ref 1, read-write */
	void *(*map_foreign)(unsigned domid, uint64_t mfn);
	void (*unmap)(void *page, bool grant);
	/* Dom0's own store page and the kernel's port (xenbus_backend). */
	void *(*dom0_page)(int *port);
	void (*dom0_unmap)(void *page);
	/* VIRQ_DOM_EXC bound as a local port (-1: none), and whether a
	 * domain has died (no such domain, or dying: getdomaininfo). */
	int (*bind_dom_exc)(void);
	bool (*domain_gone)(unsigned domid);
};

/* The real libraries (libxenevtchn, libxengnttab, libxenforeignmemory). */
extern const struct xs_xen_ops xs_xen_libs;

/* Open the libraries, serve dom0's ring, map guests' rings at INTRODUCE. */
int xs_ring_xen_init(const struct xs_xen_ops *ops);
void xs_ring_xen_fini(void);
/* The event channel fd is readable: kick the ring that was signalled. */
void xs_ring_xen_events(void);

#endif
