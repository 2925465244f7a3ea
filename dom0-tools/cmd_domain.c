/* cmd_domain.c: pause, unpause, destroy and shutdown of one domain. */
#include "pvctl.h"
#include "names.h"

#include <errno.h>
#include <string.h>

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
    if (cmd == XEN_DOMCTL_destroydomain)
        names_remove(dom);
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

int cmd_destroy(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "0") || !strcmp(argv[0], "Domain-0"))) {
        fprintf(stderr, "pvctl: destroy: dom0 cannot destroy itself\n");
        return 1;
    }
    return simple(argc, argv, XEN_DOMCTL_destroydomain, "destroy");
}

int cmd_shutdown(int argc, char **argv)
{
    const char *how = "poweroff";
    domid_t dom;
    int rc;

    if (argc == 2 && !strcmp(argv[1], "-R")) {
        how = "reboot";
        argc--;
    }
    if ((rc = one_domain(argc, argv, &dom)))
        return rc;
    rc = names_control_shutdown(dom, how);
    if (rc == -ENOTCONN) {
        fprintf(stderr, "pvctl: shutdown: no xenstored is running: a guest is asked to shut down "
                "through xenstore (use destroy)\n");
        return 1;
    }
    if (rc) {
        fprintf(stderr, "pvctl: shutdown %s: %s\n", argv[0], strerror(-rc));
        return 1;
    }
    return 0;
}
