/*
 * nohv.c: LD_PRELOAD library under which Debian's unmodified C xenstored
 * (xen-utils-4.17) runs on a plain Linux host, with no Xen underneath.
 * The project uses that daemon as the reference for its differential tests
 * and benchmarks (refd/refd.sh starts it).
 *
 * Why a preload: xenstored opens the hypervisor (privcmd), the event-channel
 * and grant devices and /proc/xen/xsd_{port,kva} while it sets up dom0; it
 * refuses to start without them, and with --no-domain-init it never creates
 * its database. So we answer those few library calls instead:
 *   - domains 0 .. NOHV_DOMAINS-1 exist (default 32), all running;
 *   - every mapped ring page (dom0's and an introduced guest's) is a private
 *     zeroed page: clients use the socket;
 *   - the event-channel fd is a pipe nobody writes: no event ever arrives;
 *   - unless NOHV_RING_DIR is set: then a guest's ring is the page-sized
 *     file NOHV_RING_DIR/ring-<domid> (as with xenstore-lite -R), and the
 *     event channel fires every 2 ms, so that the daemon looks at its
 *     rings; a test process plays the guest on that file;
 *   - /proc/xen/xsd_port reads as port 1, /proc/xen/xsd_kva is a page-sized
 *     file in $NOHV_DIR (the daemon's private run directory).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define PAGE 4096

static unsigned int nr_domains(void)
{
	const char *s = getenv("NOHV_DOMAINS");
	long n = s ? strtol(s, NULL, 10) : 32;

	return n > 0 && n < 32768 ? (unsigned int)n : 32;
}

static const char *run_dir(void)
{
	const char *d = getenv("NOHV_DIR");

	return d && *d ? d : "/tmp";
}

/* A file in the run directory standing in for a /proc/xen entry. */
/* openat(), which we do not interpose, so this cannot recurse. */
static int stand_in(const char *name, const char *content, size_t size)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", run_dir(), name);
	fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if ((content && write(fd, content, strlen(content)) < 0) ||
	    (size && ftruncate(fd, (off_t)size) < 0)) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Returns the fd for a /proc/xen path we stand in for, or -2 for others. */
static int proc_xen(const char *path)
{
	if (!path)
		return -2;
	if (!strcmp(path, "/proc/xen/xsd_port"))
		return stand_in("xsd_port", "1", 0);
	if (!strcmp(path, "/proc/xen/xsd_kva"))
		return stand_in("xsd_kva", NULL, PAGE);
	return -2;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	int fd = proc_xen(path);
	va_list ap;
	mode_t mode;

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!next)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	return next(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	int fd = proc_xen(path);
	va_list ap;
	mode_t mode;

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!next)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	return next(path, flags, mode);
}

/* --- libxenctrl: only "which domains exist" --- */
static char the_hypervisor;

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned int flags)
{
	(void)logger; (void)dombuild_logger; (void)flags;
	return (xc_interface *)&the_hypervisor;
}

int xc_interface_close(xc_interface *xch)
{
	(void)xch;
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max, xc_dominfo_t *info)
{
	unsigned int n = 0, limit = nr_domains();

	(void)xch;
	for (uint32_t d = first; d < limit && n < max; d++, n++) {
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domid = d;
		info[n].running = 1;
		info[n].nr_online_vcpus = 1;
		info[n].xenstore = d == 0;
	}
	return (int)n;
}

/* --- libxengnttab: every ring is a private zeroed page --- */
static char the_grant_device;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned int flags)
{
	(void)logger; (void)flags;
	return (xengnttab_handle *)&the_grant_device;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	(void)xgt;
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr)
{
	(void)xgt; (void)nr;
	return 0;
}

static const char *ring_dir(void)
{
	const char *d = getenv("NOHV_RING_DIR");

	return d && *d ? d : NULL;
}

/* The guest's ring file, or -1 to use a private page. */
static int ring_file(uint32_t domid)
{
	char path[4096];
	int fd;

	if (!ring_dir() || domid == 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ring-%u", ring_dir(), domid);
	fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && ftruncate(fd, PAGE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	int fd;
	void *page;

	(void)xgt; (void)ref;
	if (domid >= nr_domains()) {
		errno = ESRCH;
		return NULL;
	}
	fd = ring_file(domid);
	page = mmap(NULL, PAGE, prot, MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (fd >= 0)
		close(fd);
	return page == MAP_FAILED ? NULL : page;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	(void)xgt;
	return munmap(start_address, (size_t)count * PAGE);
}

/* --- libxenevtchn: ports are handed out; the fd is a quiet pipe, or a
 * 2 ms ticker when guests talk over ring files --- */
struct quiet_evtchn {
	int rd, wr;
	evtchn_port_t next_port;
};

static int ticker(void)
{
	struct itimerspec every_2ms = { { 0, 2000000 }, { 0, 2000000 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &every_2ms, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static xenevtchn_handle *quiet_evtchn_new(void)
{
	struct quiet_evtchn *q = calloc(1, sizeof(*q));
	int fds[2];

	if (!q)
		return NULL;
	if (ring_dir()) {
		fds[0] = ticker();
		fds[1] = -1;
	} else if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		fds[0] = -1;
	}
	if (fds[0] < 0) {
		free(q);
		return NULL;
	}
	q->rd = fds[0];
	q->wr = fds[1];
	q->next_port = 2;
	return (xenevtchn_handle *)q;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	(void)logger; (void)flags;
	return quiet_evtchn_new();
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned int flags)
{
	(void)logger; (void)fd; (void)flags;
	return quiet_evtchn_new();
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return ((struct quiet_evtchn *)xce)->rd;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	(void)domid; (void)remote_port;
	return (xenevtchn_port_or_error_t)((struct quiet_evtchn *)xce)->next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	(void)virq;
	return (xenevtchn_port_or_error_t)((struct quiet_evtchn *)xce)->next_port++;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce; (void)port;
	return 0;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce; (void)port;
	return 0;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce; (void)port;
	return 0;
}

/* A tick: xenstored then scans its rings. Port 0 is bound to nothing
 * (ports start at 2), so the tick means no more than that. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	struct quiet_evtchn *q = (struct quiet_evtchn *)xce;
	uint64_t ticks;

	if (q->wr >= 0) {
		errno = EAGAIN;
		return -1;
	}
	if (read(q->rd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}
