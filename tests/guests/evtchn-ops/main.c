/*
 * evtchn-ops: the 2-level event channel operations on one domain: alloc_unbound,
 * bind_interdomain (loopback to self), bind_virq, bind_ipi, send, unmask, status, close,
 * with the pending/mask bits in shared_info and the upcall behaviour checked at each step.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "evtchn-ops";

static volatile unsigned long hits[3];   /* [0] port a, [1] port b, [2] ipi */

static void on_event(evtchn_port_t port, void *arg)
{
    hits[(unsigned long)arg]++;
}

static void expect_status(evtchn_port_t port, uint32_t want, const char *what)
{
    evtchn_status_t st;
    long rc = evtchn_status(DOMID_SELF, port, &st);

    check(rc == 0 && st.status == want, what, "rc %ld status %u want %u", rc, st.status, want);
}

static bool setup_loopback(evtchn_port_t *a, evtchn_port_t *b)
{
    evtchn_status_t st;
    long rc = evtchn_alloc_unbound(DOMID_SELF, a);

    if (!check(rc == 0 && *a > 0, "alloc_unbound(remote DOMID_SELF)", "rc %ld port %u", rc, *a))
        return false;
    info("alloc_unbound gave port %u", *a);
    expect_status(*a, EVTCHNSTAT_unbound, "status(new port) = unbound");
    rc = evtchn_bind_interdomain(DOMID_SELF, *a, b);
    if (!check(rc == 0 && *b > 0 && *b != *a, "bind_interdomain(DOMID_SELF, a)", "rc %ld port %u",
               rc, *b))
        return false;
    rc = evtchn_status(DOMID_SELF, *b, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == *a,
          "status(b) = interdomain, remote port a", "rc %ld status %u port %u", rc, st.status,
          st.u.interdomain.port);
    rc = evtchn_status(DOMID_SELF, *a, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == *b,
          "status(a) = interdomain, remote port b", "rc %ld status %u port %u", rc, st.status,
          st.u.interdomain.port);
    check(!evtchn_pending(*a) && !evtchn_pending(*b), "new ports not pending", "pending set");
    evtchn_set_handler(*a, on_event, (void *)0);
    evtchn_set_handler(*b, on_event, (void *)1);
    return true;
}

static void test_send_unmasked(evtchn_port_t a, evtchn_port_t b)
{
    unsigned long h = hits[1], u = upcalls;
    long rc = evtchn_send(a);

    check(rc == 0 && hits[1] == h + 1 && upcalls > u && !evtchn_pending(b),
          "send(a), unmasked: upcall on b before the hypercall returns",
          "rc %ld hits %lu->%lu upcalls %lu->%lu pending %d", rc, h, hits[1], u, upcalls,
          evtchn_pending(b));
    h = hits[0];
    rc = evtchn_send(b);
    check(rc == 0 && hits[0] == h + 1, "send(b): upcall on a", "rc %ld hits %lu->%lu", rc, h,
          hits[0]);
}

static void test_masked_port(evtchn_port_t a, evtchn_port_t b)
{
    unsigned long h = hits[1], u = upcalls;
    long rc;

    evtchn_mask(b);
    rc = evtchn_send(a);
    check(rc == 0 && hits[1] == h && upcalls == u && evtchn_pending(b) && evtchn_masked(b),
          "send to a masked port: pending set, no upcall",
          "rc %ld hits %lu->%lu upcalls %lu->%lu pending %d", rc, h, hits[1], u, upcalls,
          evtchn_pending(b));
    rc = evtchn_send(a);
    check(rc == 0 && hits[1] == h, "second send while masked: still no upcall", "rc %ld", rc);
    rc = evtchn_unmask_hc(b);
    check(rc == 0 && hits[1] == h + 1 && !evtchn_pending(b) && !evtchn_masked(b),
          "EVTCHNOP_unmask of a pending port delivers one upcall",
          "rc %ld hits %lu->%lu pending %d", rc, h, hits[1], evtchn_pending(b));
    evtchn_mask(b);
    evtchn_send(a);
    evtchn_unmask_local(b);
    check(hits[1] == h + 2 && !evtchn_pending(b), "guest-side unmask (Linux style) delivers",
          "hits %lu->%lu", h, hits[1]);
}

static void test_upcall_masked(evtchn_port_t a, evtchn_port_t b)
{
    unsigned long h = hits[1];
    long rc;

    events_disable();
    vcpu0->evtchn_pending_sel = 0;
    rc = evtchn_send(a);
    check(rc == 0 && hits[1] == h && evtchn_pending(b) && vcpu0->evtchn_upcall_pending &&
          (vcpu0->evtchn_pending_sel & (1UL << (b / 64))),
          "send with upcall mask 1: pending, pending_sel and upcall_pending set, no upcall",
          "rc %ld hits %lu->%lu pending %d upcall_pending %u sel %#lx", rc, h, hits[1],
          evtchn_pending(b), vcpu0->evtchn_upcall_pending, vcpu0->evtchn_pending_sel);
    events_enable();
    check(hits[1] == h + 1 && !vcpu0->evtchn_upcall_pending,
          "clearing the upcall mask + any hypercall delivers it", "hits %lu->%lu", h, hits[1]);
}

static void test_virq_ipi(void)
{
    evtchn_port_t t, t2, ipi;
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    evtchn_status_t st;
    long rc;

    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &t);
    check(rc == 0, "bind_virq(VIRQ_TIMER, vcpu 0)", "rc %ld", rc);
    rc = evtchn_status(DOMID_SELF, t, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0,
          "status(timer port) = virq TIMER on vcpu 0", "rc %ld status %u virq %u vcpu %u", rc,
          st.status, st.u.virq, st.vcpu);
    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &t2), -EEXIST, "bind_virq(VIRQ_TIMER) again = -EEXIST");
    check_eq(evtchn_close(t), 0, "close(timer port)");
    expect_status(t, EVTCHNSTAT_closed, "status(closed virq port) = closed");

    rc = hc_event_channel_op(EVTCHNOP_bind_ipi, &bi);
    ipi = bi.port;
    if (!check(rc == 0, "bind_ipi(vcpu 0)", "rc %ld", rc))
        return;
    expect_status(ipi, EVTCHNSTAT_ipi, "status(ipi port) = ipi");
    evtchn_set_handler(ipi, on_event, (void *)2);
    rc = evtchn_send(ipi);
    check(rc == 0 && hits[2] == 1, "send(ipi port) upcalls this vcpu", "rc %ld hits %lu", rc,
          hits[2]);
    check_eq(evtchn_close(ipi), 0, "close(ipi port)");
}

static void test_close(evtchn_port_t a, evtchn_port_t b)
{
    struct evtchn_bind_vcpu bv = { .port = b, .vcpu = 0 };

    check_eq(hc_event_channel_op(EVTCHNOP_bind_vcpu, &bv), 0, "bind_vcpu(b, vcpu 0)");
    check_eq(evtchn_close(b), 0, "close(b)");
    expect_status(b, EVTCHNSTAT_closed, "status(b) = closed");
    expect_status(a, EVTCHNSTAT_unbound, "status(a) = unbound again after the peer closed");
    check_eq(evtchn_send(a), 0, "send on an unbound port is silently dropped (0)");
    check_eq(evtchn_close(a), 0, "close(a)");
    check_eq(evtchn_close(a), -EINVAL, "close(a) again = -EINVAL");
    check_eq(evtchn_send(a), -EINVAL, "send on a closed port = -EINVAL");
}

void test_main(void)
{
    evtchn_port_t a, b;

    events_enable();
    if (!setup_loopback(&a, &b))
        return;
    test_send_unmasked(a, b);
    test_masked_port(a, b);
    test_upcall_masked(a, b);
    test_virq_ipi();
    test_close(a, b);
}
