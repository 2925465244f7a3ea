/*
 * console_pty.c: `pvctl console` through pvconsoled's pty (console_pty.h).
 * The daemon keeps the pty's slave open in raw mode, so output waiting in
 * it (at most the pty's buffer, about 4 KiB) is seen on attach.
 */
#include "console_pty.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <xenstore.h>

int console_domain_running(domid_t dom)
{
    pv_dominfo_t info;

    return !ctl_getdomaininfo(dom, &info) && info.domain == dom &&
           !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

static int daemon_runs(void)
{
    char path[64], comm[32] = "";
    FILE *f = fopen(CONSOLED_PIDFILE, "r");
    int pid = -1;

    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if (pid <= 0 || !(f = fopen(path, "r")))
        return 0;
    if (!fgets(comm, sizeof(comm), f))
        comm[0] = 0;
    fclose(f);
    return !strncmp(comm, "pvconsoled", 10);
}

int console_daemon_tty(domid_t dom, char *path, size_t len)
{
    struct xs_handle *xs = names_xs();
    char node[64];

    if (!xs || !daemon_runs())
        return -ENOENT;
    snprintf(node, sizeof(node), "/local/domain/%u/console/tty", dom);
    for (int i = 0; i < 30; i++) {                  /* a domain just created: 3 s to attach */
        unsigned int n;
        char *v = xs_read(xs, XBT_NULL, node, &n);

        if (v && n && n < len) {
            memcpy(path, v, n);
            path[n] = 0;
            free(v);
            return 0;
        }
        free(v);
        usleep(100000);
    }
    fprintf(stderr, "pvctl: console: pvconsoled runs but gives domain %u no pty; serving the ring here\n", dom);
    return -ENOENT;
}

/* pty -> stdout; 0 nothing there, 1 moved, -1 the pty is gone. */
static int copy_out(int pty)
{
    char buf[4096];
    ssize_t n = read(pty, buf, sizeof(buf));

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    return write(1, buf, (size_t)n) < 0 ? -1 : 1;
}

/* stdin -> pty; 1 on the detach key, -1 at the end of input (output goes on), else 0. */
static int copy_in(int pty)
{
    char buf[64];
    ssize_t n = read(0, buf, sizeof(buf)), i;

    if (n <= 0)
        return -1;
    for (i = 0; i < n && buf[i] != CONSOLE_DETACH_KEY; i++)
        ;
    if (i && write(pty, buf, (size_t)i) < 0)
        return -1;
    return i < n ? 1 : 0;
}

static void relay(int pty, domid_t dom, int interactive)
{
    struct pollfd p[2] = { { .fd = pty, .events = POLLIN }, { .fd = 0, .events = POLLIN } };

    for (;;) {
        int n = poll(p, interactive ? 2 : 1, 200), in = 0;

        if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && copy_out(pty) < 0)
            return;
        if (interactive && n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            in = copy_in(pty);
        if (in > 0)
            return;                                  /* Ctrl-] */
        if (in < 0)
            interactive = 0;                         /* no more input: the output goes on */
        if (n == 0 && !console_domain_running(dom)) {
            while (copy_out(pty) > 0)                /* what the daemon passed on last */
                ;
            return;
        }
    }
}

void console_unpause(domid_t dom)
{
    int rc = ctl_simple(XEN_DOMCTL_unpausedomain, dom);

    if (rc)
        fprintf(stderr, "pvctl: console: unpause: %s\n", strerror(-rc));
}

int console_pty_attach(const char *tty, domid_t dom, int interactive, int unpause)
{
    struct termios saved, raw;
    int is_tty = interactive && isatty(0) && !tcgetattr(0, &saved);
    int pty = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);

    if (pty < 0) {
        fprintf(stderr, "pvctl: console: %s (pvconsoled's pty): %s\n", tty, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (unpause)
        console_unpause(dom);
    if (is_tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(0, TCSANOW, &raw);
        fprintf(stderr, "pvctl: attached to domain %u's console (%s); Ctrl-] detaches\r\n", dom, tty);
    }
    relay(pty, dom, interactive);
    if (is_tty)
        tcsetattr(0, TCSANOW, &saved);
    close(pty);
    return 0;
}
