/*
 * vcpu_op: a vCPU's own timers (singleshot, periodic), its runstate, and the
 * areas it registers for the hypervisor to keep up to date (vcpu_info, the
 * runstate and the vDSO time copy). Starting and stopping vCPUs:
 * vcpu_updown.c.
 */
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/vcpu_updown.h>

static long vcpu_singleshot(struct vcpu *v, guest_handle_t arg)
{
    struct vcpu_set_singleshot_timer t;

    if (copy_from_handle(&t, arg, sizeof(t)))
        return -EFAULT;
    /* VCPU_SSHOTTMR_future is ignored, as in Xen 4.17: a past deadline fires at once. */
    timer_set(&v->singleshot_timer, guest_deadline(t.timeout_abs_ns));
    return 0;
}

static long vcpu_periodic(struct vcpu *v, guest_handle_t arg)
{
    struct vcpu_set_periodic_timer t;

    if (copy_from_handle(&t, arg, sizeof(t)))
        return -EFAULT;
    if (t.period_ns < 1000000ULL || t.period_ns > STIME_DELTA_MAX)   /* as Xen: 1 ms .. 2^62 ns */
        return -EINVAL;
    v->periodic_period = t.period_ns;
    timer_set(&v->periodic_timer, deadline_after(hv_now(), t.period_ns));
    return 0;
}

/*
 * As Xen's vcpu_runstate_get: the current state's time counts up to now.
 * Another vCPU's runstate changes on its own CPU meanwhile, with no lock
 * shared with this reader: the copy is taken again until its entry time
 * did not move across it (a statistic; the worst case is one period
 * counted twice). The update flag a publish sets for a moment is masked.
 */
static void runstate_snapshot(const struct vcpu *v, struct vcpu_runstate_info *r)
{
    u64 entry, now;

    do {
        entry = __atomic_load_n(&v->runstate.state_entry_time, __ATOMIC_ACQUIRE);
        memcpy(r, &v->runstate, sizeof(*r));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while (__atomic_load_n(&v->runstate.state_entry_time, __ATOMIC_RELAXED) != entry);
    r->state_entry_time = entry & ~XEN_RUNSTATE_UPDATE;
    now = hv_now();
    if ((unsigned int)r->state < ARRAY_SIZE(r->time) && now > r->state_entry_time)
        r->time[r->state] += now - r->state_entry_time;
}

static long vcpu_runstate_info(struct vcpu *v, guest_handle_t arg)
{
    struct vcpu_runstate_info r;

    runstate_snapshot(v, &r);
    return copy_to_handle(arg, &r, sizeof(r));
}

/*
 * The guest address of a VCPUOP_register_*_memory_area argument (runstate,
 * time: both one 64-bit address); 0 unregisters. *addr changes only when
 * the address is acceptable.
 */
_Static_assert(sizeof(struct vcpu_register_runstate_memory_area) == sizeof(u64) &&
               sizeof(struct vcpu_register_time_memory_area) == sizeof(u64),
               "register_*_memory_area: one guest address");

static long area_addr(guest_handle_t arg, size_t len, u64 *addr)
{
    u64 p;

    if (copy_from_handle(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p && !guest_range_ok(p, len))
        return -EFAULT;
    *addr = p;
    return 0;
}

static long vcpu_register_runstate(struct vcpu *v, guest_handle_t arg)
{
    long rc = area_addr(arg, sizeof(struct vcpu_runstate_info), &v->runstate_guest);

    if (!rc && v == current)
        vcpu_runstate_publish(v);
    return rc;
}

/* A second copy of the time info for user space (Linux's vDSO pvclock). */
static long vcpu_register_time_area(struct vcpu *v, guest_handle_t arg)
{
    long rc = area_addr(arg, sizeof(struct vcpu_time_info), &v->time_guest);

    if (!rc && v == current)
        vcpu_time_publish(v);
    return rc;
}

static long vcpu_register_info(struct vcpu *v, guest_handle_t arg)
{
    struct vcpu_register_vcpu_info info;

    if (copy_from_handle(&info, arg, sizeof(info)))
        return -EFAULT;
    if (info.rsvd)
        return -EINVAL;
    if (v != current && v->state != VCPU_DOWN)
        return -EINVAL;                              /* as Xen: its own, or a down vCPU's */
    return arch_register_vcpu_info(v, info.mfn, info.offset);
}

long do_vcpu_op(int cmd, unsigned int vcpuid, guest_handle_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= HV_MAX_VCPUS || !(v = d->vcpus[vcpuid]))
        return -ENOENT;
    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_op_initialise(v, arg);
    case VCPUOP_up:
        return vcpu_op_up(v);
    case VCPUOP_down:
        return vcpu_op_down(v);
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
