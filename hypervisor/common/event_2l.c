/*
 * The 2-level event-channel ABI: a pending and a mask bit per port in
 * shared_info, a selector word per vCPU, upcall_pending. Delivery sets them
 * exactly as Linux's events_2l.c expects. Ports are checked by the caller.
 */
#include <hv/event.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>

#define BITS_PER_WORD 64

static bool test_and_set(unsigned long *words, evtchn_port_t port)
{
    unsigned long bit = 1UL << (port % BITS_PER_WORD);
    unsigned long old = __atomic_fetch_or(&words[port / BITS_PER_WORD], bit, __ATOMIC_SEQ_CST);

    return old & bit;
}

static bool test_bit_port(const unsigned long *words, evtchn_port_t port)
{
    return words[port / BITS_PER_WORD] & (1UL << (port % BITS_PER_WORD));
}

static void clear_bit_port(unsigned long *words, evtchn_port_t port)
{
    __atomic_fetch_and(&words[port / BITS_PER_WORD], ~(1UL << (port % BITS_PER_WORD)),
                       __ATOMIC_SEQ_CST);
}

static struct vcpu *notify_vcpu(struct domain *d, evtchn_port_t port)
{
    return d->vcpus[evtchn_from_port(d, port)->notify_vcpu];
}

/* Pending -> (unmasked) selector bit -> upcall_pending -> wake the vCPU. */
static void mark_selector(struct vcpu *v, evtchn_port_t port)
{
    unsigned long sel = 1UL << (port / BITS_PER_WORD);

    if (__atomic_fetch_or(&v->vcpu_info->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST) & sel)
        return;
    evtchn_mark_upcall(v);
}

static void l2_init(struct domain *d, evtchn_port_t port)
{
    (void)d; (void)port;
}

static void l2_set_pending(struct domain *d, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = notify_vcpu(d, port);

    if (test_and_set(s->evtchn_pending, port))
        return;
    if (!test_bit_port(s->evtchn_mask, port) && v)
        mark_selector(v, port);
    evtchn_wake_pollers(d, port);
}

static void l2_clear_pending(struct domain *d, evtchn_port_t port)
{
    clear_bit_port(d->shared_info->evtchn_pending, port);
}

static void l2_unmask(struct domain *d, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = notify_vcpu(d, port);

    clear_bit_port(s->evtchn_mask, port);
    if (test_bit_port(s->evtchn_pending, port) && v)
        mark_selector(v, port);
}

static bool l2_is_pending(struct domain *d, evtchn_port_t port)
{
    return test_bit_port(d->shared_info->evtchn_pending, port);
}

/* Priorities are a FIFO notion: Xen has no set_priority for 2-level. */
static int l2_set_priority(struct domain *d, evtchn_port_t port, unsigned int priority)
{
    (void)d; (void)port; (void)priority;
    return -ENOSYS;
}

const struct evtchn_port_ops evtchn_port_ops_2l = {
    .init = l2_init,
    .set_pending = l2_set_pending,
    .clear_pending = l2_clear_pending,
    .unmask = l2_unmask,
    .is_pending = l2_is_pending,
    .set_priority = l2_set_priority,
    .max_ports = EVTCHN_2L_NR_CHANNELS,
};
