/*
 * What the toolstack does to a whole domain (domctl): pause and unpause by
 * the controller, as Xen's controller pause count (a domain is created
 * paused, once; the toolstack's unpause starts it); destruction, started
 * here and carried on in bounded steps, each hypercall continuation one
 * more step; the lookups getdomaininfo and createdomain need.
 */
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>

static void for_each_vcpu_of(struct domain *d, void (*fn)(struct vcpu *v))
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            fn(d->vcpus[i]);
}

/* A paused vCPU keeps its state (runnable, blocked) but leaves the queue, and its CPU. */
int domain_pause(struct domain *d)
{
    if (d->pause_count >= DOMAIN_PAUSE_MAX)
        return -EOVERFLOW;
    if (__atomic_fetch_add(&d->pause_count, 1, __ATOMIC_RELAXED) == 0)
        for_each_vcpu_of(d, sched_remove);
    return 0;
}

int domain_unpause(struct domain *d)
{
    if (!d->pause_count)
        return -EINVAL;
    if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_RELAXED) == 0)
        for_each_vcpu_of(d, sched_unpause);
    return 0;
}

int domain_pause_by_controller(struct domain *d)
{
    return domain_pause(d);
}

int domain_unpause_by_controller(struct domain *d)
{
    if (!d->pause_count)
        return -EINVAL;
    d->creation_finished = true;                     /* as Xen: the first unpause ends creation */
    return domain_unpause(d);
}

/* With a reference: the caller must put_domain() it. */
struct domain *domain_first_at_or_above(domid_t id)
{
    for (unsigned int i = id; i < HV_MAX_DOMAINS; i++) {
        struct domain *d = domain_lookup_any((domid_t)i);

        if (d)
            return d;
    }
    return NULL;
}

/* Xen's rover: ids are not reused at once, so a stale id names no new domain. */
domid_t domain_pick_free_id(void)
{
    static domid_t rover;

    for (unsigned int n = 1; n < HV_MAX_DOMAINS; n++) {
        domid_t id = (domid_t)(1 + (rover + n - 1) % (HV_MAX_DOMAINS - 1));

        if (!domain_exists(id)) {
            rover = id;
            return id;
        }
    }
    return 0;
}

/*
 * As Xen's domain_kill: a live domain is stopped and marked dying (its
 * event channels and grants go at once, domain_shutdown), then each call
 * does one bounded step of the release; the last one frees it. The
 * domain's shutdown reason, if it had one, stays what it was.
 */
int domain_kill(struct domain *d)
{
    if (d == current->domain)
        return -EINVAL;
    if (!d->dying) {
        d->dying = true;
        d->controlled = true;                        /* destroyed here, not by the idle loop */
        if (d->state == DOM_ACTIVE)
            domain_shutdown(d, SHUTDOWN_poweroff);
    }
    return domain_destroy_step(d);
}
