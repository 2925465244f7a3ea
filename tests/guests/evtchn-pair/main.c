/*
 * evtchn-pair: two domains exchange event-channel notifications.
 *   role=a peer=<B>  [port=1] [rounds=N]: alloc_unbound(remote=B) (expects port `port`),
 *                     answers each ping with a pong, closes after B's final notification.
 *   role=b peer=<A>  [port=1] [rounds=N]: bind_interdomain(A, port), retrying with
 *                     SCHEDOP_yield until A has allocated it; N ping/pong rounds; a final
 *                     notification; waits until its port reads unbound (A closed); closes.
 *   role=loop (default): the same ping-pong inside one domain (alloc_unbound(DOMID_SELF) +
 *                     bind_interdomain(DOMID_SELF)): the variant validated on real Xen.
 * B always finishes after A, so "(d<B>) DONE:" ends the run.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "evtchn-pair";

#define WAIT_MS 20000
#define ANY_PORT 0xffffffffu
static volatile unsigned long received[2];   /* per local channel: [0] a/ping side, [1] b */

static void on_event(evtchn_port_t port, void *arg)
{
    received[(unsigned long)arg]++;
}

static bool status_is(evtchn_port_t port, uint32_t want, domid_t rdom, evtchn_port_t rport)
{
    evtchn_status_t st;

    if (evtchn_status(DOMID_SELF, port, &st) || st.status != want)
        return false;
    if (want != EVTCHNSTAT_interdomain)
        return true;
    return st.u.interdomain.dom == rdom && (rport == ANY_PORT || st.u.interdomain.port == rport);
}

/* Ping on `tx`, expect it on local counter `rx_idx` of the other end: used by loop mode. */
static void pingpong_loop(evtchn_port_t a, evtchn_port_t b, unsigned long rounds)
{
    unsigned long i;

    for (i = 0; i < rounds; i++) {
        if (evtchn_send(a) || !wait_count(&received[1], i + 1, WAIT_MS))
            break;
        if (evtchn_send(b) || !wait_count(&received[0], i + 1, WAIT_MS))
            break;
    }
    check(i == rounds, "loopback ping-pong rounds", "stopped at round %lu of %lu (a %lu b %lu)",
          i, rounds, received[0], received[1]);
}

static void role_loop(unsigned long rounds)
{
    evtchn_port_t a, b;

    if (!check_eq(evtchn_alloc_unbound(DOMID_SELF, &a), 0, "alloc_unbound(DOMID_SELF)"))
        return;
    if (!check_eq(evtchn_bind_interdomain(DOMID_SELF, a, &b), 0, "bind_interdomain(self, a)"))
        return;
    evtchn_set_handler(a, on_event, (void *)0);
    evtchn_set_handler(b, on_event, (void *)1);
    pingpong_loop(a, b, rounds);
    check_eq(evtchn_close(a), 0, "close(a)");
    check(status_is(b, EVTCHNSTAT_unbound, 0, 0), "status(b) = unbound after a closed", "-");
    check_eq(evtchn_close(b), 0, "close(b)");
}

static void role_a(domid_t peer, evtchn_port_t want_port, unsigned long rounds)
{
    evtchn_port_t p;
    unsigned long i;

    /* The handler first: on another CPU the peer binds and pings as soon
     * as the port exists, and a ping taken before it would be lost. */
    evtchn_set_handler(want_port, on_event, (void *)0);
    if (!check_eq(evtchn_alloc_unbound(peer, &p), 0, "alloc_unbound(remote = peer)"))
        return;
    check(p == want_port, "alloc_unbound gave the agreed port", "port %u, want %u", p, want_port);
    evtchn_set_handler(p, on_event, (void *)0);
    for (i = 0; i < rounds; i++) {
        if (!wait_count(&received[0], i + 1, WAIT_MS) || evtchn_send(p))
            break;
    }
    check(i == rounds, "answered every ping", "stopped at %lu of %lu", i, rounds);
    check(status_is(p, EVTCHNSTAT_interdomain, peer, ANY_PORT),
          "status(port) = interdomain with peer", "-");
    check(wait_count(&received[0], rounds + 1, WAIT_MS), "final notification from peer",
          "got %lu", received[0]);
    check_eq(evtchn_close(p), 0, "close(port)");
}

static bool bind_retry(domid_t peer, evtchn_port_t rport, evtchn_port_t *p)
{
    uint64_t end = pvclock_ns() + WAIT_MS * 1000000ULL;
    long rc;

    do {
        rc = evtchn_bind_interdomain(peer, rport, p);
        if (rc == 0)
            break;
        sched_yield();
    } while (pvclock_ns() < end);
    return check(rc == 0, "bind_interdomain(peer, port) (retried with yield)", "last rc %ld", rc);
}

static void role_b(domid_t peer, evtchn_port_t rport, unsigned long rounds)
{
    evtchn_port_t p;
    unsigned long i;
    uint64_t end;

    if (!bind_retry(peer, rport, &p))
        return;
    check(status_is(p, EVTCHNSTAT_interdomain, peer, rport), "status(port) = interdomain(peer, port)",
          "-");
    evtchn_set_handler(p, on_event, (void *)1);
    for (i = 0; i < rounds; i++) {
        if (evtchn_send(p) || !wait_count(&received[1], i + 1, WAIT_MS))
            break;
    }
    check(i == rounds, "ping-pong rounds with peer", "stopped at %lu of %lu", i, rounds);
    check_eq(evtchn_send(p), 0, "final notification");
    end = pvclock_ns() + WAIT_MS * 1000000ULL;
    while (!status_is(p, EVTCHNSTAT_unbound, 0, 0) && pvclock_ns() < end)
        sched_yield();
    check(status_is(p, EVTCHNSTAT_unbound, 0, 0), "port reads unbound after the peer closed", "-");
    check_eq(evtchn_close(p), 0, "close(port)");
}

void test_main(void)
{
    char role[8] = "loop";
    domid_t peer = (domid_t)cmdline_int("peer", DOMID_SELF);
    evtchn_port_t port = (evtchn_port_t)cmdline_int("port", 1);
    unsigned long rounds = (unsigned long)cmdline_int("rounds", 100);

    cmdline_str("role", role, sizeof(role));
    events_enable();
    if (!strcmp(role, "a"))
        role_a(peer, port, rounds);
    else if (!strcmp(role, "b"))
        role_b(peer, port, rounds);
    else
        role_loop(rounds);
}
