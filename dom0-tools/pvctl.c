/*
 * pvctl: the toolstack in dom0, `xl`-like. This file dispatches the
 * commands (cmd_*.c) and holds what they share: opening the control
 * interface and naming domains.
 */
#include "pvctl.h"
#include "names.h"
#include "cmd_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int pvctl_verbose;

void pvctl_step(const char *what)
{
    static double last;
    struct timespec t;
    double now;

    if (!pvctl_verbose)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t);
    now = t.tv_sec * 1e3 + t.tv_nsec / 1e6;
    if (last)
        printf("pvctl: step %-34s %8.1f ms\n", what, now - last);
    last = now;
}

static const struct pvctl_cmd commands[] = {
    { "create", "CFG [key=value...] [-p] [-c] [-v]", "build a PV or HVM domain from an xl-style config and start it",
      cmd_create,
      "  -p           leave the new domain paused\n"
      "  -c           attach to its console at once (pvctl console; Ctrl-] detaches)\n"
      "  -v           print each step of the create with its time\n"
      "  key=value    overrides a config key (memory=64, name=g2, extra=\"quiet\" ...)\n"
      "Config keys: name, kernel, ramdisk, cmdline, extra, memory (MiB), vcpus,\n"
      "on_poweroff, on_reboot, on_crash, type (\"pv\" or \"hvm\"), firmware (type=\"hvm\":\n"
      "an ELF32 image started in flat 32-bit mode), disk (see block-attach),\n"
      "vif = [ 'mac=00:16:3e:xx:xx:xx,bridge=pvbr0', ... ] (see network-attach; default MAC\n"
      "from the domain id, default bridge pvbr0). The disks and vifs are attached before\n"
      "the domain is unpaused; one that cannot be destroys the domain.\n"
      "With a xenstored, a background monitor per domain applies on_poweroff,\n"
      "on_reboot and on_crash (log: /var/log/pvctl/NAME.log).\n" },
    { "list", "[--json] [DOM...]", "list domains: Name ID Mem VCPUs State Time(s)", cmd_list,
      "State: r running, b blocked, p paused, s shut down, c crashed, d dying.\n" },
    { "info", "[--json]", "the host: CPUs, memory, free memory (physinfo), version", cmd_info, NULL },
    { "pause", "DOM", "pause a domain (its vCPUs stop running)", cmd_pause, NULL },
    { "unpause", "DOM", "unpause a domain", cmd_unpause, NULL },
    { "destroy", "DOM", "destroy a domain at once, giving back all its memory", cmd_destroy, NULL },
    { "shutdown", "[-w] DOM [-R]", "ask a domain to power off (-R: reboot) through xenstore", cmd_shutdown,
      "Writes control/shutdown in the domain's xenstore directory, as xl does; a guest\n"
      "without xenbus does not hear it, and without a xenstored it cannot be asked.\n"
      "  -w   wait until the domain has shut down or is gone (@releaseDomain)\n" },
    { "reboot", "[-w] DOM", "ask a domain to reboot through xenstore", cmd_reboot,
      "Writes \"reboot\" to control/shutdown; the domain's on_reboot then applies\n"
      "(restart: pvctl's monitor rebuilds it). -w: wait until it has shut down.\n" },
    { "top", "[-b] [-n N] [-d SECS]", "domains' CPU% and memory, refreshed every second", cmd_top,
      "  -b   batch mode: no screen clearing, one frame after another\n"
      "  -n   end after N frames\n"
      "  -d   seconds between frames (default 1)\n" },
    { "console", "[-l] DOM", "attach to a domain's PV console ring (Ctrl-] detaches)", cmd_console,
      "  -l   log: copy the guest's output to stdout, read no input, and end when the\n"
      "       domain has shut down or is gone\n" },
    { "dmesg", "[-c]", "the hypervisor's console history (-c: clear it after reading)", cmd_dmesg,
      NULL },
    { "debug-keys", "KEYS", "have the hypervisor run debug keys (output: pvctl dmesg)", cmd_debug_keys,
      "As xl debug-keys. Ours: h lists the keys; q prints each domain's counters (each vCPU's\n"
      "hypercalls by name, grant ops, event sends, an HVM vCPU's exits; events raised on the\n"
      "domain's ports), counted since the domain was created. The real Xen has its own keys.\n" },
    /* --- block devices (cmd_block.c, device_vbd.c; docs/io.md) --- */
    { "block-attach", "DOM SPEC", "give a domain a disk served by dom0's xen-blkback", cmd_block_attach,
      "SPEC is a disk= entry (xl-disk-configuration): 'file:/img,xvdb,w', 'phy:/dev/sdb1,xvdb,r',\n"
      "'/img,raw,xvdb,ro' or 'format=raw, vdev=xvdb, access=rw, target=/img'. Format raw;\n"
      "vdev xvda..xvdp; access r/ro or w/rw (default rw). A file goes through a loop device\n"
      "(read-only for r). Refused: an image attached anywhere if either attachment writes.\n" },
    { "block-detach", "DOM VDEV [--force]", "remove a domain's disk (VDEV: xvdb or its number)",
      cmd_block_detach,
      "The back end goes to Closing; once the guest has closed the disk (Closed), its\n"
      "nodes go and its loop device is freed. A guest that does not close it within 30 s:\n"
      "removed anyway, exit 1. --force: removed at once, without asking the guest.\n" },
    { "block-list", "DOM...", "a domain's disks: Vdev BE handle state evt-ch ring-ref BE-path",
      cmd_block_list, "state, evt-ch and ring-ref are the front end's (-1: not written yet).\n" },
    /* --- end of block devices --- */
    { "kernel-extract", "IMAGE OUT.elf", "unpack a bzImage (xz) or copy an ELF kernel",
      cmd_kernel_extract, NULL },
    { "kernel-info", "IMAGE", "list the Xen ELF notes of a kernel image", cmd_kernel_info, NULL },
    PVCTL_SCHED_COMMANDS,
    /* --- virtual network interfaces (cmd_network.c, docs/io.md "Networks") --- */
    { "network-attach", "DOM [mac=MAC] [bridge=BR]", "give a domain a new vif on a bridge in dom0",
      cmd_network_attach,
      "Runs dom0-tools/hotplug/vif-attach (on PATH): xenstore nodes for xen-netback and\n"
      "xen-netfront, then netback's vifDOM.N on the bridge (default pvbr0, made by\n"
      "net-bridge-up). N is the lowest free device number; the default MAC is\n"
      "00:16:3e:DH:DL:NN from the domain id and N.\n" },
    { "network-detach", "DOM DEVID|MAC", "remove a domain's vif", cmd_network_detach,
      "Runs vif-detach: the backend closes, the guest's netfront follows, the nodes go;\n"
      "a guest that does not answer within 30 s has its vif removed anyway.\n" },
    { "network-list", "DOM...", "a domain's vifs: MAC, states, event channel, rings, bridge",
      cmd_network_list, NULL },
    /* --- end of virtual network interfaces --- */
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int pvctl_open_control(void)
{
    int rc = ctl_open();

    if (rc) {
        fprintf(stderr, "pvctl: cannot open /dev/xen/privcmd (%s): pvctl runs in dom0 with "
                "xen-privcmd loaded\n", strerror(-rc));
        return -1;
    }
    names_open();
    return 0;
}

void pvctl_name_of(domid_t dom, char *buf, size_t len)
{
    if (dom == 0)
        snprintf(buf, len, "Domain-0");
    else if (names_get(dom, buf, len))
        snprintf(buf, len, "(null)");
}

int pvctl_find_name(const char *name, domid_t *dom)
{
    pv_dominfo_t info;
    char n[64];

    for (unsigned int id = 0; !ctl_getdomaininfo((domid_t)id, &info); id = info.domain + 1u) {
        pvctl_name_of(info.domain, n, sizeof(n));
        if (!strcmp(n, name)) {
            *dom = info.domain;
            return 0;
        }
    }
    return -ENOENT;
}

int pvctl_resolve(const char *arg, domid_t *dom)
{
    char *end;
    unsigned long id = strtoul(arg, &end, 10);
    pv_dominfo_t info;

    if (*arg && !*end) {
        if (id < DOMID_FIRST_RESERVED && !ctl_getdomaininfo((domid_t)id, &info) && info.domain == id) {
            *dom = (domid_t)id;
            return 0;
        }
    } else if (!pvctl_find_name(arg, dom)) {
        return 0;
    }
    fprintf(stderr, "pvctl: no domain '%s'\n", arg);
    return -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pvctl COMMAND [ARGS]   (pvctl COMMAND --help for one command)\n\ncommands:\n");
    for (size_t i = 0; i < NR_COMMANDS; i++)
        fprintf(f, "  %-15s %-26s %s\n", commands[i].name, commands[i].args, commands[i].help);
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int run(const struct pvctl_cmd *c, int argc, char **argv)
{
    int rc;

    if (wants_help(argc, argv)) {
        printf("usage: pvctl %s %s\n%s.\n%s", c->name, c->args, c->help, c->details ? c->details : "");
        return 0;
    }
    rc = c->run(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: pvctl %s %s\n", c->name, c->args);
    names_close();
    ctl_close();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < NR_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return run(&commands[i], argc - 2, argv + 2);
    fprintf(stderr, "pvctl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
