/*
 * cmd_console.c: `pvctl console [-l] DOM`, the back end of a domain's PV
 * console ring (xen/io/console.h), in dom0's user space as xenconsoled is.
 * The ring page and its port are the ones the builder put in start_info
 * (recorded with the name, names.h). The page is mapped with
 * xenforeignmemory, the guest's unbound port bound with libxenevtchn; what
 * the guest writes goes to stdout, what is typed goes into the `in` ring.
 * Ctrl-] detaches. With -l (logging) stdin is not read, and the command
 * ends when the domain has shut down or is gone. Ring indices come from
 * the guest: every access is masked and one pass moves at most a ring.
 */
#include "pvctl.h"
#include "names.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/io/console.h>

#define DETACH_KEY 0x1d                             /* Ctrl-] */

struct console {
    domid_t dom;
    struct xencons_interface *ring;
    xenevtchn_handle *xe;
    evtchn_port_t local;
};

/* Guest output to stdout; whether anything moved. */
static int drain_out(struct console *c)
{
    struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    char buf[sizeof(r->out)];
    size_t n = 0;

    for (; cons != prod && n < sizeof(buf); cons++)
        buf[n++] = r->out[MASK_XENCONS_IDX(cons, r->out)];
    if (!n)
        return 0;
    if (write(1, buf, n) < 0)
        return -1;
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
    xenevtchn_notify(c->xe, c->local);
    return 1;
}

/* Typed input into the guest's `in` ring; -1 on the detach key or end of input. */
static int feed_in(struct console *c)
{
    struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX prod = r->in_prod;
    char buf[64];
    ssize_t n = read(0, buf, sizeof(buf));

    if (n <= 0)
        return -1;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == DETACH_KEY)
            return -1;
        if (prod - __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE) >= sizeof(r->in))
            break;                                   /* the guest is not reading: drop */
        r->in[MASK_XENCONS_IDX(prod, r->in)] = buf[i];
        prod++;
    }
    __atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
    xenevtchn_notify(c->xe, c->local);
    return 0;
}

static int domain_running(domid_t dom)
{
    pv_dominfo_t info;

    return !ctl_getdomaininfo(dom, &info) && info.domain == dom &&
           !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

static void serve(struct console *c, int interactive)
{
    struct pollfd p[2] = { { .fd = xenevtchn_fd(c->xe), .events = POLLIN },
                           { .fd = 0, .events = POLLIN } };

    for (;;) {
        int n = poll(p, interactive ? 2 : 1, 200);
        xenevtchn_port_or_error_t port;

        if (n > 0 && (p[0].revents & POLLIN) && (port = xenevtchn_pending(c->xe)) >= 0)
            xenevtchn_unmask(c->xe, port);
        while (drain_out(c) > 0)
            ;
        if (interactive && n > 0 && (p[1].revents & (POLLIN | POLLHUP)) && feed_in(c))
            return;
        if (n == 0 && !domain_running(c->dom)) {
            while (drain_out(c) > 0)
                ;
            return;
        }
    }
}

static int attach(struct console *c, xenforeignmemory_handle *fm, int interactive)
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

int cmd_console(int argc, char **argv)
{
    struct console c = { 0 };
    int logging = argc == 2 && !strcmp(argv[0], "-l"), rc;
    xenforeignmemory_handle *fm;

    if (argc != 1 + logging || argv[logging][0] == '-')
        return 2;
    if (pvctl_open_control() || pvctl_resolve(argv[logging], &c.dom))
        return 1;
    fm = xenforeignmemory_open(NULL, 0);
    c.xe = xenevtchn_open(NULL, 0);
    if (!fm || !c.xe) {
        fprintf(stderr, "pvctl: console: cannot open %s: %s (xen-evtchn loaded?)\n",
                fm ? "/dev/xen/evtchn" : "privcmd", strerror(errno));
        rc = 1;
    } else {
        rc = attach(&c, fm, !logging);
    }
    if (c.xe)
        xenevtchn_close(c.xe);
    if (fm)
        xenforeignmemory_close(fm);
    return rc;
}
