/*
 * cmd_network.c: `pvctl network-attach`, `network-detach`, `network-list`
 * (xl's commands of the same names) over device_vif.c and the hotplug scripts.
 */
#include "pvctl.h"
#include "device_vif.h"
#include "names.h"

#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* The domain of argv[0], with a xenstored; 0, or 1 (printed). */
static int domain_with_xenstore(const char *what, const char *arg, domid_t *dom)
{
    if (pvctl_open_control() || pvctl_resolve(arg, dom))
        return 1;
    if (!names_xs()) {
        fprintf(stderr, "pvctl: %s: no xenstored is running: devices live in xenstore\n", what);
        return 1;
    }
    if (*dom == 0) {
        fprintf(stderr, "pvctl: %s: dom0 has its own network\n", what);
        return 1;
    }
    return 0;
}

int cmd_network_attach(int argc, char **argv)
{
    struct vif_spec v;
    char spec[256] = "", err[200];
    unsigned int devid;
    domid_t dom;

    if (argc < 1 || argv[0][0] == '-')
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strlen(spec) + strlen(argv[i]) + 2 > sizeof(spec)) {
            fprintf(stderr, "pvctl: network-attach: arguments too long\n");
            return 1;
        }
        strcat(strcat(spec, i > 1 ? "," : ""), argv[i]);
    }
    if (vif_spec_parse(spec, &v, err, sizeof(err))) {
        fprintf(stderr, "pvctl: network-attach: %s\n", err);
        return 1;
    }
    if (domain_with_xenstore("network-attach", argv[0], &dom))
        return 1;
    devid = vif_free_devid(names_xs(), dom);
    if (vif_attach(dom, devid, &v))
        return 1;
    printf("pvctl: vif %u of domain %u: mac %s on %s\n", devid, dom, v.mac, v.bridge);
    return 0;
}

/* DEVID, or the device whose backend's mac is ARG; -1 if none. */
static int devid_of(domid_t dom, const char *arg)
{
    char dir[64], path[128], **ids, *mac, *end;
    unsigned int n, len;
    unsigned long id = strtoul(arg, &end, 10);
    int found = -1;

    if (*arg && !*end)
        return id < 256 ? (int)id : -1;
    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", dom);
    ids = xs_directory(names_xs(), XBT_NULL, dir, &n);
    for (unsigned int i = 0; ids && i < n && found < 0; i++) {
        snprintf(path, sizeof(path), "%s/%s/mac", dir, ids[i]);
        mac = xs_read(names_xs(), XBT_NULL, path, &len);
        if (mac && !strcasecmp(mac, arg))
            found = atoi(ids[i]);
        free(mac);
    }
    free(ids);
    return found;
}

int cmd_network_detach(int argc, char **argv)
{
    domid_t dom;
    int id, rc;

    if (argc != 2 || argv[0][0] == '-')
        return 2;
    if (domain_with_xenstore("network-detach", argv[0], &dom))
        return 1;
    id = devid_of(dom, argv[1]);
    if (id < 0) {
        fprintf(stderr, "pvctl: network-detach: domain %u has no vif '%s'\n", dom, argv[1]);
        return 1;
    }
    rc = vif_detach(dom, (unsigned int)id);
    if (rc == 2)
        fprintf(stderr, "pvctl: network-detach: the guest did not close vif %d: removed anyway\n", id);
    return rc == 0 || rc == 2 ? 0 : 1;
}

int cmd_network_list(int argc, char **argv)
{
    domid_t dom;

    if (argc < 1 || argv[0][0] == '-')
        return 2;
    for (int i = 0; i < argc; i++) {
        if (domain_with_xenstore("network-list", argv[i], &dom))
            return 1;
        vif_list(names_xs(), dom, i == 0);
    }
    return 0;
}
