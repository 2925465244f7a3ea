/*
 * A guest starting and stopping its own vCPUs (VCPUOP_initialise, up,
 * down), as Xen 4.17's common/domain.c: a vCPU made by the builder or
 * max_vcpus is down until the guest gives it a context and brings it up;
 * any vCPU may down itself or another, and downing the last one that is up
 * powers the domain off. d->domain_lock (rank 2) orders these against each
 * other; nothing under it waits for another CPU (down does not wait for the
 * vCPU to leave its CPU, as Xen's vcpu_sleep_nosync: that CPU may be
 * spinning on this very lock with interrupts off).
 */
#include <hv/errno.h>
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/vcpu_updown.h>

#define CTXT_PAGES (ALIGN_UP(sizeof(struct vcpu_guest_context), PAGE_SIZE) / PAGE_SIZE)

/* The context is copied in before the lock (a guest access may fault). */
long vcpu_op_initialise(struct vcpu *v, guest_handle_t arg)
{
    struct vcpu_guest_context *c = hv_alloc_pages(CTXT_PAGES);
    struct domain *d = v->domain;
    long rc;

    if (!c)
        return -ENOMEM;
    if (copy_from_handle(c, arg, sizeof(*c))) {
        hv_free_pages(c, CTXT_PAGES);
        return -EFAULT;
    }
    spin_lock(&d->domain_lock);
    rc = arch_initialise_vcpu(v, c);
    spin_unlock(&d->domain_lock);
    hv_free_pages(c, CTXT_PAGES);
    return rc;
}

/* -EINVAL without a context (Xen's is_initialised); up already: nothing to do. */
long vcpu_op_up(struct vcpu *v)
{
    struct domain *d = v->domain;
    long rc = 0;

    spin_lock(&d->domain_lock);
    if (!arch_vcpu_initialised(v))
        rc = -EINVAL;
    else if (v->state == VCPU_DOWN)
        sched_add(v);                                /* waits while the domain is paused */
    spin_unlock(&d->domain_lock);
    return rc;
}

static bool another_vcpu_up(const struct domain *d, const struct vcpu *v)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && d->vcpus[i] != v && d->vcpus[i]->state != VCPU_DOWN)
            return true;
    return false;
}

/*
 * v down (it keeps its context and resumes where it was at the next up).
 * Downing itself, the caller leaves its CPU before the hypercall returns,
 * and returns 0 once it is up again.
 */
long vcpu_op_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    bool last;

    spin_lock(&d->domain_lock);
    last = !another_vcpu_up(d, v);
    if (!last)
        sched_down(v);
    spin_unlock(&d->domain_lock);
    if (last) {
        domain_shutdown(d, SHUTDOWN_poweroff);       /* as Xen: the last vCPU going down */
        return 0;
    }
    if (v == current)
        schedule();
    return 0;
}
