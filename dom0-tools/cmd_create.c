/*
 * cmd_create.c: `pvctl create CFG [key=value...] [-p] [-c]`. Everything that can
 * be refused without a domain is checked first (the config, a duplicate
 * name, the kernel and ramdisk files, the memory); the builder destroys its
 * domain if a later step fails, so a refused create leaves nothing behind.
 */
#include "pvctl.h"
#include "console_pty.h"
#include "domain_start.h"
#include "config.h"
#include "kernel.h"
#include "names.h"
#include "device_vif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int read_config(struct pv_config *c, int argc, char **argv, int *paused, int *console)
{
    struct pvctl_buf f;
    char err[512], why[200], *text;
    int rc;

    config_init(c);
    rc = pvctl_read_file(argv[0], &f);
    if (rc) {
        fprintf(stderr, "pvctl: config %s: %s\n", argv[0], strerror(rc == -EINVAL ? ENODATA : -rc));
        return -1;
    }
    text = realloc(f.data, f.len + 1);
    if (!text) {
        free(f.data);
        return -1;
    }
    text[f.len] = 0;
    rc = config_parse(c, text, argv[0], err, sizeof(err));
    free(text);
    for (int i = 1; !rc && i < argc; i++) {
        if (!strcmp(argv[i], "-p"))
            *paused = 1;
        else if (!strcmp(argv[i], "-c"))
            *console = 1;
        else if (!strcmp(argv[i], "-v"))
            pvctl_verbose = 1;
        else
            rc = config_override(c, argv[i], err, sizeof(err));
    }
    if (!rc && (config_check(c, why, sizeof(why)) || vif_check_config(c, why, sizeof(why)))) {
        snprintf(err, sizeof(err), "%.200s: %s", argv[0], why);
        rc = -EINVAL;
    }
    if (rc)
        fprintf(stderr, "pvctl: config error: %s\n", err);
    return rc ? -1 : 0;
}

int cmd_create(int argc, char **argv)
{
    struct build_spec s = { 0 };
    struct xsd_domain xd = { 0 };
    struct pv_config c;
    int paused = 0, console = 0, rc = 1, mon = 0;
    double t0 = now_ms(), t_build;
    domid_t other;

    if (argc < 1 || argv[0][0] == '-')
        return 2;
    if (read_config(&c, argc, argv, &paused, &console))
        return 1;
    pvctl_step("config read");                       /* the first: where the times start */
    if (pvctl_open_control())
        return 1;
    pvctl_step("privcmd and xenstore opened");
    if (!pvctl_find_name(c.name, &other)) {
        fprintf(stderr, "pvctl: create: a domain named '%s' exists already (id %u)\n", c.name, other);
        return 1;
    }
    if (domain_images_load(&c, &s))
        goto out;
    pvctl_step("name checked, images loaded");
    xsd_uuid(&xd, s.handle);
    t_build = now_ms();
    if (domain_start(&c, &s, &xd, paused || console))   /* -c: unpaused once attached */
        goto out;
    t_build = now_ms() - t_build;
    domain_images_free(&s);                          /* a cheap fork; the monitor reads them again */
    /* The monitor waits for @releaseDomain, which xenstored fires for the domains it was
     * introduced to: an HVM guest has no xenstore page yet, so nothing applies its on_*. */
    if (names_have_xenstore() && !c.hvm)
        mon = monitor_start(&c, &s, &xd) > 0;
    pvctl_step("monitor forked");
    printf("pvctl: created domain '%s' (id %u)%s in %.1f ms (the builder's hypercalls %.1f ms)%s\n",
           c.name, xd.dom, paused ? ", paused" : "", now_ms() - t0, t_build,
           mon ? "; monitored" : c.hvm && names_have_xenstore() ? "; HVM: on_* not applied yet" : "");
    rc = 0;
    if (console) {                                   /* xl create -c: attach at once */
        rc = console_run(xd.dom, 0, !paused);
    }
out:
    domain_images_free(&s);
    return rc;
}
