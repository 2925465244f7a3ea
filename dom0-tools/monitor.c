/*
 * monitor.c: the lifecycle monitor (domain_start.h), as xl's: `pvctl
 * create` forks one background process per domain. It watches
 * @releaseDomain (xenstored fires it when the hypervisor's VIRQ_DOM_EXC
 * says a domain shut down or died) and, when its domain has shut down,
 * applies the config's action for the reason: destroy (also
 * coredump-destroy: no core is dumped), restart (also rename-restart,
 * coredump-restart: the domain is destroyed and rebuilt from the kernel
 * and initrd kept in memory, with the same name and uuid), preserve (the
 * domain stays, shut down, and the monitor ends). It ends when its domain
 * is gone, or at SIGTERM between two events (`pvctl destroy` stops it
 * first: /run/pvctl/monitor/NAME.pid). Its lines go to
 * /var/log/pvctl/NAME.log.
 *
 * The restart rate limit: a domain that shuts down less than
 * RESTART_QUICK_SECS after it was started counts as a quick restart; after
 * RESTART_MAX_QUICK quick ones in a row it is not restarted again but
 * destroyed, with a line saying so (a domain that ran longer starts the
 * count again). So a guest that reboots at once is rebuilt 5 times, not for
 * ever.
 */
#include "domain_start.h"
#include "pvctl.h"
#include "names.h"
#include "device_vbd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xen/sched.h>

#define MON_DIR "/run/pvctl/monitor"

#define RESTART_QUICK_SECS 10
#define RESTART_MAX_QUICK 5

static char pidfile[128];
static struct timespec started;          /* the domain's last start */
static unsigned int quick_restarts;      /* in a row */
static volatile sig_atomic_t busy, stop;

/* SIGTERM: at once while waiting; after the event in progress otherwise. */
static void on_term(int sig)
{
    (void)sig;
    if (!busy) {
        unlink(pidfile);
        _exit(0);
    }
    stop = 1;
}

int monitor_pid(const char *name)
{
    char path[128];
    FILE *f;
    int pid = -1;

    char comm[32] = "";

    snprintf(path, sizeof(path), MON_DIR "/%s.pid", name);
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);   /* a stale file: never another process */
    if (pid > 0 && (f = fopen(path, "r"))) {
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = 0;
        fclose(f);
    }
    return pid > 0 && !strncmp(comm, "pvctl", 5) ? pid : -1;
}

static void write_pidfile(const char *name)
{
    FILE *f;

    mkdir("/run", 0755);
    mkdir("/run/pvctl", 0755);
    mkdir(MON_DIR, 0755);
    snprintf(pidfile, sizeof(pidfile), MON_DIR "/%s.pid", name);
    if ((f = fopen(pidfile, "w"))) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

static void say(const char *fmt, const char *a, unsigned int n, const char *b)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    printf("[%ld.%03ld] ", (long)t.tv_sec, t.tv_nsec / 1000000);
    printf(fmt, a, n, b);
    putchar('\n');
    fflush(stdout);
}

static enum cfg_action action_for(const struct pv_config *c, unsigned int reason, int *act)
{
    *act = 1;
    switch (reason) {
    case SHUTDOWN_poweroff: return c->on_poweroff;
    case SHUTDOWN_reboot:   return c->on_reboot;
    case SHUTDOWN_crash:
    case SHUTDOWN_watchdog: return c->on_crash;
    default:                *act = 0; return ACT_PRESERVE;   /* suspend: a resume may follow */
    }
}

static const char *const reasons[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };

/* Whether the rate limit still allows a restart (counts this one). */
static int restart_allowed(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - started.tv_sec < RESTART_QUICK_SECS)
        quick_restarts++;
    else
        quick_restarts = 0;
    return quick_restarts <= RESTART_MAX_QUICK;
}

/* One @releaseDomain event: 1 to go on watching, 0 to end. */
static int on_event(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd)
{
    pv_dominfo_t info;
    unsigned int reason;
    enum cfg_action a;
    int act, started_ok;

    /* The handle (uuid) tells our domain from a later one that got its id. */
    if (ctl_getdomaininfo(xd->dom, &info) || info.domain != xd->dom || (info.flags & XEN_DOMINF_dying) ||
        memcmp(info.handle, s->handle, sizeof(s->handle))) {
        say("%s (id %u) is gone%s", c->name, xd->dom, "");
        /* Destroyed behind our back: its disks go (not those of a later domain with its id). */
        if (ctl_getdomaininfo(xd->dom, &info) || info.domain != xd->dom ||
            !memcmp(info.handle, s->handle, sizeof(s->handle)))
            vbd_release_all(names_xs(), xd->dom);
        return 0;
    }
    if (!(info.flags & XEN_DOMINF_shutdown))
        return 1;
    reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    a = action_for(c, reason, &act);
    if (!act)
        return 1;
    say("%s (id %u) shut down: %s", c->name, xd->dom, reason < 6 ? reasons[reason] : "?");
    say("%s (id %u): action %s", c->name, xd->dom, config_action_name(a));
    if (a == ACT_PRESERVE)
        return 0;
    domain_destroy(xd->dom);
    if (a == ACT_DESTROY || a == ACT_COREDUMP_DESTROY || a == ACT_SOFT_RESET)
        return 0;
    if (!restart_allowed()) {
        char why[128];

        snprintf(why, sizeof(why), ": it shut down within %d s of its start %u times in a row "
                 "(restart rate limit); destroyed", RESTART_QUICK_SECS, quick_restarts);
        say("%s (id %u) not restarted%s", c->name, xd->dom, why);
        return 0;
    }
    if (domain_images_load(c, s)) {
        say("%s (id %u) not restarted%s", c->name, xd->dom, ": its kernel or ramdisk cannot be read");
        return 0;
    }
    started_ok = !domain_start(c, s, xd, 0);
    domain_images_free(s);
    if (!started_ok)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &started);
    say("%s restarted as id %u%s", c->name, xd->dom, "");
    return 1;
}

static void run(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd)
{
    struct xs_handle *xs;
    unsigned int n;
    char **w;

    names_close();                                   /* our own connections, not the parent's */
    ctl_close();
    if (ctl_open() || (names_open(), !(xs = names_xs())) || !xs_watch(xs, "@releaseDomain", "pvctl")) {
        say("%s (id %u): cannot watch @releaseDomain%s", c->name, xd->dom, "");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &started);
    say("monitoring %s (id %u)%s", c->name, xd->dom, "");
    while ((w = xs_read_watch(xs, &n))) {            /* the first fires at once */
        int go_on;

        free(w);
        busy = 1;
        go_on = on_event(c, s, xd);
        busy = 0;
        if (!go_on || stop)
            break;
    }
}

int monitor_start(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd)
{
    char log[128];
    pid_t pid;
    int fd;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "pvctl: create: warning: no monitor (fork: %s): on_* not honoured\n", strerror(errno));
        return -1;
    }
    if (pid)
        return pid;
    setsid();
    mkdir("/var/log", 0755);
    mkdir("/var/log/pvctl", 0755);
    snprintf(log, sizeof(log), "/var/log/pvctl/%s.log", c->name);
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    fd = open("/dev/null", O_RDONLY);
    dup2(fd, 0);
    close(fd);
    write_pidfile(c->name);
    pvctl_verbose = 0;                               /* create -v's steps are create's, not a restart's */
    signal(SIGTERM, on_term);
    signal(SIGHUP, SIG_IGN);
    run(c, s, xd);
    unlink(pidfile);
    _exit(0);
}
