/*
 * The real Xen libraries behind struct xs_xen_ops: Debian's stable
 * libxenevtchn, libxengnttab and libxenforeignmemory, and the kernel's
 * /dev/xen/xenbus_backend for dom0's own ring.
 */
/* The current Xen interface: domctl structures at the 4.17 version. */
#define __XEN_TOOLS__ 1
#include "xs_ring_xen.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xencall.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/domctl.h>
#include <xen/grant_table.h>
#include <xen/sys/xenbus_dev.h>

#define XENBUS_BACKEND "/dev/xen/xenbus_backend"

static xenevtchn_handle *xce;
static xengnttab_handle *xgt;
static xenforeignmemory_handle *xfm;
static xencall_handle *xcall;

static void libs_close(void)
{
	if (xfm)
		xenforeignmemory_close(xfm);
	if (xgt)
		xengnttab_close(xgt);
	if (xce)
		xenevtchn_close(xce);
	if (xcall)
		xencall_close(xcall);
	xfm = NULL, xgt = NULL, xce = NULL, xcall = NULL;
}

/* The event channel is required; grants and foreign maps are tried at
 * INTRODUCE (either may be missing, not both). */
static int libs_open(void)
{
	xce = xenevtchn_open(NULL, 0);
	if (!xce)
		return errno ? errno : ENODEV;
	/* A spurious wakeup must not block the daemon in read(). */
	fcntl(xenevtchn_fd(xce), F_SETFL,
	      fcntl(xenevtchn_fd(xce), F_GETFL) | O_NONBLOCK);
	xgt = xengnttab_open(NULL, 0);
	xfm = xenforeignmemory_open(NULL, 0);
	xcall = xencall_open(NULL, 0); /* getdomaininfo at VIRQ_DOM_EXC */
	if (!xgt && !xfm) {
		libs_close();
		return ENODEV;
	}
	return 0;
}

static int ev_fd(void) { return xenevtchn_fd(xce); }
static void ev_unbind(int p) { xenevtchn_unbind(xce, (evtchn_port_t)p); }
static void ev_notify(int p) { xenevtchn_notify(xce, (evtchn_port_t)p); }
static void ev_unmask(int p) { xenevtchn_unmask(xce, (evtchn_port_t)p); }
static int ev_pending(void) { return (int)xenevtchn_pending(xce); }

static int ev_bind(unsigned domid, unsigned port)
{
	return (int)xenevtchn_bind_interdomain(xce, domid, port);
}

static void *map_grant(unsigned domid)
{
	return xgt ? xengnttab_map_grant_ref(xgt, domid, GNTTAB_RESERVED_XENSTORE,
					      PROT_READ | PROT_WRITE) : NULL;
}

static void *map_foreign(unsigned domid, uint64_t mfn)
{
	xen_pfn_t f = (xen_pfn_t)mfn;

	return xfm ? xenforeignmemory_map(xfm, domid, PROT_READ | PROT_WRITE,
					  1, &f, NULL) : NULL;
}

static void unmap(void *page, bool grant)
{
	if (grant)
		xengnttab_unmap(xgt, page, 1);
	else
		xenforeignmemory_unmap(xfm, page, 1);
}

/* IOCTL_XENBUS_BACKEND_EVTCHN answers the kernel's xenstore port without
 * changing anything (SETUP re-grants the page to a xenstore stub domain
 * and is refused once xenbus is up); mmap gives the page. The C xenstored
 * reads the same two from /proc/xen/xsd_port and xsd_kva. */
static void *dom0_page(int *port)
{
	int fd = open(XENBUS_BACKEND, O_RDWR | O_CLOEXEC);
	void *page;

	if (fd < 0)
		return NULL;
	*port = ioctl(fd, IOCTL_XENBUS_BACKEND_EVTCHN, 0);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return page == MAP_FAILED ? NULL : page;
}

static void dom0_unmap(void *page)
{
	munmap(page, 4096);
}

static int bind_dom_exc(void)
{
	return xcall ? (int)xenevtchn_bind_virq(xce, VIRQ_DOM_EXC) : -1;
}

/* Gone: no such domain (getdomaininfo answers the next one, or ESRCH),
 * or dying; what the C xenstored checks at VIRQ_DOM_EXC. A failed
 * query says "not gone": a live domain must never lose its ring. */
static bool domain_gone(unsigned domid)
{
	struct xen_domctl *dc = xencall_alloc_buffer(xcall, sizeof(*dc));
	bool gone;
	int rc;

	if (!dc)
		return false;
	*dc = (struct xen_domctl){ .cmd = XEN_DOMCTL_getdomaininfo,
				   .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
				   .domain = (domid_t)domid };
	rc = xencall1(xcall, __HYPERVISOR_domctl, (uintptr_t)dc);
	gone = rc ? errno == ESRCH
		  : dc->u.getdomaininfo.domain != domid ||
		    (dc->u.getdomaininfo.flags & XEN_DOMINF_dying);
	xencall_free_buffer(xcall, dc);
	return gone;
}

const struct xs_xen_ops xs_xen_libs = {
	.open = libs_open, .close = libs_close, .evtchn_fd = ev_fd,
	.bind = ev_bind, .unbind = ev_unbind, .notify = ev_notify,
	.pending = ev_pending, .unmask = ev_unmask,
	.map_grant = map_grant, .map_foreign = map_foreign, .unmap = unmap,
	.dom0_page = dom0_page, .dom0_unmap = dom0_unmap,
	.bind_dom_exc = bind_dom_exc, .domain_gone = domain_gone,
};
