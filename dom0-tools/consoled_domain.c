/*
 * consoled_domain.c: which guests pvconsoled serves (consoled.h). A scan
 * (at every @introduceDomain and @releaseDomain, and once a second) lists
 * /local/domain: a live domain with console/ring-ref and console/port that
 * is not served yet gets its ring mapped (xenforeignmemory, the MFN the
 * builder wrote), its port bound, its log opened and a pty. A served
 * domain that has shut down gets its ring drained one last time and let
 * go; one that is gone, dying or replaced by another with its id (the
 * handle differs) is forgotten. Letting go of the ring at once matters:
 * the mapping holds a reference on the guest's page, which would keep that
 * page from the free memory after its destroy.
 */
#include "consoled.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenstore.h>

/* An unsigned number in xenstore; -1 if absent or not one. */
static long read_num(struct consoled *d, domid_t dom, const char *leaf)
{
    char path[80], *v, *end;
    unsigned int n;
    long x = -1;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", dom, leaf);
    if (!(v = xs_read(d->xs, XBT_NULL, path, &n)))
        return -1;
    x = strtol(v, &end, 10);
    if (end == v || *end || x < 0)
        x = -1;
    free(v);
    return x;
}

static void read_name(struct consoled *d, struct cdom *c)
{
    char path[64], *v;
    unsigned int n;

    snprintf(path, sizeof(path), "/local/domain/%u/name", c->dom);
    c->name[0] = 0;
    if ((v = xs_read(d->xs, XBT_NULL, path, &n))) {
        snprintf(c->name, sizeof(c->name), "%.*s", (int)n, v);
        free(v);
    }
}

static int map_ring(struct consoled *d, struct cdom *c, long mfn, long port)
{
    xen_pfn_t pfn = (xen_pfn_t)mfn;
    xenevtchn_port_or_error_t local;

    c->ring = xenforeignmemory_map(d->fm, c->dom, PROT_READ | PROT_WRITE, 1, &pfn, NULL);
    if (!c->ring)
        return -1;
    local = xenevtchn_bind_interdomain(d->xe, c->dom, (evtchn_port_t)port);
    if (local < 0) {
        xenforeignmemory_unmap(d->fm, c->ring, 1);
        c->ring = NULL;
        return -1;
    }
    c->local = local;
    return 0;
}

/*
 * Lets go of the ring, the port and the pty, after a last drain (even of a
 * dying domain: our mapping keeps its page); the record stays until the
 * domain is gone. `exists`: the domain stays, so its tty node goes.
 */
static void release(struct consoled *d, struct cdom *c, int exists)
{
    char node[64];

    if (c->ring) {
        c->throttled = 0;                            /* the last of it, past the rate limit */
        c->window_bytes = 0;
        consoled_service(d, c);
        xenevtchn_unbind(d->xe, (evtchn_port_t)c->local);
        xenforeignmemory_unmap(d->fm, c->ring, 1);
        consoled_say("d%u (%s): console let go", c->dom, c->name);
    }
    c->ring = NULL;
    c->local = -1;
    if (c->master >= 0 && exists) {
        snprintf(node, sizeof(node), "/local/domain/%u/console/tty", c->dom);
        xs_rm(d->xs, XBT_NULL, node);
    }
    consoled_linger_pty(c, consoled_now_ms());
    clog_close(&c->log);
}

static void attach(struct consoled *d, domid_t dom, const pv_dominfo_t *info)
{
    long mfn = read_num(d, dom, "console/ring-ref"), port = read_num(d, dom, "console/port");
    struct cdom *c;

    if (mfn <= 0 || port <= 0 || !(c = calloc(1, sizeof(*c))))
        return;                                      /* no console of ours (a boot-time domU) */
    c->dom = dom;
    c->local = c->master = c->slave = c->log.fd = -1;
    memcpy(c->handle, info->handle, sizeof(c->handle));
    read_name(d, c);
    c->next = d->doms;
    d->doms = c;
    if (clog_open(&c->log, d->o.log_dir, c->name, dom))
        consoled_say("d%u (%s): cannot open its log %s: %s", dom, c->name, c->log.path, strerror(errno));
    if (map_ring(d, c, mfn, port)) {
        consoled_say("d%u (%s): cannot serve its ring (mfn %ld port %ld): %s", dom, c->name, mfn, port,
                     strerror(errno));
        clog_close(&c->log);
        return;
    }
    consoled_open_pty(d, c);
    consoled_say("d%u (%s): console served, log %s", dom, c->name, c->log.path);
    consoled_service(d, c);
    if (info->flags & XEN_DOMINF_shutdown)           /* it wrote and shut down before we came */
        release(d, c, 1);
}

static struct cdom *find(struct consoled *d, domid_t dom)
{
    for (struct cdom *c = d->doms; c; c = c->next)
        if (c->dom == dom)
            return c;
    return NULL;
}

struct cdom *consoled_by_port(struct consoled *d, int local)
{
    for (struct cdom *c = d->doms; c; c = c->next)
        if (c->ring && c->local == local)
            return c;
    return NULL;
}

/* 1 if the record is to be dropped. */
static int check(struct consoled *d, struct cdom *c)
{
    pv_dominfo_t info;

    if (ctl_getdomaininfo(c->dom, &info) || info.domain != c->dom || (info.flags & XEN_DOMINF_dying) ||
        memcmp(info.handle, c->handle, sizeof(c->handle))) {
        release(d, c, 0);
        return 1;
    }
    if ((info.flags & XEN_DOMINF_shutdown) && c->ring)
        release(d, c, 1);
    return 0;
}

static void forget_dead(struct consoled *d)
{
    for (struct cdom **pp = &d->doms; *pp;) {
        struct cdom *c = *pp;

        if (check(d, c)) {
            *pp = c->next;
            free(c);
        } else {
            pp = &c->next;
        }
    }
}

void consoled_scan(struct consoled *d)
{
    unsigned int n;
    char **ids;

    forget_dead(d);
    if (!(ids = xs_directory(d->xs, XBT_NULL, "/local/domain", &n)))
        return;
    for (unsigned int i = 0; i < n; i++) {
        char *end;
        unsigned long id = strtoul(ids[i], &end, 10);
        pv_dominfo_t info;

        if (*end || !id || id >= DOMID_FIRST_RESERVED || find(d, (domid_t)id))
            continue;
        if (!ctl_getdomaininfo((domid_t)id, &info) && info.domain == id && !(info.flags & XEN_DOMINF_dying))
            attach(d, (domid_t)id, &info);
    }
    free(ids);
}

void consoled_detach_all(struct consoled *d)
{
    while (d->doms) {
        struct cdom *c = d->doms;

        release(d, c, 1);
        d->doms = c->next;
        free(c);
    }
}
