/* sched_op and set_timer_op: how a guest yields, sleeps, stops and sets its one-shot timer. */
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <hv/time.h>

/* Block: enable event delivery; sleep only if nothing is pending already. */
static long sched_block_current(void)
{
    struct vcpu *v = current;

    v->vcpu_info->evtchn_upcall_mask = 0;
    if (v->vcpu_info->evtchn_upcall_pending)
        return 0;
    sched_block(v);
    /* An event sent from another CPU meanwhile found us runnable: look again. */
    if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
        sched_wake(v);
    schedule();
    return 0;
}

static long sched_shutdown(guest_handle_t arg)
{
    struct sched_shutdown s;

    if (copy_from_handle(&s, arg, sizeof(s)))
        return -EFAULT;
    /* Any reason, as Xen: it keeps the low 8 bits; the toolstack judges it. */
    domain_shutdown(current->domain, (u8)s.reason);
    return 0;
}

#define POLL_MAX_PORTS 128

static bool any_pending(struct domain *d, const evtchn_port_t *ports, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        if (evtchn_is_pending(d, ports[i]))
            return true;
    return false;
}

/* Poll: sleep until one of the ports is pending (masked or not) or the timeout. */
static long sched_poll(guest_handle_t arg)
{
    struct vcpu *v = current;
    evtchn_port_t ports[POLL_MAX_PORTS];
    struct sched_poll p;

    if (copy_from_handle(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_handle(ports, guest_handle_from_field(p.ports), p.nr_ports * sizeof(evtchn_port_t)))
        return -EFAULT;
    for (unsigned int i = 0; i < p.nr_ports; i++) {
        if (!evtchn_port_valid(v->domain, ports[i]))     /* FIFO ports reach past 4096 */
            return -EINVAL;
        if (evtchn_is_pending(v->domain, ports[i]))
            return 0;
    }
    if (p.timeout && guest_deadline(p.timeout) <= hv_now())
        return 0;
    if (p.timeout)
        timer_set(&v->poll_timer, p.timeout);
    v->poll_port = p.nr_ports == 1 ? ports[0] : EVTCHN_POLL_ANY;
    __atomic_store_n(&v->polling, true, __ATOMIC_RELEASE);   /* after poll_port: the wakers read both */
    sched_block(v);
    if (any_pending(v->domain, ports, p.nr_ports))   /* sent from another CPU meanwhile */
        sched_wake(v);
    schedule();
    v->polling = false;
    timer_stop(&v->poll_timer);
    return 0;
}

long do_sched_op(int cmd, guest_handle_t arg)
{
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return sched_block_current();
    case SCHEDOP_shutdown:
        return sched_shutdown(arg);
    case SCHEDOP_poll:
        return sched_poll(arg);
    default:
        return -ENOSYS;
    }
}

long do_sched_op_compat(int cmd, unsigned long arg)
{
    if (cmd == SCHEDOP_shutdown) {
        domain_shutdown(current->domain, (u8)arg);
        return 0;
    }
    return do_sched_op(cmd, guest_handle(0));
}

#define HUGE_TIMEOUT_NS   (1ULL << 50)              /* about 13 days */
#define HUGE_TIMEOUT_FIRE 100000000ULL               /* 100 ms */

/*
 * An absolute system-time deadline; 0 cancels; one in the past fires at
 * once. As on Xen, a deadline that is negative as a signed time or more
 * than 2^50 ns away (what a guest's wrapped jiffies arithmetic produces)
 * fires in 100 ms instead: soon enough for the guest's pending work, not
 * so soon that a guest with nothing pending spins.
 */
long do_set_timer_op(s64 timeout)
{
    struct vcpu *v = current;
    u64 now = hv_now(), deadline = (u64)timeout;

    if (!timeout) {
        timer_stop(&v->singleshot_timer);
        return 0;
    }
    if (timeout < 0 || (deadline > now && deadline - now >= HUGE_TIMEOUT_NS))
        deadline = now + HUGE_TIMEOUT_FIRE;
    timer_set(&v->singleshot_timer, deadline);
    return 0;
}
