/*
 * consoled.c: pvconsoled, the console daemon (consoled.h), started in dom0
 * at boot beside xenstored (tests/linux/dom0-xenstored.sh), as Xen's
 * xenconsoled. Options:
 *   -d DIR    the guests' logs (default /var/log/pvctl): guest-NAME.log
 *   -t        a timestamp in front of every line (off by default, as xenconsoled's)
 *   -s BYTES  a log's size cap (default 16 MiB; 0: none)
 *   -r BYTES  a guest's output allowance per 100 ms (default 256 KiB; 0: none)
 *   -p FILE   the pidfile (default /run/pvconsoled.pid)
 *   -L FILE   the daemon's own log (default /var/log/pvctl/pvconsoled.log)
 *   -F        stay in the foreground
 * It needs dom0's xenstored (its Unix socket), privcmd and /dev/xen/evtchn.
 * SIGTERM lets every ring go and removes the console/tty nodes.
 */
#include "consoled.h"
#include "console_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define MAX_POLL 66                 /* xenstore, the event channels, 64 domains */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

void consoled_say(const char *fmt, ...)
{
    struct timespec t;
    va_list ap;

    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "[%ld.%03ld] ", (long)t.tv_sec, t.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

long consoled_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static int open_all(struct consoled *d)
{
    if (getenv("XENSTORED_PATH") == NULL)
        setenv("XENSTORED_PATH", "/var/run/xenstored/socket", 1);   /* the socket, never xenbus */
    if (ctl_open()) {
        consoled_say("cannot open privcmd: pvconsoled runs in dom0");
        return -1;
    }
    d->xs = xs_open(0);
    d->xe = xenevtchn_open(NULL, 0);
    d->fm = xenforeignmemory_open(NULL, 0);
    if (!d->xs || !d->xe || !d->fm) {
        consoled_say("cannot open %s: %s", !d->xs ? "xenstored's socket" : !d->xe ? "/dev/xen/evtchn" : "privcmd",
                     strerror(errno));
        return -1;
    }
    if (!xs_watch(d->xs, "@introduceDomain", "intro") || !xs_watch(d->xs, "@releaseDomain", "release")) {
        consoled_say("cannot watch @introduceDomain/@releaseDomain: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void on_event(struct consoled *d)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(d->xe);
    struct cdom *c;

    if (port < 0)
        return;
    c = consoled_by_port(d, port);
    if (c) {
        consoled_charge_event(d, c);
        consoled_service(d, c);
    }
    if (!c || !c->throttled)
        xenevtchn_unmask(d->xe, (evtchn_port_t)port);
}

static void on_watch(struct consoled *d)
{
    char **w;
    int any = 0;

    while ((w = xs_check_watch(d->xs))) {
        free(w);
        any = 1;
    }
    if (any)
        consoled_scan(d);
}

/* The pollfds: xenstore's watches, the event channels, each pty whose guest has room for input. */
static int fill(struct consoled *d, struct pollfd *p, struct cdom **who)
{
    int n = 0;

    p[n].fd = xs_fileno(d->xs); p[n++].events = POLLIN;
    p[n].fd = xenevtchn_fd(d->xe); p[n++].events = POLLIN;
    for (struct cdom *c = d->doms; c && n < MAX_POLL; c = c->next)
        if (c->ring && c->master >= 0) {
            who[n] = c;
            p[n].fd = c->master;
            p[n++].events = POLLIN;
        }
    return n;
}

static void loop(struct consoled *d)
{
    long window = consoled_now_ms(), scanned = window;

    consoled_scan(d);
    while (!stop) {
        struct pollfd p[MAX_POLL];
        struct cdom *who[MAX_POLL];
        int n = fill(d, p, who), r = poll(p, (nfds_t)n, RATE_WINDOW_MS);
        long now = consoled_now_ms();

        if (r > 0 && (p[1].revents & POLLIN))
            on_event(d);
        if (r > 0 && (p[0].revents & POLLIN))
            on_watch(d);
        for (int i = 2; r > 0 && i < n; i++)
            if (p[i].revents & POLLIN)
                consoled_service(d, who[i]);
        if (now - window >= RATE_WINDOW_MS) {
            window = now;
            consoled_new_window(d);
            for (struct cdom *c = d->doms; c; c = c->next)   /* output that came with no event */
                consoled_service(d, c);
        }
        consoled_reap_ptys(now, 0);
        if (now - scanned >= 1000) {
            scanned = now;
            consoled_scan(d);
        }
    }
}

static void daemonize(const char *own_log)
{
    int fd;

    if (fork())
        _exit(0);
    setsid();
    fd = open(own_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    dup2(fd, 0);
    close(fd);
}

static int parse(int argc, char **argv, struct consoled *d, const char **pidfile, const char **own_log, int *fg)
{
    int opt;

    while ((opt = getopt(argc, argv, "d:ts:r:p:L:F")) != -1) {
        switch (opt) {
        case 'd': d->o.log_dir = optarg; break;
        case 't': d->o.timestamps = 1; break;
        case 's': d->o.log_max = strtoul(optarg, NULL, 0); break;
        case 'r': d->o.rate_bytes = strtoul(optarg, NULL, 0); break;
        case 'p': *pidfile = optarg; break;
        case 'L': *own_log = optarg; break;
        case 'F': *fg = 1; break;
        default:
            fprintf(stderr, "usage: pvconsoled [-d LOGDIR] [-t] [-s LOGMAX] [-r BYTES_PER_100MS] "
                            "[-p PIDFILE] [-L OWNLOG] [-F]\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct consoled d = { .o = { "/var/log/pvctl", 0, 16u << 20, 256u << 10 } };
    const char *pidfile = CONSOLED_PIDFILE, *own_log = "/var/log/pvctl/pvconsoled.log";
    int fg = 0;
    FILE *f;

    if (parse(argc, argv, &d, &pidfile, &own_log, &fg))
        return 2;
    mkdir("/run", 0755);
    mkdir("/var/log", 0755);
    mkdir(d.o.log_dir, 0755);
    if (!fg)
        daemonize(own_log);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (open_all(&d))
        return 1;
    if ((f = fopen(pidfile, "w"))) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    consoled_say("pvconsoled: serving consoles, logs in %s (timestamps %s, cap %zu, rate %zu B/100 ms)",
                 d.o.log_dir, d.o.timestamps ? "on" : "off", d.o.log_max, d.o.rate_bytes);
    loop(&d);
    consoled_detach_all(&d);
    consoled_reap_ptys(0, 1);
    unlink(pidfile);
    consoled_say("pvconsoled: stopped");
    return 0;
}
