/* device_vif.c: virtual network interfaces through the hotplug scripts (device_vif.h). */
#include "device_vif.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <xenstore.h>

extern char **environ;

/*
 * Runs a hotplug script found on PATH; its exit status, or -1. Its stdout (the
 * backend path) is dropped: pvctl says what it did; its errors go to stderr.
 */
static int run_hotplug(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st, rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        fprintf(stderr, "pvctl: cannot run %s: %s (dom0-tools/hotplug on PATH)\n", argv[0], strerror(rc));
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int vif_check_config(const struct pv_config *c, char *err, size_t errlen)
{
    struct vif_spec v;
    char why[200];

    for (unsigned int i = 0; i < c->nr_vif; i++)
        if (vif_spec_parse(c->vif[i], &v, why, sizeof(why))) {
            snprintf(err, errlen, "vif %u ('%.60s'): %s", i, c->vif[i], why);
            return -EINVAL;
        }
    return 0;
}

int vif_attach(uint16_t dom, unsigned int devid, struct vif_spec *v)
{
    char d[8], n[8];
    char *argv[] = { "vif-attach", d, n, v->mac, v->bridge, NULL };
    int rc;

    vif_spec_default_mac(v, dom, devid);
    snprintf(d, sizeof(d), "%u", dom);
    snprintf(n, sizeof(n), "%u", devid);
    rc = run_hotplug(argv);
    if (rc) {
        fprintf(stderr, "pvctl: vif %u of domain %u (mac %s, bridge %s) not attached\n", devid, dom,
                v->mac, v->bridge);
        return -1;
    }
    return 0;
}

int vif_attach_config(const struct pv_config *c, uint16_t dom)
{
    struct vif_spec v;
    char why[200];

    for (unsigned int i = 0; i < c->nr_vif; i++) {
        if (vif_spec_parse(c->vif[i], &v, why, sizeof(why))) {
            fprintf(stderr, "pvctl: vif %u: %s\n", i, why);
            return -1;
        }
        if (vif_attach(dom, i, &v))
            return -1;
    }
    return 0;
}

int vif_emu_prepare(void)
{
    char *argv[] = { "modprobe", "tun", NULL };

    if (access("/dev/net/tun", F_OK) && run_hotplug(argv)) {
        fprintf(stderr, "pvctl: no /dev/net/tun and 'modprobe tun' failed: QEMU cannot make the NIC's tap\n");
        return -1;
    }
    return 0;
}

void vif_emu_tap_name(char *buf, size_t len, uint16_t dom, unsigned int devid)
{
    snprintf(buf, len, "vif%u.%u-emu", dom, devid);
}

int vif_emu_attach(uint16_t dom, unsigned int devid, const struct vif_spec *v)
{
    char tap[24], br[sizeof(v->bridge)];
    char *argv[] = { "vif-emu-up", tap, br, NULL };

    vif_emu_tap_name(tap, sizeof(tap), dom, devid);
    memcpy(br, v->bridge, sizeof(br));
    if (run_hotplug(argv)) {
        fprintf(stderr, "pvctl: the emulated NIC %u of domain %u (%s) is not on bridge %s\n", devid, dom,
                tap, v->bridge);
        return -1;
    }
    return 0;
}

int vif_detach(uint16_t dom, unsigned int devid)
{
    char d[8], n[8];
    char *argv[] = { "vif-detach", d, n, NULL };

    snprintf(d, sizeof(d), "%u", dom);
    snprintf(n, sizeof(n), "%u", devid);
    return run_hotplug(argv);
}

static int exists(struct xs_handle *xs, const char *path)
{
    unsigned int n;
    char *v = xs_read(xs, XBT_NULL, path, &n);

    free(v);
    return v != NULL;
}

unsigned int vif_free_devid(struct xs_handle *xs, uint16_t dom)
{
    char be[80], fe[80];

    for (unsigned int id = 0;; id++) {
        snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", dom, id);
        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", dom, id);
        if (!exists(xs, be) && !exists(xs, fe))
            return id;
    }
}

/* DIR/LEAF's value into buf, or "-". */
static const char *rd(struct xs_handle *xs, const char *dir, const char *leaf, char *buf, size_t len)
{
    char path[160], *v;
    unsigned int n;

    snprintf(path, sizeof(path), "%s/%s", dir, leaf);
    v = xs_read(xs, XBT_NULL, path, &n);
    snprintf(buf, len, "%s", v && *v ? v : "-");
    free(v);
    return buf;
}

static void list_one(struct xs_handle *xs, uint16_t dom, const char *id)
{
    char be[80], fe[80], mac[24], st[8], fst[8], ev[12], evr[12], tx[12], rx[12], br[20], hp[16];

    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%s", dom, id);
    rd(xs, be, "frontend", fe, sizeof(fe));
    /* One event channel, or netfront's split pair (feature-split-event-channels): "tx/rx". */
    if (!strcmp(rd(xs, fe, "event-channel", ev, sizeof(ev)), "-") &&
        strcmp(rd(xs, fe, "event-channel-tx", ev, 6), "-"))
        snprintf(ev + strlen(ev), sizeof(ev) - strlen(ev), "/%s", rd(xs, fe, "event-channel-rx", evr, 6));
    printf("%-4s %-3d %-18s %-7s %-6s %-6s %-7s %6s/%-6s %-8s %-10s %s\n", id, 0,
           rd(xs, be, "mac", mac, sizeof(mac)), id, rd(xs, be, "state", st, sizeof(st)),
           rd(xs, fe, "state", fst, sizeof(fst)), ev,
           rd(xs, fe, "tx-ring-ref", tx, sizeof(tx)), rd(xs, fe, "rx-ring-ref", rx, sizeof(rx)),
           rd(xs, be, "bridge", br, sizeof(br)), rd(xs, be, "hotplug-status", hp, sizeof(hp)), be);
}

int vif_list(struct xs_handle *xs, uint16_t dom, int header)
{
    char dir[64], **ids;
    unsigned int n;

    if (header)
        printf("%-4s %-3s %-18s %-7s %-6s %-6s %-7s %13s %-8s %-10s %s\n", "Idx", "BE", "Mac Addr.",
               "handle", "state", "fe-st", "evt-ch", "tx-/rx-ring", "bridge", "hotplug", "BE-path");
    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", dom);
    ids = xs_directory(xs, XBT_NULL, dir, &n);
    for (unsigned int i = 0; ids && i < n; i++)
        list_one(xs, dom, ids[i]);
    free(ids);
    return ids ? (int)n : 0;
}

void vif_remove_all(struct xs_handle *xs, uint16_t dom)
{
    char dir[64], path[128], **ids;
    unsigned int n;

    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", dom);
    ids = xs_directory(xs, XBT_NULL, dir, &n);
    for (unsigned int i = 0; ids && i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s/online", dir, ids[i]);
        xs_write(xs, XBT_NULL, path, "0", 1);
        snprintf(path, sizeof(path), "%s/%s/state", dir, ids[i]);
        xs_write(xs, XBT_NULL, path, "5", 1);
        snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%s", dom, ids[i]);
        xs_rm(xs, XBT_NULL, path);
    }
    free(ids);
    if (ids)
        xs_rm(xs, XBT_NULL, dir);
}
