/* cmd_domain.c: pause, unpause, destroy, shutdown and reboot of one domain. */
#include "pvctl.h"
#include "device_model.h"
#include "domain_start.h"
#include "names.h"
#include "device_vbd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>
#include <xenstore.h>

#define MONITOR_STOP_MS 30000   /* a monitor still restarting its domain: at most this */

static int one_domain(int argc, char **argv, domid_t *dom)
{
    if (argc != 1 || argv[0][0] == '-')
        return 2;
    if (pvctl_open_control() || pvctl_resolve(argv[0], dom))
        return 1;
    return 0;
}

static int simple(int argc, char **argv, uint32_t cmd, const char *what)
{
    domid_t dom;
    int rc = one_domain(argc, argv, &dom);

    if (rc)
        return rc;
    rc = ctl_simple(cmd, dom);
    if (rc) {
        fprintf(stderr, "pvctl: %s %s: %s\n", what, argv[0],
                rc == -EINVAL && cmd == XEN_DOMCTL_unpausedomain ? "it is not paused" : strerror(-rc));
        return 1;
    }
    return 0;
}

int cmd_pause(int argc, char **argv)
{
    return simple(argc, argv, XEN_DOMCTL_pausedomain, "pause");
}

int cmd_unpause(int argc, char **argv)
{
    return simple(argc, argv, XEN_DOMCTL_unpausedomain, "unpause");
}

/*
 * The lifecycle monitor of a name (monitor.c) is stopped before its domain
 * is destroyed, so that it neither restarts nor races the destroy. It
 * finishes an action in progress first (it ends on SIGTERM only between
 * events). It is not our child: its pidfd, opened before the signal so the
 * pid cannot be reused meanwhile, becomes readable when it ends, which
 * costs no polling interval (a 100 ms sleep was most of a small guest's
 * destroy). Without pidfds (ENOSYS), kill(pid, 0) every 5 ms.
 */
static void stop_monitor(const char *name)
{
    int pid = monitor_pid(name), fd;
    struct pollfd p;

    if (pid <= 0)
        return;
    fd = pidfd_open(pid, 0);
    if (kill(pid, SIGTERM)) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fd >= 0) {
        p = (struct pollfd){ .fd = fd, .events = POLLIN };
        while (poll(&p, 1, MONITOR_STOP_MS) < 0 && errno == EINTR)
            ;
        close(fd);
        return;
    }
    for (int i = 0; i < MONITOR_STOP_MS / 5 && !kill(pid, 0); i++)
        usleep(5000);
}

int cmd_destroy(int argc, char **argv)
{
    char name[64];
    domid_t dom;
    int rc;

    if (argc == 1 && (!strcmp(argv[0], "0") || !strcmp(argv[0], "Domain-0"))) {
        fprintf(stderr, "pvctl: destroy: dom0 cannot destroy itself\n");
        return 1;
    }
    if (argc != 1 || argv[0][0] == '-')
        return 2;
    if (pvctl_open_control())
        return 1;
    stop_monitor(argv[0]);               /* by name: it may be between two incarnations */
    if (pvctl_resolve(argv[0], &dom))
        return 1;
    pvctl_name_of(dom, name, sizeof(name));
    if (strcmp(name, "(null)") && strcmp(name, argv[0])) {   /* named by its id */
        stop_monitor(name);
        if (pvctl_find_name(name, &dom)) {
            fprintf(stderr, "pvctl: destroy %s: it is gone\n", argv[0]);
            return 0;
        }
    }
    dm_stop(dom);                                    /* an HVM guest's QEMU, first: it maps its memory */
    rc = ctl_simple(XEN_DOMCTL_destroydomain, dom);
    if (rc) {
        fprintf(stderr, "pvctl: destroy %s: %s\n", argv[0], strerror(-rc));
        return 1;
    }
    vbd_release_all(names_xs(), dom);                /* its disks: nodes and loop devices */
    names_remove(dom);
    return 0;
}

/* 1 once the domain is shut down, dying or gone. */
static int is_down(domid_t dom)
{
    pv_dominfo_t info;

    return ctl_getdomaininfo(dom, &info) || info.domain != dom ||
           (info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

/* shutdown -w: waits on @releaseDomain (fired at every VIRQ_DOM_EXC) until the domain is down. */
static int wait_down(domid_t dom)
{
    struct xs_handle *xs = names_xs();
    unsigned int n;
    char **w;

    if (!xs_watch(xs, "@releaseDomain", "pvctl-w"))
        return -errno;
    while ((w = xs_read_watch(xs, &n))) {
        free(w);
        if (is_down(dom))
            return 0;
    }
    return -EIO;
}

static int ask(int argc, char **argv, const char *how, const char *what)
{
    int wait = 0, rc;
    domid_t dom;

    if (argc == 2 && !strcmp(argv[1], "-R")) {
        how = "reboot";
        argc--;
    }
    if (argc == 2 && !strcmp(argv[0], "-w")) {
        wait = 1;
        argc--, argv++;
    } else if (argc == 2 && !strcmp(argv[1], "-w")) {
        wait = 1;
        argc--;
    }
    if ((rc = one_domain(argc, argv, &dom)))
        return rc;
    rc = names_control_shutdown(dom, how);
    if (rc == -ENOTCONN) {
        fprintf(stderr, "pvctl: %s: no xenstored is running: a guest is asked to shut down "
                "through xenstore (use destroy)\n", what);
        return 1;
    }
    if (!rc && wait)
        rc = wait_down(dom);
    if (rc) {
        fprintf(stderr, "pvctl: %s %s: %s\n", what, argv[0], strerror(-rc));
        return 1;
    }
    return 0;
}

int cmd_shutdown(int argc, char **argv)
{
    return ask(argc, argv, "poweroff", "shutdown");
}

int cmd_reboot(int argc, char **argv)
{
    return ask(argc, argv, "reboot", "reboot");
}
