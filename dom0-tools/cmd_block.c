/*
 * cmd_block.c: `pvctl block-attach DOM SPEC`, `block-detach DOM VDEV
 * [--force]`, `block-list DOM...`, as xl's (device_vbd.c does the work).
 */
#include "pvctl.h"
#include "config.h"
#include "device_vbd.h"
#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DETACH_TIMEOUT_S 30

static struct xs_handle *open_xs(const char *what)
{
    struct xs_handle *xs = names_xs();

    if (!xs)
        fprintf(stderr, "pvctl: %s: no xenstored is running (disks are served through xenstore)\n", what);
    return xs;
}

int cmd_block_attach(int argc, char **argv)
{
    struct cfg_disk d;
    struct xs_handle *xs;
    char why[300];
    domid_t dom;

    if (argc != 2 || argv[0][0] == '-')
        return 2;
    if (config_disk_parse(argv[1], &d, why, sizeof(why))) {
        fprintf(stderr, "pvctl: block-attach: '%s': %s\n", argv[1], why);
        return 1;
    }
    if (d.vdev[0] == 'h') {
        fprintf(stderr, "pvctl: block-attach: '%s': hda..hdd are an HVM guest's IDE disks, given at create\n", argv[1]);
        return 1;
    }
    if (pvctl_open_control() || pvctl_resolve(argv[0], &dom) || !(xs = open_xs("block-attach")))
        return 1;
    if (dom == 0) {
        fprintf(stderr, "pvctl: block-attach: dom0 serves disks, it gets none\n");
        return 1;
    }
    return vbd_attach(xs, dom, &d) ? 1 : 0;
}

/* xvdX, or the device number as block-list prints it. */
static int vdev_number(const char *arg, unsigned int *devid)
{
    struct cfg_disk d;
    char spec[64], why[128], *end;
    unsigned long n = strtoul(arg, &end, 10);

    if (*arg && !*end && n < 0x10000000) {
        *devid = (unsigned int)n;
        return 0;
    }
    snprintf(spec, sizeof(spec), "/,,%.40s", arg);
    if (config_disk_parse(spec, &d, why, sizeof(why))) {
        fprintf(stderr, "pvctl: block-detach: '%s': a vdev is xvda..xvdp or its number\n", arg);
        return -1;
    }
    *devid = d.devid;
    return 0;
}

int cmd_block_detach(int argc, char **argv)
{
    struct xs_handle *xs;
    unsigned int devid;
    int force = 0, rc;
    domid_t dom;

    if (argc == 3 && !strcmp(argv[2], "--force"))
        force = 1, argc--;
    else if (argc == 3 && !strcmp(argv[0], "--force"))
        force = 1, argc--, argv++;
    if (argc != 2 || argv[0][0] == '-')
        return 2;
    if (vdev_number(argv[1], &devid) || pvctl_open_control() || pvctl_resolve(argv[0], &dom) ||
        !(xs = open_xs("block-detach")))
        return 1;
    rc = vbd_detach(xs, dom, devid, force, DETACH_TIMEOUT_S);
    if (rc == -ETIMEDOUT && !force) {
        fprintf(stderr, "pvctl: block-detach: %s of %s did not close within %d s (still in use in the "
                "guest?): removed anyway\n", argv[1], argv[0], DETACH_TIMEOUT_S);
        return 1;
    }
    return rc == -ENOENT ? 1 : 0;
}

int cmd_block_list(int argc, char **argv)
{
    struct xs_handle *xs;
    domid_t dom;

    if (argc < 1 || argv[0][0] == '-')
        return 2;
    if (pvctl_open_control() || !(xs = open_xs("block-list")))
        return 1;
    for (int i = 0; i < argc; i++) {
        if (pvctl_resolve(argv[i], &dom))
            return 1;
        vbd_list(xs, dom, i == 0, stdout);
    }
    return 0;
}
