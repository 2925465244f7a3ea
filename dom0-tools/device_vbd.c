/*
 * device_vbd.c: virtual block devices (device_vbd.h). The nodes are the
 * ones libxl writes for a `phy` vbd, with what Xen's block hotplug script
 * adds (physical-device, hex major:minor as blkback scans it); our own code.
 * They are written in one transaction, as xs_domain.c writes a domain's
 * entries, so that each driver's probe finds the other end complete; the
 * check that an image is not attached writable twice reads the other
 * backends inside the same transaction.
 */
#include "device_vbd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#define VBD_ROOT "/local/domain/0/backend/vbd"
#define XS_RETRIES 10

static void modprobe(const char *module)
{
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        dup2(fd, 1);
        dup2(fd, 2);
        execlp("modprobe", "modprobe", "-q", module, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static char *xs_get(struct xs_handle *xs, xs_transaction_t t, const char *fmt, ...)
{
    char path[256];
    unsigned int n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return xs_read(xs, t, path, &n);
}

static int exists(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
    unsigned int n;
    char **d = xs_directory(xs, t, path, &n);

    free(d);
    return d != NULL;
}

/* Loop devices */

/* A free loop device bound to `img` (read-only if ro); its path in dev, its number in *rdev. */
static int loop_setup(const char *img, int ro, char *dev, size_t len, dev_t *rdev)
{
    int ffd, ctl, lfd = -1, rc = -ENODEV;
    struct loop_info64 li = { 0 };
    struct stat st;

    if ((ffd = open(img, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
        return -errno;
    if ((ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
        modprobe("loop");
        ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    }
    for (int tries = 0; ctl >= 0 && tries < 20 && rc; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);

        if (n < 0)
            break;
        snprintf(dev, len, "/dev/loop%d", n);
        if ((lfd = open(dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0) {
            usleep(10000);                           /* devtmpfs: the node comes a moment later */
            continue;
        }
        if (!ioctl(lfd, LOOP_SET_FD, ffd))
            rc = 0;
        else
            close(lfd);                              /* taken meanwhile (EBUSY): the next one */
    }
    if (!rc) {
        size_t l = strnlen(img, sizeof(li.lo_file_name) - 1);   /* losetup -a shows it, cut */

        memcpy(li.lo_file_name, img, l);
        ioctl(lfd, LOOP_SET_STATUS64, &li);          /* the name losetup -a shows */
        rc = fstat(lfd, &st) ? -errno : 0;
        *rdev = rc ? 0 : st.st_rdev;
        if (rc)
            ioctl(lfd, LOOP_CLR_FD);
        close(lfd);
    }
    if (ctl >= 0)
        close(ctl);
    close(ffd);
    return rc;
}

/*
 * Unbinds a loop device. While blkback still has it open, Linux marks it
 * autoclear and frees it at blkback's last close.
 */
static void loop_free(const char *dev)
{
    int fd;

    if (!dev || strncmp(dev, "/dev/loop", 9) || (fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0)
        return;
    for (int i = 0; ioctl(fd, LOOP_CLR_FD) && errno == EBUSY && i < 50; i++)
        usleep(100000);
    close(fd);
}

/* The transaction */

struct vbd_txn {
    struct xs_handle *xs;
    xs_transaction_t t;
    int err;                                         /* the first errno */
};

static void put(struct vbd_txn *x, const char *dir, const char *leaf, const char *fmt, ...)
{
    char path[256], val[PATH_MAX];
    va_list ap;

    if (x->err)
        return;
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dir, leaf);
    if (!xs_write(x->xs, x->t, path, val, (unsigned int)strlen(val)))
        x->err = errno ? errno : EIO;
}

static void dir(struct vbd_txn *x, const char *path, unsigned int owner, unsigned int reader)
{
    struct xs_permissions p[2] = { { .id = owner, .perms = XS_PERM_NONE },
                                   { .id = reader, .perms = XS_PERM_READ } };

    if (x->err)
        return;
    if (!xs_mkdir(x->xs, x->t, path) || !xs_set_permissions(x->xs, x->t, path, p, 2))
        x->err = errno ? errno : EIO;
}

/* Why `img` may not be attached with mode ro now (another attachment where either writes), or NULL. */
static const char *conflict(struct vbd_txn *x, const char *img, int ro, char *why, size_t len)
{
    unsigned int nd, nn;
    char **doms = xs_directory(x->xs, x->t, VBD_ROOT, &nd);

    why[0] = 0;
    for (unsigned int i = 0; doms && i < nd && !why[0]; i++) {
        char path[128], **devs;

        snprintf(path, sizeof(path), VBD_ROOT "/%s", doms[i]);
        devs = xs_directory(x->xs, x->t, path, &nn);
        for (unsigned int j = 0; devs && j < nn && !why[0]; j++) {
            char *params = xs_get(x->xs, x->t, "%s/%s/params", path, devs[j]);
            char *mode = xs_get(x->xs, x->t, "%s/%s/mode", path, devs[j]);

            if (params && !strcmp(params, img) && (!ro || !mode || strcmp(mode, "r")))
                snprintf(why, len, "%s is attached to domain %s (device %s, mode %s): not again%s",
                         img, doms[i], devs[j], mode ? mode : "?", ro ? " (it is writable there)" : " writable");
            free(params);
            free(mode);
        }
        free(devs);
    }
    free(doms);
    return why[0] ? why : NULL;
}

struct vbd_nodes {
    uint16_t dom;
    const struct cfg_disk *d;
    const char *img, *bdev, *loop;
    dev_t rdev;
    char be[96], fe[96];
};

static void nodes(struct vbd_txn *x, const struct vbd_nodes *n)
{
    dir(x, n->fe, n->dom, 0);                        /* the guest's, dom0 reads */
    dir(x, n->be, 0, n->dom);                        /* dom0's, the guest reads */
    put(x, n->be, "frontend", "%s", n->fe);
    put(x, n->be, "frontend-id", "%u", n->dom);
    put(x, n->be, "online", "1");
    put(x, n->be, "removable", "0");
    put(x, n->be, "bootable", "1");
    put(x, n->be, "type", "phy");
    put(x, n->be, "device-type", "disk");
    put(x, n->be, "params", "%s", n->img);
    put(x, n->be, "mode", n->d->readonly ? "r" : "w");
    put(x, n->be, "dev", "%s", n->d->vdev);
    put(x, n->be, "physical-device", "%x:%x", major(n->rdev), minor(n->rdev));
    put(x, n->be, "physical-device-path", "%s", n->bdev);
    put(x, n->be, "loop-device", "%s", n->loop ? n->loop : "none");
    put(x, n->fe, "backend", "%s", n->be);
    put(x, n->fe, "backend-id", "0");
    put(x, n->fe, "virtual-device", "%u", n->d->devid);
    put(x, n->fe, "device-type", "disk");
    put(x, n->fe, "state", "1");                     /* Initialising: each driver probes now */
    put(x, n->be, "state", "1");
}

/* The nodes, in one transaction (retried on EAGAIN); 0, or -errno with why. */
static int write_nodes(struct xs_handle *xs, const struct vbd_nodes *n, char *why, size_t len)
{
    for (int tries = 0; tries < XS_RETRIES; tries++) {
        struct vbd_txn x = { .xs = xs };
        char *home;

        if (!(x.t = xs_transaction_start(xs)))
            return -(errno ? errno : EIO);
        if (!(home = xs_get(xs, x.t, "/local/domain/%u/domid", n->dom)))
            snprintf(why, len, "no domain %u in xenstore", n->dom);
        else if (exists(xs, x.t, n->be) || exists(xs, x.t, n->fe))
            snprintf(why, len, "domain %u has %s already", n->dom, n->d->vdev);
        else if (!conflict(&x, n->img, n->d->readonly, why, len))
            nodes(&x, n);
        free(home);
        if (why[0] || x.err) {
            xs_transaction_end(xs, x.t, true);
            return why[0] ? -EEXIST : -x.err;
        }
        if (xs_transaction_end(xs, x.t, false))
            return 0;
        if (errno != EAGAIN)
            return -(errno ? errno : EIO);
    }
    return -EAGAIN;
}

static int attach_error(const struct cfg_disk *d, const char *what, const char *why)
{
    fprintf(stderr, "pvctl: disk %s (%s): %s%s%s\n", d->vdev, d->target, what, why ? ": " : "", why ? why : "");
    return -1;
}

int vbd_attach(struct xs_handle *xs, uint16_t dom, const struct cfg_disk *d)
{
    struct vbd_nodes n = { .dom = dom, .d = d };
    char img[PATH_MAX], loop[32], why[PATH_MAX + 160] = "";
    struct stat st;
    int rc;

    if (!xs)
        return attach_error(d, "disks need dom0's xenstored", NULL);
    if (!realpath(d->target, img) || stat(img, &st))
        return attach_error(d, "no such image", strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return attach_error(d, "neither a file nor a block device", NULL);
    n.img = img;
    snprintf(n.be, sizeof(n.be), VBD_ROOT "/%u/%u", dom, d->devid);
    snprintf(n.fe, sizeof(n.fe), "/local/domain/%u/device/vbd/%u", dom, d->devid);
    {
        struct vbd_txn x = { .xs = xs, .t = XBT_NULL };   /* a first look, for the message before losetup */

        if (conflict(&x, img, d->readonly, why, sizeof(why)))
            return attach_error(d, "refused", why);
    }
    if (S_ISBLK(st.st_mode)) {
        n.bdev = img;
        n.rdev = st.st_rdev;
    } else if ((rc = loop_setup(img, d->readonly, loop, sizeof(loop), &n.rdev))) {
        return attach_error(d, "no loop device", strerror(-rc));
    } else {
        n.bdev = n.loop = loop;
    }
    if (access("/sys/bus/xen-backend/drivers/vbd", F_OK))
        modprobe("xen-blkback");
    if ((rc = write_nodes(xs, &n, why, sizeof(why)))) {
        loop_free(n.loop);
        return attach_error(d, rc == -EEXIST ? "refused" : "writing the xenstore nodes", why[0] ? why : strerror(-rc));
    }
    return 0;
}

/* Removes both directories (and the per-domain vbd directories once empty), frees the loop. */
static void remove_device(struct xs_handle *xs, uint16_t dom, const char *devid)
{
    char be[96], fe[96], up[96], *loop, **left;
    unsigned int n;

    snprintf(be, sizeof(be), VBD_ROOT "/%u/%s", dom, devid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%s", dom, devid);
    loop = xs_get(xs, XBT_NULL, "%s/loop-device", be);
    xs_rm(xs, XBT_NULL, fe);
    xs_rm(xs, XBT_NULL, be);
    snprintf(up, sizeof(up), VBD_ROOT "/%u", dom);
    if ((left = xs_directory(xs, XBT_NULL, up, &n)) && !n)
        xs_rm(xs, XBT_NULL, up);
    free(left);
    snprintf(up, sizeof(up), "/local/domain/%u/device/vbd", dom);
    if ((left = xs_directory(xs, XBT_NULL, up, &n)) && !n)
        xs_rm(xs, XBT_NULL, up);
    free(left);
    loop_free(loop);                                 /* blkback lets go once its device is gone */
    free(loop);
}

int vbd_detach(struct xs_handle *xs, uint16_t dom, unsigned int devid, int force, int timeout_s)
{
    char be[96], path[128], id[16], *state;
    int closed = 0;

    snprintf(be, sizeof(be), VBD_ROOT "/%u/%u", dom, devid);
    snprintf(id, sizeof(id), "%u", devid);
    if (!(state = xs_get(xs, XBT_NULL, "%s/state", be))) {
        fprintf(stderr, "pvctl: domain %u has no block device %u\n", dom, devid);
        return -ENOENT;
    }
    free(state);
    snprintf(path, sizeof(path), "%s/online", be);
    xs_write(xs, XBT_NULL, path, "0", 1);
    snprintf(path, sizeof(path), "%s/state", be);
    xs_write(xs, XBT_NULL, path, "5", 1);            /* Closing: blkfront closes, blkback follows */
    for (int i = 0; !force && i < timeout_s * 20 && !closed; i++) {
        state = xs_get(xs, XBT_NULL, "%s/state", be);
        closed = state && !strcmp(state, "6");       /* Closed: the guest let go */
        free(state);
        if (!closed)
            usleep(50000);
    }
    remove_device(xs, dom, id);
    return closed ? 0 : -ETIMEDOUT;
}

void vbd_release_all(struct xs_handle *xs, uint16_t dom)
{
    char path[64], **devs;
    unsigned int n;

    if (!xs)
        return;
    snprintf(path, sizeof(path), VBD_ROOT "/%u", dom);
    devs = xs_directory(xs, XBT_NULL, path, &n);
    for (unsigned int i = 0; devs && i < n; i++)
        remove_device(xs, dom, devs[i]);
    free(devs);
    xs_rm(xs, XBT_NULL, path);
}

static int num(struct xs_handle *xs, const char *fe, const char *leaf)
{
    char *v = xs_get(xs, XBT_NULL, "%s/%s", fe, leaf);
    int r;

    if (!v)                                          /* multi-queue: the first queue's */
        v = xs_get(xs, XBT_NULL, "%s/queue-0/%s", fe, leaf);
    r = v ? atoi(v) : -1;
    free(v);
    return r;
}

static int by_number(const void *a, const void *b)
{
    return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

void vbd_list(struct xs_handle *xs, uint16_t dom, int header, FILE *out)
{
    char path[64], fe[96], **devs;
    unsigned int n;

    if (header)
        fprintf(out, "%-5s %-3s %-6s %-5s %-6s %-8s %s\n", "Vdev", "BE", "handle", "state", "evt-ch",
                "ring-ref", "BE-path");
    snprintf(path, sizeof(path), VBD_ROOT "/%u", dom);
    if (!xs || !(devs = xs_directory(xs, XBT_NULL, path, &n)))
        return;
    qsort(devs, n, sizeof(devs[0]), by_number);
    for (unsigned int i = 0; i < n; i++) {
        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%s", dom, devs[i]);
        fprintf(out, "%-5s %-3d %-6u %-5d %-6d %-8d %s/%s\n", devs[i], 0, dom, num(xs, fe, "state"),
                num(xs, fe, "event-channel"), num(xs, fe, "ring-ref"), path, devs[i]);
    }
    free(devs);
}
