/*
 * cmd_console.c: `pvctl console [-l] DOM`, the back end of a domain's PV
 * console ring (xen/io/console.h), in dom0's user space as xenconsoled is.
 * The ring page and its port are the ones the builder put in start_info
 * (recorded with the name, names.h). The page is mapped with
 * xenforeignmemory, the guest's unbound port bound with libxenevtchn; what
 * the guest writes goes to stdout, what is typed goes into the `in` ring.
 * Ctrl-] detaches. With -l (logging) stdin is not read, and the command
 * ends when the domain has shut down or is gone. Ring indices come from
 * the guest: every access is masked and one pass moves at most a ring
 * (console_ring.c). When the console daemon (pvconsoled) serves the domain,
 * it holds the ring and its port, and this command goes through the pty the
 * daemon created (console/tty in xenstore, console_pty.c) instead.
 */
#include "pvctl.h"
#include "names.h"
#include "console_ring.h"
#include "console_hvm.h"
#include "console_pty.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>

#define DETACH_KEY CONSOLE_DETACH_KEY

struct console {
    domid_t dom;
    struct xencons_interface *ring;
    xenevtchn_handle *xe;
    evtchn_port_t local;
};

/* Guest output to stdout; whether anything moved. */
static int drain_out(struct console *c)
{
    char buf[sizeof(c->ring->out)];
    int malformed = 0;
    size_t n = cring_read_out(c->ring, buf, sizeof(buf), &malformed);

    if (!n)
        return 0;
    if (write(1, buf, n) < 0)
        return -1;
    xenevtchn_notify(c->xe, c->local);
    return 1;
}

/* Typed input into the guest's `in` ring; 1 on the detach key, -1 at the end of input, else 0. */
static int feed_in(struct console *c)
{
    char buf[64];
    ssize_t n = read(0, buf, sizeof(buf)), i;

    if (n <= 0)
        return -1;
    for (i = 0; i < n && buf[i] != DETACH_KEY; i++)
        ;
    cring_write_in(c->ring, buf, (size_t)i);        /* what does not fit is dropped */
    xenevtchn_notify(c->xe, c->local);
    return i < n ? 1 : 0;
}

static void serve(struct console *c, int interactive)
{
    struct pollfd p[2] = { { .fd = xenevtchn_fd(c->xe), .events = POLLIN },
                           { .fd = 0, .events = POLLIN } };

    for (;;) {
        int n = poll(p, interactive ? 2 : 1, 200), in = 0;
        xenevtchn_port_or_error_t port;

        if (n > 0 && (p[0].revents & POLLIN) && (port = xenevtchn_pending(c->xe)) >= 0)
            xenevtchn_unmask(c->xe, port);
        while (drain_out(c) > 0)
            ;
        if (interactive && n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            in = feed_in(c);
        if (in > 0)
            return;                                  /* Ctrl-] */
        if (in < 0)
            interactive = 0;                         /* no more input: the output goes on */
        if (n == 0 && !console_domain_running(c->dom)) {
            while (drain_out(c) > 0)
                ;
            return;
        }
    }
}

static int attach(struct console *c, xenforeignmemory_handle *fm, int interactive, int unpause)
{
    unsigned long mfn;
    unsigned int port;
    struct termios saved, raw;
    int tty = interactive && isatty(0) && !tcgetattr(0, &saved);
    xenevtchn_port_or_error_t local;

    if (names_get_console(c->dom, &mfn, &port)) {
        fprintf(stderr, "pvctl: console: domain %u has no console recorded (not made by pvctl?)\n", c->dom);
        return 1;
    }
    xen_pfn_t pfn = mfn;
    c->ring = xenforeignmemory_map(fm, c->dom, PROT_READ | PROT_WRITE, 1, &pfn, NULL);
    if (!c->ring || (local = xenevtchn_bind_interdomain(c->xe, c->dom, port)) < 0) {
        fprintf(stderr, "pvctl: console: %s: %s\n", c->ring ? "binding its port" : "mapping its ring",
                strerror(errno));
        if (c->ring)
            xenforeignmemory_unmap(fm, c->ring, 1);
        return 1;
    }
    c->local = (evtchn_port_t)local;
    if (unpause)
        console_unpause(c->dom);
    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(0, TCSANOW, &raw);
        fprintf(stderr, "pvctl: attached to domain %u's console; Ctrl-] detaches\r\n", c->dom);
    }
    serve(c, interactive);
    if (tty)
        tcsetattr(0, TCSANOW, &saved);
    xenevtchn_unbind(c->xe, c->local);
    xenforeignmemory_unmap(fm, c->ring, 1);
    return 0;
}

int console_run(domid_t dom, int logging, int unpause)
{
    struct console c = { .dom = dom };
    char tty[128];
    int rc;
    xenforeignmemory_handle *fm;

    pv_dominfo_t info;

    if (!ctl_getdomaininfo(dom, &info) && info.domain == dom && (info.flags & XEN_DOMINF_hvm_guest)) {
        if (!console_hvm_serial_tty(dom, tty, sizeof(tty)))   /* QEMU's 16550, on a pty */
            return console_pty_attach(tty, dom, !logging, unpause);
        return console_hvm_run(dom, unpause);        /* no device model: its debug port */
    }
    if (!console_daemon_tty(dom, tty, sizeof(tty)))  /* pvconsoled serves it: through its pty */
        return console_pty_attach(tty, dom, !logging, unpause);
    fm = xenforeignmemory_open(NULL, 0);
    c.xe = xenevtchn_open(NULL, 0);
    if (!fm || !c.xe) {
        fprintf(stderr, "pvctl: console: cannot open %s: %s (xen-evtchn loaded?)\n",
                fm ? "/dev/xen/evtchn" : "privcmd", strerror(errno));
        rc = 1;
    } else {
        rc = attach(&c, fm, !logging, unpause);
    }
    if (c.xe)
        xenevtchn_close(c.xe);
    if (fm)
        xenforeignmemory_close(fm);
    return rc;
}

int cmd_console(int argc, char **argv)
{
    int logging = argc == 2 && !strcmp(argv[0], "-l");
    domid_t dom;

    if (argc != 1 + logging || argv[logging][0] == '-')
        return 2;
    if (pvctl_open_control() || pvctl_resolve(argv[logging], &dom))
        return 1;
    return console_run(dom, logging, 0);
}
