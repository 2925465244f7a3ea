/* sched_op, set_timer_op and vcpu_op: how a guest yields, sleeps, stops and keeps time. */
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
    schedule();
    return 0;
}

static long sched_shutdown(unsigned long arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    domain_shutdown(current->domain, s.reason);
    return 0;
}

#define POLL_MAX_PORTS 128

/* Poll: sleep until one of the ports is pending (masked or not) or the timeout. */
static long sched_poll(unsigned long arg)
{
    struct vcpu *v = current;
    evtchn_port_t ports[POLL_MAX_PORTS];
    struct sched_poll p;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_guest(ports, (unsigned long)p.ports.p, p.nr_ports * sizeof(evtchn_port_t)))
        return -EFAULT;
    for (unsigned int i = 0; i < p.nr_ports; i++) {
        if (!evtchn_port_valid(v->domain, ports[i]))     /* FIFO ports reach past 4096 */
            return -EINVAL;
        if (evtchn_is_pending(v->domain, ports[i]))
            return 0;
    }
    if (p.timeout && p.timeout <= hv_now())
        return 0;
    if (p.timeout)
        timer_set(&v->poll_timer, p.timeout);
    v->polling = true;
    sched_block(v);
    schedule();
    v->polling = false;
    timer_stop(&v->poll_timer);
    return 0;
}

long do_sched_op(unsigned long cmd, unsigned long arg)
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

long do_sched_op_compat(unsigned long cmd, unsigned long arg)
{
    if (cmd == SCHEDOP_shutdown) {
        domain_shutdown(current->domain, (unsigned int)arg);
        return 0;
    }
    return do_sched_op(cmd, 0);
}

/* An absolute system-time deadline; 0 cancels; one in the past fires at once. */
long do_set_timer_op(unsigned long timeout)
{
    struct vcpu *v = current;

    if (!timeout) {
        timer_stop(&v->singleshot_timer);
        return 0;
    }
    timer_set(&v->singleshot_timer, timeout);
    return 0;
}

static long vcpu_singleshot(struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_singleshot_timer t;

    if (copy_from_guest(&t, arg, sizeof(t)))
        return -EFAULT;
    /* VCPU_SSHOTTMR_future is ignored, as in Xen 4.17: a past deadline fires at once. */
    timer_set(&v->singleshot_timer, t.timeout_abs_ns);
    return 0;
}

static long vcpu_periodic(struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_periodic_timer t;

    if (copy_from_guest(&t, arg, sizeof(t)))
        return -EFAULT;
    if (t.period_ns < 1000000ULL)                    /* as Xen: at least 1 ms */
        return -EINVAL;
    v->periodic_period = t.period_ns;
    timer_set(&v->periodic_timer, hv_now() + t.period_ns);
    return 0;
}

static long vcpu_runstate_info(struct vcpu *v, unsigned long arg)
{
    return copy_to_guest(arg, &v->runstate, sizeof(v->runstate));
}

/*
 * The guest address of a VCPUOP_register_*_memory_area argument (runstate,
 * time: both one 64-bit address); 0 unregisters. *addr changes only when
 * the address is acceptable.
 */
_Static_assert(sizeof(struct vcpu_register_runstate_memory_area) == sizeof(u64) &&
               sizeof(struct vcpu_register_time_memory_area) == sizeof(u64),
               "register_*_memory_area: one guest address");

static long area_addr(unsigned long arg, size_t len, u64 *addr)
{
    u64 p;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p && !guest_range_ok(p, len))
        return -EFAULT;
    *addr = p;
    return 0;
}

static long vcpu_register_runstate(struct vcpu *v, unsigned long arg)
{
    long rc = area_addr(arg, sizeof(struct vcpu_runstate_info), &v->runstate_guest);

    if (!rc && v == current)
        vcpu_runstate_publish(v);
    return rc;
}

/* A second copy of the time info for user space (Linux's vDSO pvclock). */
static long vcpu_register_time_area(struct vcpu *v, unsigned long arg)
{
    long rc = area_addr(arg, sizeof(struct vcpu_time_info), &v->time_guest);

    if (!rc && v == current)
        vcpu_time_publish(v);
    return rc;
}

static long vcpu_register_info(struct vcpu *v, unsigned long arg)
{
    struct vcpu_register_vcpu_info info;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -EFAULT;
    if (info.rsvd)
        return -EINVAL;
    return arch_register_vcpu_info(v, info.mfn, info.offset);
}

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= HV_MAX_VCPUS || !(v = d->vcpus[vcpuid]))
        return -ENOENT;
    switch (cmd) {
    case VCPUOP_is_up:
        return v->state != VCPU_DOWN;
    case VCPUOP_set_singleshot_timer:
        return v == current ? vcpu_singleshot(v, arg) : -EINVAL;
    case VCPUOP_stop_singleshot_timer:
        timer_stop(&v->singleshot_timer);
        return 0;
    case VCPUOP_set_periodic_timer:
        return vcpu_periodic(v, arg);
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        timer_stop(&v->periodic_timer);
        return 0;
    case VCPUOP_get_runstate_info:
        return vcpu_runstate_info(v, arg);
    case VCPUOP_register_runstate_memory_area:
        return vcpu_register_runstate(v, arg);
    case VCPUOP_register_vcpu_info:
        return vcpu_register_info(v, arg);
    case VCPUOP_register_vcpu_time_memory_area:
        return vcpu_register_time_area(v, arg);
    default:
        return -ENOSYS;
    }
}
