/*
 * consoled_io.c: one guest's console (consoled.h). What it writes to its
 * `out` ring goes to its log and to the pty; what `pvctl console` types on
 * the pty goes into its `in` ring. The pty gets output only while it has
 * room (a console nobody reads loses that copy, never the log's), so a
 * guest never waits for a reader. The rate limit: a guest passes at most
 * rate_bytes per RATE_WINDOW_MS; past that its port stays masked and its
 * ring unread until the next window, so a flooding guest slows down
 * instead of taking the daemon's time (xenconsoled's RATE_LIMIT_ALLOWANCE
 * does the same with events; here each event also costs EVENT_COST bytes
 * of the allowance, so notifying with nothing to say is limited too).
 */
#define _GNU_SOURCE
#include "consoled.h"
#include "console_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <xenstore.h>

#define EVENT_COST 64
#define PASSES_UNLIMITED 4          /* without a rate limit: rings moved per call at most */

static void to_pty(struct cdom *c, const char *buf, size_t n)
{
    if (c->master >= 0 && write(c->master, buf, n) < 0 && errno != EAGAIN)
        consoled_close_pty(c);
}

static void from_pty(struct consoled *d, struct cdom *c)
{
    char buf[sizeof(c->ring->in)];
    size_t space = cring_in_space(c->ring);
    ssize_t n;

    if (c->master < 0 || !space)
        return;
    n = read(c->master, buf, space < sizeof(buf) ? space : sizeof(buf));
    if (n > 0) {
        cring_write_in(c->ring, buf, (size_t)n);
        xenevtchn_notify(d->xe, (evtchn_port_t)c->local);
    }
}

static void out_of_ring(struct consoled *d, struct cdom *c)
{
    for (int pass = 0; !c->throttled && pass < PASSES_UNLIMITED; pass++) {
        char buf[sizeof(c->ring->out)];
        size_t cap = sizeof(buf), n;
        int malformed = 0;

        if (d->o.rate_bytes && d->o.rate_bytes - c->window_bytes < cap)
            cap = d->o.rate_bytes - c->window_bytes;
        n = cring_read_out(c->ring, buf, cap, &malformed);
        if (malformed && !c->said_malformed) {
            c->said_malformed = 1;
            consoled_say("d%u (%s): its console ring's indices claim more than a ring; not read", c->dom, c->name);
            clog_note(&c->log, "\n[pvconsoled: the console ring's indices are malformed; nothing read until they are sane]\n");
        }
        if (!n)
            return;
        clog_write(&c->log, &d->o, buf, n);
        to_pty(c, buf, n);
        xenevtchn_notify(d->xe, (evtchn_port_t)c->local);
        c->window_bytes += n;
        if (d->o.rate_bytes && c->window_bytes >= d->o.rate_bytes)
            c->throttled = 1;
    }
}

void consoled_charge_event(struct consoled *d, struct cdom *c)
{
    c->window_bytes += EVENT_COST;
    if (d->o.rate_bytes && c->window_bytes >= d->o.rate_bytes)
        c->throttled = 1;
}

void consoled_service(struct consoled *d, struct cdom *c)
{
    if (!c->ring)
        return;
    out_of_ring(d, c);
    from_pty(d, c);
}

void consoled_new_window(struct consoled *d)
{
    for (struct cdom *c = d->doms; c; c = c->next) {
        c->window_bytes = 0;
        if (!c->throttled)
            continue;
        c->throttled = 0;
        if (c->ring)
            xenevtchn_unmask(d->xe, (evtchn_port_t)c->local);
        consoled_service(d, c);
    }
}

/* console/tty, only while the domain's console entries exist (never recreating a removed home). */
static int write_tty_node(struct consoled *d, struct cdom *c, const char *tty)
{
    char ref[64], node[64];

    snprintf(ref, sizeof(ref), "/local/domain/%u/console/ring-ref", c->dom);
    snprintf(node, sizeof(node), "/local/domain/%u/console/tty", c->dom);
    for (int tries = 0; tries < 5; tries++) {
        xs_transaction_t t = xs_transaction_start(d->xs);
        unsigned int n;
        char *v;

        if (t == XBT_NULL)
            return -1;
        v = xs_read(d->xs, t, ref, &n);
        if (!v) {
            xs_transaction_end(d->xs, t, 1);
            return -1;
        }
        free(v);
        if (!xs_write(d->xs, t, node, tty, (unsigned int)strlen(tty))) {
            xs_transaction_end(d->xs, t, 1);
            return -1;
        }
        if (xs_transaction_end(d->xs, t, 0))
            return 0;
        if (errno != EAGAIN)
            return -1;
    }
    return -1;
}

int consoled_open_pty(struct consoled *d, struct cdom *c)
{
    struct termios raw;
    const char *name;

    c->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (c->master < 0 || grantpt(c->master) || unlockpt(c->master) || !(name = ptsname(c->master)))
        goto fail;
    c->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);   /* held, so the pty never hangs up */
    if (c->slave < 0 || tcgetattr(c->slave, &raw))
        goto fail;
    cfmakeraw(&raw);                                 /* no echo back into the guest */
    tcsetattr(c->slave, TCSANOW, &raw);
    if (write_tty_node(d, c, name))
        goto fail;
    return 0;
fail:
    consoled_say("d%u (%s): no pty (%s); its log still runs", c->dom, c->name, strerror(errno));
    consoled_close_pty(c);
    return -1;
}

/*
 * A pty whose guest has stopped stays open a little (PTY_LINGER_MS): the
 * kernel passes what the daemon wrote to the reader asynchronously, and
 * closing the master at once would hang the reader up before it read the
 * guest's last lines (a guest that prints and powers off, `create -c`).
 */
#define PTY_LINGER_MS 2000
#define MAX_LINGER 16
static struct { int master, slave; long until; } linger[MAX_LINGER];
static int nr_linger;

void consoled_linger_pty(struct cdom *c, long now_ms)
{
    if (c->master >= 0 && nr_linger < MAX_LINGER) {
        linger[nr_linger].master = c->master;
        linger[nr_linger].slave = c->slave;
        linger[nr_linger++].until = now_ms + PTY_LINGER_MS;
        c->master = c->slave = -1;
    }
    consoled_close_pty(c);                           /* none free: closed at once */
}

void consoled_reap_ptys(long now_ms, int all)
{
    for (int i = 0; i < nr_linger;) {
        if (all || now_ms >= linger[i].until) {
            close(linger[i].master);
            if (linger[i].slave >= 0)
                close(linger[i].slave);
            linger[i] = linger[--nr_linger];
        } else {
            i++;
        }
    }
}

void consoled_close_pty(struct cdom *c)
{
    if (c->slave >= 0)
        close(c->slave);
    if (c->master >= 0)
        close(c->master);
    c->master = c->slave = -1;
}
