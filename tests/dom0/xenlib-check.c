/*
 * xenlib-check: dom0's Xen interfaces for user space, through Debian's
 * stable libraries exactly as a toolstack or back end uses them
 * (libxencall1, libxenforeignmemory1, libxenevtchn1, libxengnttab1 with its
 * gntshr half; the stock kernel's xen-privcmd, xen-evtchn, xen-gntdev and
 * xen-gntalloc drivers below them).
 * Its peer is the boot-time domU dom0-peer (peer.h). Prints one
 * "PASS: dom0/xenlib-<check>" or "FAIL: dom0/xenlib-<check>: why" a check,
 * then "xenlib-check: N passed, M failed"; exit status 0 only with no failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xencall.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/grant_table.h>
#include "peer.h"

#define WAIT_S 60

static unsigned int passed, failed;

static int check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("PASS: dom0/xenlib-%s\n", name);
        passed++;
    } else {
        printf("FAIL: dom0/xenlib-%s: ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        failed++;
    }
    fflush(stdout);
    return ok;
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A hypercall through /dev/xen/privcmd: xen_version, its capabilities string, an unknown one. */
static void check_xencall(void)
{
    xencall_handle *xc = xencall_open(NULL, 0);
    char *caps;
    int rc;

    if (!check(xc != NULL, "xencall-open", "xencall_open: %s", strerror(errno)))
        return;
    rc = xencall2(xc, __HYPERVISOR_xen_version, XENVER_version, 0);
    check(rc == 0x40011, "xencall-xen_version", "XENVER_version = %#x, want 0x40011", rc);
    caps = xencall_alloc_buffer(xc, sizeof(xen_capabilities_info_t));
    if (caps) {
        rc = xencall2(xc, __HYPERVISOR_xen_version, XENVER_capabilities, (unsigned long)caps);
        check(rc == 0 && strstr(caps, "xen-3.0-x86_64"), "xencall-capabilities",
              "rc %d, '%.64s'", rc, caps);
        xencall_free_buffer(xc, caps);
    }
    errno = 0;
    rc = xencall0(xc, 63);
    check(rc == -1 && errno == ENOSYS, "xencall-unknown-hypercall-enosys", "rc %d errno %d", rc, errno);
    xencall_close(xc);
}

/* The peer's info page through gntdev, once the peer has published it (retried). */
static volatile struct peer_info *map_info(xengnttab_handle *xg)
{
    double end = now_s() + WAIT_S;
    volatile struct peer_info *p;

    do {
        p = xengnttab_map_grant_ref(xg, PEER_DOMID, PEER_REF, PROT_READ | PROT_WRITE);
        if (p && p->magic == PEER_MAGIC)
            return p;
        if (p)
            xengnttab_unmap(xg, (void *)p, 1);
        usleep(200000);
    } while (now_s() < end);
    return NULL;
}

static int marker_ok(const volatile uint64_t *m)
{
    for (unsigned int i = 0; i < 512; i++)
        if (m[i] != PEER_MARKER(i))
            return 0;
    return 1;
}

/* gntalloc: a page of dom0's own, granted to the peer (dom0's grant table grows if it must). */
static void *share_page(xengntshr_handle *xs, volatile struct peer_info *info)
{
    uint32_t ref = 0;
    uint64_t *p = xs ? xengntshr_share_pages(xs, PEER_DOMID, 1, &ref, 0) : NULL;

    if (!check(p != NULL, "gntshr-share-page", "%s", strerror(errno)))
        return NULL;
    p[0] = PEER_REPLY;
    info->dom0_ref = ref;
    return p;
}

/* gntdev GRANT_COPY (GNTTABOP_copy): the magic out of the peer's page, the reply into it. */
static void check_grant_copy(xengnttab_handle *xg)
{
    uint64_t got = 0, reply = PEER_REPLY;
    xengnttab_grant_copy_segment_t seg[2] = {
        { .source.foreign = { PEER_REF, offsetof(struct peer_info, magic), PEER_DOMID },
          .dest.virt = &got, .len = 8, .flags = GNTCOPY_source_gref, .status = 1 },
        { .source.virt = &reply, .dest.foreign = { PEER_REF, offsetof(struct peer_info, copied), PEER_DOMID },
          .len = 8, .flags = GNTCOPY_dest_gref, .status = 1 },
    };
    int rc = xengnttab_grant_copy(xg, 2, seg);

    check(rc == 0 && seg[0].status == GNTST_okay && got == PEER_MAGIC, "gnttab-copy-from-grant",
          "rc %d status %d got %#lx", rc, seg[0].status, (unsigned long)got);
    check(rc == 0 && seg[1].status == GNTST_okay, "gnttab-copy-to-grant", "rc %d status %d", rc,
          seg[1].status);
}

/* MMAPBATCH_V2: the peer's marker frame, per-frame errors for bad ones, a domain that is not there. */
static void check_foreign(const volatile struct peer_info *info)
{
    xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
    xen_pfn_t arr[3] = { info->marker_mfn, info->gone_mfn, PEER_FAR_MFN };
    int err[3] = { 1, 1, 1 };
    size_t size = 0;
    uint64_t *m;

    if (!check(fm != NULL, "foreignmemory-open", "%s", strerror(errno)))
        return;
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ, 1, arr, NULL);
    if (check(m != NULL, "foreign-map-domU-frame", "map of mfn %#lx: %s", (unsigned long)arr[0],
              strerror(errno))) {
        check(marker_ok(m), "foreign-map-reads-marker", "word 0 %#lx", (unsigned long)m[0]);
        check(xenforeignmemory_unmap(fm, m, 1) == 0, "foreign-unmap", "%s", strerror(errno));
    }
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ, 3, arr, err);
    if (check(m != NULL, "foreign-map-batch-with-bad-frames", "%s", strerror(errno))) {
        check(err[0] == 0 && marker_ok(m), "foreign-batch-good-frame-mapped", "err %d", err[0]);
        check(err[1] == -EBUSY, "foreign-batch-frame-not-owned-ebusy", "err %d, want %d", err[1], -EBUSY);
        check(err[2] == -EPERM, "foreign-batch-not-ram-eperm", "err %d, want %d", err[2], -EPERM);
        xenforeignmemory_unmap(fm, m, 3);
    }
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ | PROT_WRITE, 1, (xen_pfn_t *)&info->rw_mfn, NULL);
    if (check(m != NULL, "foreign-map-read-write", "%s", strerror(errno))) {
        m[3] = PEER_REPLY;                           /* the peer checks it after our event */
        xenforeignmemory_unmap(fm, m, 1);
    }
    arr[1] = info->l4_mfn;
    err[0] = err[1] = 1;
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ, 2, arr, err);
    check(m != NULL && err[0] == 0 && err[1] == 0, "foreign-map-page-table-read-only", "err %d %d",
          err[0], err[1]);
    if (m)
        xenforeignmemory_unmap(fm, m, 2);
    err[0] = err[1] = 1;
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ | PROT_WRITE, 2, arr, err);
    check(m != NULL && err[0] == 0 && err[1] == -EBUSY, "foreign-map-page-table-writable-ebusy",
          "err %d %d", err[0], err[1]);
    if (m)
        xenforeignmemory_unmap(fm, m, 2);
    arr[1] = info->gone_mfn;
    errno = 0;
    m = xenforeignmemory_map(fm, PEER_DOMID, PROT_READ, 1, &arr[1], NULL);
    check(m == NULL && errno == EBUSY, "foreign-map-without-err-array-fails", "%p errno %d", (void *)m, errno);
    /* Two frames: Linux re-issues the second after the first failed, and relies on *done
     * being written (0) even when the whole call fails (-ESRCH) as Xen does. */
    err[0] = err[1] = 1;
    m = xenforeignmemory_map(fm, 0x3ff0, PROT_READ, 2, arr, err);
    check(m != NULL && err[0] == -ESRCH && err[1] == -ESRCH, "foreign-map-no-such-domain-esrch",
          "%p err %d %d", (void *)m, err[0], err[1]);
    if (m)
        xenforeignmemory_unmap(fm, m, 2);
    errno = 0;
    check(xenforeignmemory_resource_size(fm, PEER_DOMID, XENMEM_resource_grant_table, 0, &size) == -1 &&
          errno == EOPNOTSUPP, "mmap-resource-eopnotsupp", "size %zu errno %d", size, errno);
    xenforeignmemory_close(fm);
}

/*
 * Events on our port until the peer's ack is in the page. Binding may
 * itself leave an event pending on the new local port (Xen sets one, in
 * case the remote end signalled the unbound port), so one event alone
 * proves nothing: each is taken (pending, unmask) and the page says whose.
 */
static int wait_ack(xenevtchn_handle *xe, const volatile struct peer_info *info, evtchn_port_t local,
                    int *wrong_port)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(xe), .events = POLLIN };
    double end = now_s() + WAIT_S;
    xenevtchn_port_or_error_t p;

    while (info->ack != PEER_ACK && now_s() < end) {
        if (poll(&pfd, 1, 1000) != 1)
            continue;
        p = xenevtchn_pending(xe);
        if (p != (xenevtchn_port_or_error_t)local)
            *wrong_port = p;
        if (p >= 0)
            xenevtchn_unmask(xe, p);
    }
    return info->ack == PEER_ACK;
}

/* An interdomain channel to the peer's unbound port: notify, and its answer comes back. */
static void check_evtchn(xenevtchn_handle *xe, const volatile struct peer_info *info,
                         evtchn_port_t *local)
{
    xenevtchn_port_or_error_t p;
    int wrong = 0;

    p = xenevtchn_bind_interdomain(xe, PEER_DOMID, info->port);
    if (!check(p > 0, "evtchn-bind-interdomain", "port %u: %s", info->port, strerror(errno)))
        return;
    *local = p;
    check(xenevtchn_notify(xe, p) == 0, "evtchn-notify", "%s", strerror(errno));
    check(wait_ack(xe, info, *local, &wrong), "evtchn-event-from-domU", "no ack in %d s", WAIT_S);
    check(!wrong, "evtchn-pending-port", "pending port %d, bound %u", wrong, *local);
}

int main(void)
{
    xengnttab_handle *xg = xengnttab_open(NULL, 0);
    xenevtchn_handle *xe = xenevtchn_open(NULL, 0);
    volatile struct peer_info *info = NULL;
    evtchn_port_t local = 0;
    xengntshr_handle *xs = xengntshr_open(NULL, 0);
    void *shared = NULL;

    setvbuf(stdout, NULL, _IOLBF, 0);
    check_xencall();
    check(xe != NULL, "evtchn-open", "%s", strerror(errno));
    if (check(xg != NULL, "gnttab-open", "%s", strerror(errno)))
        info = map_info(xg);
    if (check(info != NULL, "gnttab-map-peer-grant", "no info page from d%d ref %d in %d s", PEER_DOMID,
              PEER_REF, WAIT_S)) {
        info->reply = PEER_REPLY;                    /* the peer checks it after our event */
        check_foreign(info);
        check_grant_copy(xg);
        shared = share_page(xs, info);
        if (xe)
            check_evtchn(xe, info, &local);
        if (shared)
            check(xengntshr_unshare(xs, shared, 1) == 0, "gntshr-unshare", "%s", strerror(errno));
        check(xengnttab_unmap(xg, (void *)info, 1) == 0, "gnttab-unmap", "%s", strerror(errno));
        if (local)
            check(xenevtchn_notify(xe, local) == 0, "evtchn-notify-unmapped", "%s", strerror(errno));
    }
    if (local)
        xenevtchn_unbind(xe, local);
    printf("xenlib-check: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
