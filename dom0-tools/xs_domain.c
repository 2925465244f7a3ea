/*
 * xs_domain.c: a domain's xenstore entries (xs_domain.h). The layout is
 * xl's (libxl__domain_make, libxl__build_post, the console device), reduced
 * to what a PV guest and its back ends read: the home directory is dom0's
 * and readable by the domain; the directories the guest writes in (device,
 * control, data, drivers, feature, attr, error) are the domain's own.
 * Not written: /libxl/N (xl's private state), the console's back-end
 * directory (no xenconsoled reads it), memory/videoram, image/.
 */
#include "xs_domain.h"
#include "device_vif.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#define XSD_RETRIES 10

void xsd_uuid(struct xsd_domain *d, uint8_t h[16])
{
    int fd = open("/dev/urandom", O_RDONLY);

    if (fd < 0 || read(fd, h, 16) != 16)
        for (int i = 0; i < 16; i++)
            h[i] = (uint8_t)(rand() ^ (d->dom << 3) ^ i);
    if (fd >= 0)
        close(fd);
    h[6] = (h[6] & 0x0f) | 0x40;                     /* version 4, random */
    h[8] = (h[8] & 0x3f) | 0x80;
    snprintf(d->uuid, sizeof(d->uuid),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11],
             h[12], h[13], h[14], h[15]);
}

struct xsd_txn {
    struct xs_handle *xs;
    xs_transaction_t t;
    char home[40];
    int err;                                         /* the first errno */
};

static void put(struct xsd_txn *x, const char *dir, const char *leaf, const char *val)
{
    char path[160];

    if (x->err)
        return;
    snprintf(path, sizeof(path), "%s%s%s", dir, leaf[0] ? "/" : "", leaf);
    if (!xs_write(x->xs, x->t, path, val, (unsigned int)strlen(val)))
        x->err = errno ? errno : EIO;
}

static void put_num(struct xsd_txn *x, const char *leaf, unsigned long v)
{
    char val[24];

    snprintf(val, sizeof(val), "%lu", v);
    put(x, x->home, leaf, val);
}

/* A directory: owner `owner`, readable by `reader` (the domain) unless they are one. */
static void dir(struct xsd_txn *x, const char *path, unsigned int owner, unsigned int reader)
{
    struct xs_permissions p[2] = { { .id = owner, .perms = XS_PERM_NONE },
                                   { .id = reader, .perms = XS_PERM_READ } };

    if (x->err)
        return;
    if (!xs_mkdir(x->xs, x->t, path) || !xs_set_permissions(x->xs, x->t, path, p, owner == reader ? 1 : 2))
        x->err = errno ? errno : EIO;
}

static void guest_dirs(struct xsd_txn *x, unsigned int dom)
{
    static const char *const rw[] = { "device", "control", "data", "drivers", "feature", "attr",
                                      "error", "control/shutdown", "device/suspend/event-channel" };
    char path[96];

    for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", x->home, rw[i]);
        dir(x, path, dom, dom);
    }
    put(x, x->home, "control/platform-feature-multiprocessor-suspend", "1");
    put(x, x->home, "control/platform-feature-xs_reset_watches", "1");
}

static void entries(struct xsd_txn *x, const struct xsd_domain *d)
{
    char vm[64], path[64];

    snprintf(vm, sizeof(vm), "/vm/%s", d->uuid);
    dir(x, x->home, 0, d->dom);
    dir(x, vm, 0, d->dom);
    put(x, vm, "uuid", d->uuid);
    put(x, vm, "name", d->name);
    put(x, vm, "image/ostype", d->hvm ? "hvm" : "linux");
    put(x, x->home, "vm", vm);
    put(x, x->home, "name", d->name);
    put_num(x, "domid", d->dom);
    put_num(x, "memory/static-max", d->memory_kb);
    put_num(x, "memory/target", d->memory_kb);
    for (uint32_t i = 0; i < d->vcpus; i++) {
        snprintf(path, sizeof(path), "cpu/%u/availability", i);
        put(x, x->home, path, i ? "offline" : "online");   /* vCPU 0 only is started */
    }
    guest_dirs(x, d->dom);
    if (d->hvm)
        return;                                      /* no rings yet: docs/hvm.md */
    put_num(x, "store/ring-ref", d->store_mfn);
    put_num(x, "store/port", d->store_port);
    put_num(x, "console/ring-ref", d->console_mfn);
    put_num(x, "console/port", d->console_port);
    put(x, x->home, "console/type", "xenconsoled");
    put(x, x->home, "console/limit", "1048576");
    put(x, x->home, "console/output", "pty");
}

int xsd_write(struct xs_handle *xs, const struct xsd_domain *d)
{
    for (int tries = 0; tries < XSD_RETRIES; tries++) {
        struct xsd_txn x = { .xs = xs };

        snprintf(x.home, sizeof(x.home), "/local/domain/%u", d->dom);
        x.t = xs_transaction_start(xs);
        if (!x.t)
            return -(errno ? errno : EIO);
        entries(&x, d);
        if (x.err) {
            xs_transaction_end(xs, x.t, true);
            return -x.err;
        }
        if (xs_transaction_end(xs, x.t, false))
            return 0;
        if (errno != EAGAIN)
            return -(errno ? errno : EIO);
    }
    return -EAGAIN;
}

int xsd_introduce(struct xs_handle *xs, const struct xsd_domain *d)
{
    return xs_introduce_domain(xs, d->dom, d->store_mfn, d->store_port) ? 0 : -(errno ? errno : EIO);
}

void xsd_remove(struct xs_handle *xs, uint16_t dom)
{
    char home[40], path[64], *vm;
    unsigned int n;

    snprintf(home, sizeof(home), "/local/domain/%u", dom);
    snprintf(path, sizeof(path), "%s/vm", home);
    vif_remove_all(xs, dom);                         /* the back ends' nodes too */
    xs_release_domain(xs, dom);
    vm = xs_read(xs, XBT_NULL, path, &n);
    if (vm && !strncmp(vm, "/vm/", 4))
        xs_rm(xs, XBT_NULL, vm);
    free(vm);
    xs_rm(xs, XBT_NULL, home);
}
