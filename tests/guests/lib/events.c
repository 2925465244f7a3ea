/*
 * events.c: event callback, event-channel demux (2-level; FIFO once a guest
 * calls events_fifo_init), EVTCHNOP wrappers.
 */
#include "guest.h"
#include "hypercall.h"

#define MAX_HANDLED_PORTS 256

volatile unsigned long upcalls, events_seen;
static struct { evtchn_handler_t fn; void *arg; } handlers[MAX_HANDLED_PORTS];
evtchn_handler_t default_handler;                /* ports without a handler of their own */

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

/* --- FIFO state: the control block, the event-array pages, the guest's queue heads --- */
#define FIFO_MAX_PAGES 8
#define FW_PENDING (1u << EVTCHN_FIFO_PENDING)
#define FW_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define FW_LINKED  (1u << EVTCHN_FIFO_LINKED)
#define FW_BUSY    (1u << EVTCHN_FIFO_BUSY)

struct evtchn_fifo_control_block *fifo_cb;       /* NULL: 2-level */
static volatile event_word_t *fifo_array[FIFO_MAX_PAGES];
static unsigned int fifo_pages;
static evtchn_port_t fifo_head[EVTCHN_FIFO_MAX_QUEUES];

volatile event_word_t *fifo_word(evtchn_port_t port)
{
    unsigned int page = port / (PAGE_SIZE / sizeof(event_word_t));

    if (page >= fifo_pages)
        return NULL;
    return &fifo_array[page][port % (PAGE_SIZE / sizeof(event_word_t))];
}

static void word_or(evtchn_port_t port, event_word_t bits)
{
    volatile event_word_t *w = fifo_word(port);

    if (w)
        __atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST);
}

static void word_andnot(evtchn_port_t port, event_word_t bits)
{
    volatile event_word_t *w = fifo_word(port);

    if (w)
        __atomic_fetch_and(w, ~bits, __ATOMIC_SEQ_CST);
}

static bool word_has(evtchn_port_t port, event_word_t bits)
{
    volatile event_word_t *w = fifo_word(port);

    return w && (*w & bits);
}

long events_fifo_init(void *page, unsigned int offset)
{
    struct evtchn_init_control ic = { .control_gfn = virt_to_mfn(page), .offset = offset };
    long rc = hc_event_channel_op(EVTCHNOP_init_control, &ic);

    if (rc)
        return rc;
    if (ic.link_bits != EVTCHN_FIFO_LINK_BITS)
        return -EINVAL;                           /* not the ABI we speak */
    fifo_cb = (struct evtchn_fifo_control_block *)((char *)page + offset);
    return 0;
}

long events_fifo_expand(void *page)
{
    struct evtchn_expand_array ea = { .array_gfn = virt_to_mfn(page) };
    long rc;

    if (fifo_pages >= FIFO_MAX_PAGES)
        return -ENOSPC;
    /* Visible before the call: the events it re-raises arrive before it returns. */
    fifo_array[fifo_pages++] = page;
    rc = hc_event_channel_op(EVTCHNOP_expand_array, &ea);
    if (rc)
        fifo_pages--;
    return rc;
}

void evtchn_mask(evtchn_port_t port)
{
    if (fifo_cb)
        word_or(port, FW_MASKED);
    else
        set_bit(port % 64, &shared->evtchn_mask[port / 64]);
}

void evtchn_clear(evtchn_port_t port)
{
    if (fifo_cb)
        word_andnot(port, FW_PENDING);
    else
        clear_bit(port % 64, &shared->evtchn_pending[port / 64]);
}

bool evtchn_pending(evtchn_port_t port)
{
    return fifo_cb ? word_has(port, FW_PENDING) : test_bit(port, shared->evtchn_pending);
}

bool evtchn_masked(evtchn_port_t port)
{
    return fifo_cb ? word_has(port, FW_MASKED) : test_bit(port, shared->evtchn_mask);
}

/* Force delivery of a pending upcall: any hypercall returns through the event check. */
static void kick_upcall(void)
{
    if (vcpu0->evtchn_upcall_pending && !vcpu0->evtchn_upcall_mask)
        hc_xen_version(XENVER_version, NULL);
}

/*
 * FIFO, as Linux: clear MASKED only while neither PENDING nor BUSY; otherwise
 * the hypervisor must unmask, so that it links the pending event.
 */
static void fifo_unmask_local(evtchn_port_t port)
{
    volatile event_word_t *w = fifo_word(port);
    event_word_t old = w ? *w : 0;

    while (w && !(old & (FW_PENDING | FW_BUSY)))
        if (__atomic_compare_exchange_n(w, &old, old & ~FW_MASKED, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return;
    evtchn_unmask_hc(port);
}

void evtchn_unmask_local(evtchn_port_t port)
{
    if (fifo_cb) {
        fifo_unmask_local(port);
        return;
    }
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
    evtchn_clear(port);
    events_seen++;
    if (port < MAX_HANDLED_PORTS && handlers[port].fn)
        handlers[port].fn(port, handlers[port].arg);
    else if (default_handler)
        default_handler(port, NULL);
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

static void demux_2l(void)
{
    unsigned long sel = __atomic_exchange_n(&vcpu0->evtchn_pending_sel, 0UL, __ATOMIC_SEQ_CST);

    while (sel) {
        unsigned int w = __builtin_ctzl(sel);

        sel &= sel - 1;
        demux_word(w);
    }
}

/* Unlinks the head event of a queue: clears LINKED and LINK, returns the next port. */
static evtchn_port_t fifo_unlink(volatile event_word_t *w)
{
    event_word_t old = *w;

    while (!__atomic_compare_exchange_n(w, &old, old & ~(FW_LINKED | EVTCHN_FIFO_LINK_MASK),
                                        false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    return old & EVTCHN_FIFO_LINK_MASK;
}

/* One event off queue q, as Linux's consume_one_event. */
static void fifo_consume(unsigned int q, uint32_t *ready)
{
    evtchn_port_t port = fifo_head[q], next;
    volatile event_word_t *w;

    if (!port)
        port = __atomic_load_n(&fifo_cb->head[q], __ATOMIC_SEQ_CST);
    w = fifo_word(port);
    if (!w) {
        fail("fifo demux", "queue %u head %u has no event word", q, port);
        *ready &= ~(1u << q);
        return;
    }
    next = fifo_unlink(w);
    if (!next)
        *ready &= ~(1u << q);
    fifo_head[q] = next;
    if ((*w & (FW_PENDING | FW_MASKED)) == FW_PENDING)
        dispatch(port);
}

static void demux_fifo(void)
{
    uint32_t ready = __atomic_exchange_n(&fifo_cb->ready, 0u, __ATOMIC_SEQ_CST);

    while (ready) {
        fifo_consume(__builtin_ctz(ready), &ready);
        ready |= __atomic_exchange_n(&fifo_cb->ready, 0u, __ATOMIC_SEQ_CST);
    }
}

void do_event(struct cpu_regs *regs);
void do_event(struct cpu_regs *regs)
{
    upcalls++;
    if (upcall_hook)
        upcall_hook(regs);
    while (vcpu0->evtchn_upcall_pending) {
        vcpu0->evtchn_upcall_pending = 0;
        if (fifo_cb)
            demux_fifo();
        else
            demux_2l();
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

bool evtchn_poll_one(evtchn_port_t port, uint64_t timeout_ms)
{
    struct sched_poll p = { .nr_ports = 1, .timeout = pvclock_ns() + timeout_ms * 1000000 };

    set_xen_guest_handle(p.ports, &port);
    while (!evtchn_pending(port)) {
        if (pvclock_ns() > p.timeout)
            return false;
        hc_sched_op(SCHEDOP_poll, &p);
    }
    return true;
}
