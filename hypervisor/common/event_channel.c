/*
 * Event channels: ports, their bindings and the sub-op table. Each sub-op
 * copies its argument in at the edge (do_event_channel_op), validates, then
 * acts on hypervisor state. Raising, masking and finding a port pending go
 * through the domain's port ABI (d->evtchn_ops): event_2l.c or event_fifo.c.
 *
 * Invariants (ASSERTed where they change):
 *  - port 0 is reserved and never bound;
 *  - interdomain ports come in pairs: while both ends are ECS_INTERDOMAIN,
 *    each names the other (domain and port); closing one end leaves the
 *    other unbound, waiting for the same domain;
 *  - a VIRQ port is the one its vCPU's virq_to_port names.
 *
 * Locks (docs/smp.md): d->event_lock over allocation, binding, closing and
 * teardown (an interdomain bind or close holds both domains', lower id
 * first: spin_lock_pair); a port's lock (its stripe of d->evtchn_port_lock)
 * over its state while it is raised, unmasked, bound or closed. A send holds
 * the sending port's lock only: the remote end cannot be closed meanwhile,
 * since closing an interdomain channel takes both ends' port locks. The
 * FIFO queue locks nest inside (event_fifo.c). Port locks are taken with
 * interrupts off: timers raise VIRQs.
 */
#include <hv/bug.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>

_Static_assert(EVTCHN_NR_BUCKETS * sizeof(struct evtchn *) <= PAGE_SIZE, "bucket table is a page");
_Static_assert(EVTCHN_MAX % EVTCHNS_PER_BUCKET == 0, "2-level range in whole buckets");

/*
 * Ports live in buckets of one page, allocated as the domain needs them: the
 * 2-level range is there from the start, FIFO ports beyond it on demand.
 */
bool evtchn_port_valid(const struct domain *d, evtchn_port_t port)
{
    return port < d->evtchn_valid;
}

struct evtchn *evtchn_from_port(const struct domain *d, evtchn_port_t port)
{
    return &d->evtchn[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
}

static struct evtchn *chn(struct domain *d, evtchn_port_t port)
{
    return evtchn_from_port(d, port);
}

static bool port_valid(const struct domain *d, evtchn_port_t port)
{
    return evtchn_port_valid(d, port);
}

static spinlock_t *port_lock(struct domain *d, evtchn_port_t port)
{
    return &d->evtchn_port_lock[port % EVTCHN_PORT_LOCKS];
}

static unsigned long lock_port(struct domain *d, evtchn_port_t port)
{
    return spin_lock_irqsave(port_lock(d, port));
}

static void unlock_port(struct domain *d, evtchn_port_t port, unsigned long flags)
{
    spin_unlock_irqrestore(port_lock(d, port), flags);
}

unsigned long evtchn_lock_port(struct domain *d, evtchn_port_t port)
{
    return lock_port(d, port);
}

void evtchn_unlock_port(struct domain *d, evtchn_port_t port, unsigned long flags)
{
    unlock_port(d, port, flags);
}

/*
 * Waits out every holder of d's port locks: one that took its lock before
 * now has finished, one that takes it later sees what the caller changed
 * before (the ABI, the valid range). Takes them one at a time.
 */
void evtchn_quiesce_ports(struct domain *d)
{
    for (unsigned int i = 0; i < EVTCHN_PORT_LOCKS; i++)
        spin_unlock_irqrestore(&d->evtchn_port_lock[i], spin_lock_irqsave(&d->evtchn_port_lock[i]));
}

static int add_bucket(struct domain *d)
{
    unsigned int b = d->evtchn_valid / EVTCHNS_PER_BUCKET;

    if (b >= EVTCHN_NR_BUCKETS || d->evtchn_valid >= d->evtchn_ops->max_ports)
        return -ENOSPC;
    d->evtchn[b] = hv_alloc_pages(1);
    if (!d->evtchn[b])
        return -ENOMEM;
    d->evtchn_valid += EVTCHNS_PER_BUCKET;
    return 0;
}

int evtchn_domain_init(struct domain *d)
{
    d->evtchn_ops = &evtchn_port_ops_2l;
    d->evtchn = hv_alloc_pages(1);
    if (!d->evtchn)
        return -ENOMEM;
    while (d->evtchn_valid < EVTCHN_MAX)
        if (add_bucket(d))
            return -ENOMEM;
    chn(d, 0)->state = ECS_RESERVED;
    return 0;
}

/* The lowest free port, growing into a new bucket when all are taken; 0: none. */
static evtchn_port_t get_free_port(struct domain *d)
{
    ASSERT(spin_is_locked_by_me(&d->event_lock));
    if (d->evtchn_closing || !d->evtchn)
        return 0;                                    /* being torn down */
    for (evtchn_port_t p = 1; p < d->evtchn_valid; p++)
        if (chn(d, p)->state == ECS_FREE)
            return p;
    if (add_bucket(d))
        return 0;
    return d->evtchn_valid - EVTCHNS_PER_BUCKET;
}

/* Every bind ends here: the port takes its state, then the ABI sets its defaults. */
static void bind_port(struct domain *d, evtchn_port_t port, struct evtchn c)
{
    struct evtchn *e = chn(d, port);
    unsigned long flags = lock_port(d, port);

    c.last_vcpu = e->last_vcpu;                      /* where a stale link still sits */
    c.last_priority = e->last_priority;
    *e = c;
    d->evtchn_ops->init(d, port);
    unlock_port(d, port, flags);
}

bool evtchn_is_pending(struct domain *d, evtchn_port_t port)
{
    return d->evtchn && port_valid(d, port) && d->evtchn_ops->is_pending(d, port);
}

void evtchn_mark_upcall(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_pending = 1;
    sched_wake(v);
}

/* As Xen's evtchn_check_pollers: a vCPU polling other ports sleeps on (no spurious
 * wake-up, which costs an IPI and a halted CPU's wake-up each). */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        evtchn_port_t want;

        if (!v || !__atomic_load_n(&v->polling, __ATOMIC_ACQUIRE))
            continue;
        want = __atomic_load_n(&v->poll_port, __ATOMIC_RELAXED);
        if (want == EVTCHN_POLL_ANY || want == port)
            sched_wake(v);
    }
}

/* Under the port's lock, or the sending port's (an interdomain send). */
static void raise_locked(struct domain *d, evtchn_port_t port)
{
    const struct evtchn *c = chn(d, port);

    if (c->hv_consumer) {
        ioreq_port_notified(d, c->notify_vcpu);     /* the hypervisor's end, not the guest's */
    } else {
        __atomic_fetch_add(&d->counters.events_raised, 1, __ATOMIC_RELAXED);
        d->evtchn_ops->set_pending(d, port);
    }
}

/* A hypervisor service raising its own port: only while the port is still valid and bound. */
void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
    unsigned long flags = lock_port(d, port);

    if (port_valid(d, port) && chn(d, port)->state != ECS_FREE)
        raise_locked(d, port);
    unlock_port(d, port, flags);
}

/* virq_to_port is read unlocked: the port is checked again under its lock. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d = v->domain;
    evtchn_port_t port = virq < NR_VIRQS ? __atomic_load_n(&v->virq_to_port[virq], __ATOMIC_ACQUIRE) : 0;
    unsigned long flags;

    if (!port || d->state != DOM_ACTIVE)
        return;
    flags = lock_port(d, port);
    if (port_valid(d, port) && chn(d, port)->state == ECS_VIRQ && chn(d, port)->virq == virq)
        raise_locked(d, port);
    unlock_port(d, port, flags);
}

/* An interrupt line's port, raised only while it is still that line's (checked under its lock). */
void evtchn_raise_pirq(struct domain *d, evtchn_port_t port, unsigned int pirq)
{
    unsigned long flags;

    if (d->state != DOM_ACTIVE)
        return;
    flags = lock_port(d, port);
    if (port_valid(d, port) && chn(d, port)->state == ECS_PIRQ && chn(d, port)->pirq == pirq)
        raise_locked(d, port);
    unlock_port(d, port, flags);
}

/*
 * As Xen: the local domain must exist (-ESRCH) and be the caller or one the
 * caller controls (-EPERM); the remote domain need not exist yet, since a
 * toolstack offers ports to domains it is still building.
 */
static int alloc_unbound_in(struct domain *d, struct domain *ld, struct evtchn_alloc_unbound *op)
{
    evtchn_port_t port;

    if (ld != d && !d->privileged)
        return -EPERM;
    port = get_free_port(ld);
    if (!port)
        return -ENOSPC;
    bind_port(ld, port, (struct evtchn){ .state = ECS_UNBOUND,
              .remote_dom = op->remote_dom == DOMID_SELF ? d->id : op->remote_dom });
    op->port = port;
    return 0;
}

int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *op)
{
    struct domain *ld = domain_lookup_by_caller(op->dom, d);
    int rc;

    if (!ld)
        return -ESRCH;
    spin_lock(&ld->event_lock);
    rc = alloc_unbound_in(d, ld, op);
    spin_unlock(&ld->event_lock);
    put_domain(ld);
    return rc;
}

static int bind_interdomain_to(struct domain *d, struct domain *rd,
                               struct evtchn_bind_interdomain *op)
{
    evtchn_port_t lport, rport = op->remote_port;
    struct evtchn *rchn;

    unsigned long flags;

    if (rd->evtchn_closing || !port_valid(rd, rport))
        return -EINVAL;
    rchn = chn(rd, rport);
    if (rchn->state != ECS_UNBOUND || rchn->remote_dom != d->id)
        return -EINVAL;
    lport = get_free_port(d);
    if (!lport)
        return -ENOSPC;
    bind_port(d, lport, (struct evtchn){ .state = ECS_INTERDOMAIN, .remote_dom = rd->id,
                                         .remote_port = rport });
    flags = lock_port(rd, rport);
    rchn->state = ECS_INTERDOMAIN;
    rchn->remote_port = lport;
    rchn->peer_closed = false;
    unlock_port(rd, rport, flags);
    op->local_port = lport;
    evtchn_set_pending(d, lport);                    /* as Xen: the binder gets a first event */
    return 0;
}

int evtchn_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op)
{
    struct domain *rd = domain_lookup_by_caller(op->remote_dom, d);
    int rc;

    if (!rd)
        return -ESRCH;
    spin_lock_pair(&d->event_lock, &rd->event_lock);
    rc = bind_interdomain_to(d, rd, op);
    spin_unlock_pair(&d->event_lock, &rd->event_lock);
    put_domain(rd);
    return rc;
}

/*
 * A global VIRQ is the domain's, not a vCPU's: it is bound on vCPU 0 and
 * stays in vCPU 0's virq_to_port, and bind_vcpu may move only where it is
 * delivered (notify_vcpu). The per-vCPU ones are Xen's four.
 */
static bool virq_is_global(unsigned int virq)
{
    return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU;
}

/* The vCPU whose virq_to_port names a VIRQ port (vCPU 0 for a global one). */
static struct vcpu *virq_owner(struct domain *d, const struct evtchn *c)
{
    return d->vcpus[virq_is_global(c->virq) ? 0 : c->notify_vcpu];
}

static int bind_virq_locked(struct domain *d, struct evtchn_bind_virq *op)
{
    struct vcpu *v;
    evtchn_port_t port;

    if (op->virq >= NR_VIRQS)
        return -EINVAL;
    if (virq_is_global(op->virq) && op->vcpu != 0)
        return -EINVAL;                              /* global VIRQs bind on vCPU 0 only, as Xen */
    if (op->vcpu >= HV_MAX_VCPUS || !(v = d->vcpus[op->vcpu]))
        return -ENOENT;
    if (v->virq_to_port[op->virq])
        return -EEXIST;
    port = get_free_port(d);
    if (!port)
        return -ENOSPC;
    bind_port(d, port, (struct evtchn){ .state = ECS_VIRQ, .virq = (u16)op->virq,
                                        .notify_vcpu = (u8)op->vcpu });
    __atomic_store_n(&v->virq_to_port[op->virq], port, __ATOMIC_RELEASE);
    op->port = port;
    return 0;
}

int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *op)
{
    int rc;

    spin_lock(&d->event_lock);
    rc = bind_virq_locked(d, op);
    spin_unlock(&d->event_lock);
    return rc;
}

/* One service per domain is all the hypervisor offers (its PV console). */
static evtchn_service_fn service_fn[HV_MAX_DOMAINS];

int evtchn_bind_service(struct domain *d, evtchn_service_fn fn)
{
    evtchn_port_t port;

    spin_lock(&d->event_lock);
    port = get_free_port(d);
    if (port) {
        service_fn[d->id] = fn;                      /* before a send can find the port */
        bind_port(d, port, (struct evtchn){ .state = ECS_HYPERVISOR, .remote_dom = DOMID_XEN });
    }
    spin_unlock(&d->event_lock);
    return port ? (int)port : -ENOSPC;
}

int evtchn_bind_new(struct domain *d, struct evtchn c)
{
    evtchn_port_t port;

    spin_lock(&d->event_lock);
    port = get_free_port(d);
    if (port)
        bind_port(d, port, c);
    spin_unlock(&d->event_lock);
    return port ? (int)port : -ENOSPC;
}

int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *op)
{
    evtchn_port_t port;

    if (op->vcpu >= HV_MAX_VCPUS || !d->vcpus[op->vcpu])
        return -ENOENT;
    spin_lock(&d->event_lock);
    port = get_free_port(d);
    if (port)
        bind_port(d, port, (struct evtchn){ .state = ECS_IPI, .notify_vcpu = (u8)op->vcpu });
    spin_unlock(&d->event_lock);
    if (!port)
        return -ENOSPC;
    op->port = port;
    return 0;
}

/*
 * Closes one end, under the event locks of d and (interdomain) rd and both
 * ends' port locks: the remote end goes back to unbound, waiting for d.
 */
static void close_port(struct domain *d, evtchn_port_t port, struct domain *rd)
{
    struct evtchn *c = chn(d, port), *rc = NULL;
    evtchn_port_t rport = c->remote_port;
    unsigned long flags;

    ASSERT(port != 0 && spin_is_locked_by_me(&d->event_lock));
    if (c->state == ECS_INTERDOMAIN && !rd && c->remote_dom == d->id)
        rd = d;                                      /* loopback: both ends are d's */
    if (c->state == ECS_INTERDOMAIN && rd && rd->evtchn && port_valid(rd, rport)) {
        ASSERT(spin_is_locked_by_me(&rd->event_lock));
        rc = chn(rd, rport);
        if (rc->state != ECS_INTERDOMAIN || rc->remote_dom != d->id)
            rc = NULL;
    }
    flags = arch_irq_save();
    spin_lock_pair(port_lock(d, port), rc ? port_lock(rd, rport) : port_lock(d, port));
    if (c->state == ECS_VIRQ && virq_owner(d, c)) {
        ASSERT(virq_owner(d, c)->virq_to_port[c->virq] == port);
        __atomic_store_n(&virq_owner(d, c)->virq_to_port[c->virq], 0, __ATOMIC_RELEASE);
    }
    if (rc) {
        ASSERT(rc->remote_port == port);
        rc->state = ECS_UNBOUND;
        rc->remote_dom = d->id;
        rc->peer_closed = rc->hv_consumer;
        if (rc->hv_consumer)                         /* its device model went: a waiter must know */
            ioreq_port_notified(rd, rc->notify_vcpu);
    }
    if (c->state == ECS_HYPERVISOR)
        service_fn[d->id] = NULL;
    if (c->state == ECS_PIRQ)
        evtchn_pirq_closed(d, c, port);
    d->evtchn_ops->clear_pending(d, port);
    *c = (struct evtchn){ .state = ECS_FREE, .last_vcpu = c->last_vcpu,
                          .last_priority = c->last_priority };
    spin_unlock_pair(port_lock(d, port), rc ? port_lock(rd, rport) : port_lock(d, port));
    arch_irq_restore(flags);
}

bool evtchn_peer_gone(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    bool gone;

    if (!d->evtchn || !port_valid(d, port))
        return false;
    flags = lock_port(d, port);
    gone = chn(d, port)->hv_consumer && chn(d, port)->state == ECS_UNBOUND && chn(d, port)->peer_closed;
    unlock_port(d, port, flags);
    return gone;
}

/* The other end's domain of a bound interdomain port, with a reference; NULL: none. */
static struct domain *remote_of(struct domain *d, evtchn_port_t port)
{
    const struct evtchn *c = chn(d, port);
    struct domain *rd;

    if (c->state != ECS_INTERDOMAIN || c->remote_dom >= HV_MAX_DOMAINS)
        return NULL;
    /* Valid while the channel is: rd's teardown closes it under our event lock. */
    rd = hv_domains[c->remote_dom];
    return rd && rd != d && get_domain(rd) ? rd : NULL;
}

/*
 * Takes d's event lock, and rd's too when port is interdomain with another
 * domain (lower id first: d's may have to be dropped and the port looked
 * at again). Returns with the locks held; *rd holds a reference or is NULL.
 */
static int lock_for_close(struct domain *d, evtchn_port_t port, struct domain **rd)
{
    for (;;) {
        spin_lock(&d->event_lock);
        if (!port_valid(d, port) || chn(d, port)->state == ECS_FREE ||
            chn(d, port)->state == ECS_RESERVED) {
            spin_unlock(&d->event_lock);
            return -EINVAL;
        }
        if (!(*rd = remote_of(d, port)))
            return 0;
        if ((*rd)->id > d->id) {
            spin_lock(&(*rd)->event_lock);
            return 0;
        }
        spin_unlock(&d->event_lock);
        spin_lock_pair(&d->event_lock, &(*rd)->event_lock);
        if (port_valid(d, port) && chn(d, port)->state == ECS_INTERDOMAIN &&
            chn(d, port)->remote_dom == (*rd)->id)
            return 0;
        spin_unlock_pair(&d->event_lock, &(*rd)->event_lock);     /* it changed: again */
        put_domain(*rd);
    }
}

int evtchn_close(struct domain *d, evtchn_port_t port)
{
    struct domain *rd;
    int rc = lock_for_close(d, port, &rd);

    if (rc)
        return rc;
    close_port(d, port, rd);
    if (rd) {
        spin_unlock_pair(&d->event_lock, &rd->event_lock);
        put_domain(rd);
    } else {
        spin_unlock(&d->event_lock);
    }
    return 0;
}

/* Under the sending port's lock; a hypervisor service is called after it is dropped. */
int evtchn_send(struct domain *d, evtchn_port_t port)
{
    evtchn_service_fn fn = NULL;
    struct evtchn *c;
    struct domain *rd;
    unsigned long flags;
    int rc = 0;

    flags = lock_port(d, port);
    if (!port_valid(d, port)) {
        unlock_port(d, port, flags);
        return -EINVAL;
    }
    c = chn(d, port);
    switch (c->state) {
    case ECS_INTERDOMAIN:
        /* The far end stays bound while we hold this port's lock (see above). */
        rd = hv_domains[c->remote_dom];
        if (rd && rd->state == DOM_ACTIVE)
            raise_locked(rd, c->remote_port);
        break;
    case ECS_IPI:
        raise_locked(d, port);
        break;
    case ECS_HYPERVISOR:
        fn = service_fn[d->id];
        break;
    case ECS_UNBOUND:
        break;                                       /* silently dropped, as Xen does */
    default:
        rc = -EINVAL;
    }
    unlock_port(d, port, flags);
    if (fn)
        fn(d);
    return rc;
}

static int status_of(struct domain *d, struct domain *sd, struct evtchn_status *op)
{
    struct evtchn *c;

    if (sd != d && !d->privileged)
        return -EPERM;
    if (!port_valid(sd, op->port))
        return -EINVAL;
    c = chn(sd, op->port);
    op->vcpu = c->notify_vcpu;
    switch (c->state) {
    case ECS_FREE: op->status = EVTCHNSTAT_closed; break;
    case ECS_RESERVED: op->status = EVTCHNSTAT_closed; break;
    case ECS_UNBOUND:
        op->status = EVTCHNSTAT_unbound;
        op->u.unbound.dom = c->remote_dom;
        break;
    case ECS_INTERDOMAIN:
        op->status = EVTCHNSTAT_interdomain;
        op->u.interdomain.dom = c->remote_dom;
        op->u.interdomain.port = c->remote_port;
        break;
    case ECS_VIRQ:
        op->status = EVTCHNSTAT_virq;
        op->u.virq = c->virq;
        break;
    case ECS_IPI: op->status = EVTCHNSTAT_ipi; break;
    case ECS_PIRQ:
        op->status = EVTCHNSTAT_pirq;
        op->u.pirq = c->pirq;
        break;
    case ECS_HYPERVISOR:
        op->status = EVTCHNSTAT_interdomain;
        op->u.interdomain.dom = DOMID_XEN;
        op->u.interdomain.port = 0;
        break;
    }
    return 0;
}

int evtchn_status(struct domain *d, struct evtchn_status *op)
{
    struct domain *sd = domain_lookup_by_caller(op->dom, d);
    int rc;

    if (!sd)
        return -ESRCH;
    spin_lock(&sd->event_lock);
    rc = status_of(d, sd, op);
    spin_unlock(&sd->event_lock);
    put_domain(sd);
    return rc;
}

int evtchn_unmask(struct domain *d, evtchn_port_t port)
{
    unsigned long flags = lock_port(d, port);
    int rc = -EINVAL;

    if (port_valid(d, port)) {
        d->evtchn_ops->unmask(d, port);
        rc = 0;
    }
    unlock_port(d, port, flags);
    return rc;
}

static int bind_vcpu_locked(struct domain *d, struct evtchn_bind_vcpu *op)
{
    struct evtchn *c;
    unsigned long flags;

    if (op->vcpu >= HV_MAX_VCPUS || !d->vcpus[op->vcpu])
        return -ENOENT;                              /* as Xen: the vCPU is checked first */
    if (!port_valid(d, op->port))
        return -EINVAL;
    c = chn(d, op->port);
    if (c->state == ECS_VIRQ ? !virq_is_global(c->virq) :
        c->state != ECS_UNBOUND && c->state != ECS_INTERDOMAIN && c->state != ECS_PIRQ)
        return -EINVAL;                              /* IPIs and per-vCPU VIRQs stay put */
    flags = lock_port(d, op->port);
    c->notify_vcpu = (u8)op->vcpu;
    unlock_port(d, op->port, flags);
    return 0;
}

int evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op)
{
    int rc;

    spin_lock(&d->event_lock);
    rc = bind_vcpu_locked(d, op);
    spin_unlock(&d->event_lock);
    return rc;
}

/* As Xen: the port is checked first, then the ABI (2-level has no priorities). */
int evtchn_set_priority(struct domain *d, struct evtchn_set_priority *op)
{
    unsigned long flags;
    int rc = -EINVAL;

    spin_lock(&d->event_lock);
    if (port_valid(d, op->port)) {
        flags = lock_port(d, op->port);
        rc = d->evtchn_ops->set_priority(d, op->port, op->priority);
        unlock_port(d, op->port, flags);
    }
    spin_unlock(&d->event_lock);
    return rc;
}

/*
 * Closes every port (each with its own locking, as EVTCHNOP_close), then,
 * with no bind possible any more (evtchn_closing) and every port-lock holder
 * waited out, frees the buckets and the FIFO state.
 */
void evtchn_domain_destroy(struct domain *d)
{
    evtchn_port_t valid;

    spin_lock(&d->event_lock);
    if (!d->evtchn) {
        spin_unlock(&d->event_lock);
        return;
    }
    d->evtchn_closing = true;
    valid = d->evtchn_valid;                         /* no bind grows it any more */
    spin_unlock(&d->event_lock);
    for (evtchn_port_t p = 1; p < valid; p++)
        if (chn(d, p)->state != ECS_FREE)
            evtchn_close(d, p);
    spin_lock(&d->event_lock);
    __atomic_store_n(&d->evtchn_valid, 0, __ATOMIC_RELEASE);
    evtchn_quiesce_ports(d);                                /* nobody is inside a port any more */
    evtchn_fifo_destroy(d);                          /* gives the guest frames back */
    for (unsigned int b = 0; b < EVTCHN_NR_BUCKETS; b++)
        hv_free_pages(d->evtchn[b], 1);
    hv_free_pages(d->evtchn, 1);
    d->evtchn = NULL;
    d->evtchn_ops = &evtchn_port_ops_2l;
    spin_unlock(&d->event_lock);
}

/* --- the hypercall edge: copy in, run the worker, copy out on success --- */

struct evtchn_subop {
    size_t size;
    bool copy_back;
    int (*run)(struct domain *d, void *arg);
};

static int run_alloc_unbound(struct domain *d, void *a) { return evtchn_alloc_unbound(d, a); }
static int run_bind_interdomain(struct domain *d, void *a) { return evtchn_bind_interdomain(d, a); }
static int run_bind_virq(struct domain *d, void *a) { return evtchn_bind_virq(d, a); }
static int run_bind_ipi(struct domain *d, void *a) { return evtchn_bind_ipi(d, a); }
static int run_close(struct domain *d, void *a) { return evtchn_close(d, ((struct evtchn_close *)a)->port); }
static int run_send(struct domain *d, void *a)
{
    current->counters.events_sent++;
    return evtchn_send(d, ((struct evtchn_send *)a)->port);
}
static int run_status(struct domain *d, void *a) { return evtchn_status(d, a); }
static int run_unmask(struct domain *d, void *a) { return evtchn_unmask(d, ((struct evtchn_unmask *)a)->port); }
static int run_bind_vcpu(struct domain *d, void *a) { return evtchn_bind_vcpu(d, a); }
static int run_init_control(struct domain *d, void *a)
{
    int rc;

    spin_lock(&d->event_lock);
    rc = evtchn_fifo_init_control(d, a);
    spin_unlock(&d->event_lock);
    return rc;
}

static int run_expand_array(struct domain *d, void *a)
{
    int rc;

    spin_lock(&d->event_lock);
    rc = evtchn_fifo_expand_array(d, a);
    spin_unlock(&d->event_lock);
    return rc;
}
static int run_set_priority(struct domain *d, void *a) { return evtchn_set_priority(d, a); }

static const struct evtchn_subop evtchn_subops[] = {
    [EVTCHNOP_alloc_unbound]    = { sizeof(struct evtchn_alloc_unbound), true, run_alloc_unbound },
    [EVTCHNOP_bind_interdomain] = { sizeof(struct evtchn_bind_interdomain), true, run_bind_interdomain },
    [EVTCHNOP_bind_virq]        = { sizeof(struct evtchn_bind_virq), true, run_bind_virq },
    [EVTCHNOP_bind_ipi]         = { sizeof(struct evtchn_bind_ipi), true, run_bind_ipi },
    [EVTCHNOP_bind_pirq]        = { sizeof(struct evtchn_bind_pirq), true, evtchn_bind_pirq },
    [EVTCHNOP_close]            = { sizeof(struct evtchn_close), false, run_close },
    [EVTCHNOP_send]             = { sizeof(struct evtchn_send), false, run_send },
    [EVTCHNOP_status]           = { sizeof(struct evtchn_status), true, run_status },
    [EVTCHNOP_unmask]           = { sizeof(struct evtchn_unmask), false, run_unmask },
    [EVTCHNOP_bind_vcpu]        = { sizeof(struct evtchn_bind_vcpu), false, run_bind_vcpu },
    [EVTCHNOP_init_control]     = { sizeof(struct evtchn_init_control), true, run_init_control },
    [EVTCHNOP_expand_array]     = { sizeof(struct evtchn_expand_array), false, run_expand_array },
    [EVTCHNOP_set_priority]     = { sizeof(struct evtchn_set_priority), false, run_set_priority },
};

long do_event_channel_op(int cmd, guest_handle_t arg)
{
    union {
        struct evtchn_alloc_unbound au; struct evtchn_bind_interdomain bi;
        struct evtchn_bind_virq bv; struct evtchn_status st; struct evtchn_init_control ic;
        u8 raw[64];
    } buf;
    const struct evtchn_subop *op;
    int rc;

    if ((unsigned int)cmd >= ARRAY_SIZE(evtchn_subops) || !evtchn_subops[cmd].run)
        return -ENOSYS;
    op = &evtchn_subops[cmd];
    if (copy_from_handle(&buf, arg, op->size))
        return -EFAULT;
    rc = op->run(current->domain, &buf);
    if (!rc && op->copy_back && copy_to_handle(arg, &buf, op->size))
        return -EFAULT;
    return rc;
}
