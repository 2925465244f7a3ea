/* events.c: event callback, 2-level event-channel demux, EVTCHNOP wrappers. */
#include "guest.h"
#include "hypercall.h"

#define MAX_HANDLED_PORTS 256

volatile unsigned long upcalls, events_seen;
static struct { evtchn_handler_t fn; void *arg; } handlers[MAX_HANDLED_PORTS];

static inline void set_bit(unsigned long nr, volatile unsigned long *addr)
{
    asm volatile("lock btsq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");
}

static inline void clear_bit(unsigned long nr, volatile unsigned long *addr)
{
    asm volatile("lock btrq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");
}

static inline bool test_bit(unsigned long nr, const volatile unsigned long *addr)
{
    return (addr[nr / 64] >> (nr % 64)) & 1;
}

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg)
{
    if (port < MAX_HANDLED_PORTS) {
        handlers[port].arg = arg;
        handlers[port].fn = fn;
    }
}

void evtchn_mask(evtchn_port_t port)   { set_bit(port % 64, &shared->evtchn_mask[port / 64]); }
void evtchn_clear(evtchn_port_t port)  { clear_bit(port % 64, &shared->evtchn_pending[port / 64]); }
bool evtchn_pending(evtchn_port_t port) { return test_bit(port, shared->evtchn_pending); }
bool evtchn_masked(evtchn_port_t port)  { return test_bit(port, shared->evtchn_mask); }

/* Force delivery of a pending upcall: any hypercall returns through the event check. */
static void kick_upcall(void)
{
    if (vcpu0->evtchn_upcall_pending && !vcpu0->evtchn_upcall_mask)
        hc_xen_version(XENVER_version, NULL);
}

void evtchn_unmask_local(evtchn_port_t port)
{
    clear_bit(port % 64, &shared->evtchn_mask[port / 64]);
    if (evtchn_pending(port)) {
        set_bit(port / 64, &vcpu0->evtchn_pending_sel);
        vcpu0->evtchn_upcall_pending = 1;
        kick_upcall();
    }
}

void events_enable(void)
{
    vcpu0->evtchn_upcall_mask = 0;
    barrier();
    kick_upcall();
}

void events_disable(void)
{
    vcpu0->evtchn_upcall_mask = 1;
    barrier();
}

static void dispatch(evtchn_port_t port)
{
    clear_bit(port % 64, &shared->evtchn_pending[port / 64]);
    events_seen++;
    if (port < MAX_HANDLED_PORTS && handlers[port].fn)
        handlers[port].fn(port, handlers[port].arg);
}

static void demux_word(unsigned int w)
{
    unsigned long pend = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];

    while (pend) {
        unsigned int b = __builtin_ctzl(pend);

        pend &= pend - 1;
        dispatch(w * 64 + b);
    }
}

void do_event(struct cpu_regs *regs);
void do_event(struct cpu_regs *regs)
{
    upcalls++;
    if (upcall_hook)
        upcall_hook(regs);
    while (vcpu0->evtchn_upcall_pending) {
        unsigned long sel;

        vcpu0->evtchn_upcall_pending = 0;
        sel = __atomic_exchange_n(&vcpu0->evtchn_pending_sel, 0UL, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = __builtin_ctzl(sel);

            sel &= sel - 1;
            demux_word(w);
        }
    }
}

bool wait_count(volatile unsigned long *ctr, unsigned long want, uint64_t timeout_ms)
{
    uint64_t end = pvclock_ns() + timeout_ms * 1000000;

    while (*ctr < want) {
        if (pvclock_ns() > end)
            return false;
        sched_yield();
    }
    return true;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = hc_event_channel_op(EVTCHNOP_alloc_unbound, &op);

    if (!rc && port)
        *port = op.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t rdom, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = rdom, .remote_port = rport };
    long rc = hc_event_channel_op(EVTCHNOP_bind_interdomain, &op);

    if (!rc && port)
        *port = op.local_port;
    return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
    long rc = hc_event_channel_op(EVTCHNOP_bind_virq, &op);

    if (!rc && port)
        *port = op.port;
    return rc;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };

    return hc_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = { .port = port };

    return hc_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_unmask_hc(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };

    return hc_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_status(domid_t dom, evtchn_port_t port, evtchn_status_t *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return hc_event_channel_op(EVTCHNOP_status, st);
}
