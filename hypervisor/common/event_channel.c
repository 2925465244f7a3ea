/*
 * Event channels, 2-level ABI. Each sub-op copies its argument in at the
 * edge (do_event_channel_op), validates, then acts on hypervisor state;
 * delivery sets the pending bit, the selector bit and upcall_pending in
 * shared_info / vcpu_info exactly as Linux's events_2l.c expects.
 */
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define BITS_PER_WORD 64
#define EVTCHN_PAGES  (ALIGN_UP(EVTCHN_MAX * sizeof(struct evtchn), PAGE_SIZE) / PAGE_SIZE)

static bool port_valid(const struct domain *d, evtchn_port_t port)
{
    (void)d;
    return port < EVTCHN_MAX;
}

static struct evtchn *chn(struct domain *d, evtchn_port_t port)
{
    return &d->evtchn[port];
}

int evtchn_domain_init(struct domain *d)
{
    d->evtchn = hv_alloc_pages(EVTCHN_PAGES);
    if (!d->evtchn)
        return -ENOMEM;
    d->evtchn[0].state = ECS_RESERVED;
    return 0;
}

static evtchn_port_t get_free_port(struct domain *d)
{
    for (evtchn_port_t p = 1; p < EVTCHN_MAX; p++)
        if (d->evtchn[p].state == ECS_FREE)
            return p;
    return 0;
}

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

bool evtchn_is_pending(struct domain *d, evtchn_port_t port)
{
    return port < EVTCHN_MAX && test_bit_port(d->shared_info->evtchn_pending, port);
}

void evtchn_mark_upcall(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_pending = 1;
    sched_wake(v);
}

/* Pending -> (unmasked) selector bit -> upcall_pending -> wake the vCPU. */
static void mark_selector(struct vcpu *v, evtchn_port_t port)
{
    unsigned long sel = 1UL << (port / BITS_PER_WORD);

    if (__atomic_fetch_or(&v->vcpu_info->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST) & sel)
        return;
    evtchn_mark_upcall(v);
}

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = d->vcpus[chn(d, port)->notify_vcpu];

    if (test_and_set(s->evtchn_pending, port))
        return;
    if (!test_bit_port(s->evtchn_mask, port) && v)
        mark_selector(v, port);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)   /* SCHEDOP_poll waits on masked ports too */
        if (d->vcpus[i] && d->vcpus[i]->polling)
            sched_wake(d->vcpus[i]);
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    evtchn_port_t port = virq < NR_VIRQS ? v->virq_to_port[virq] : 0;

    if (port && v->domain->state == DOM_ACTIVE)
        evtchn_set_pending(v->domain, port);
}

int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *op)
{
    struct domain *ld = domain_lookup_by_caller(op->dom, d);
    evtchn_port_t port;

    if (ld != d)
        return -EPERM;                               /* only for oneself (no privileged ops yet) */
    if (op->remote_dom != DOMID_SELF && !domain_lookup(op->remote_dom))
        return -ESRCH;
    port = get_free_port(d);
    if (!port)
        return -ENOSPC;
    chn(d, port)->state = ECS_UNBOUND;
    chn(d, port)->remote_dom = op->remote_dom == DOMID_SELF ? d->id : op->remote_dom;
    chn(d, port)->notify_vcpu = 0;
    op->port = port;
    return 0;
}

int evtchn_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op)
{
    struct domain *rd = domain_lookup_by_caller(op->remote_dom, d);
    evtchn_port_t lport, rport = op->remote_port;
    struct evtchn *rchn;

    if (!rd)
        return -ESRCH;
    if (!port_valid(rd, rport))
        return -EINVAL;
    rchn = chn(rd, rport);
    if (rchn->state != ECS_UNBOUND || rchn->remote_dom != d->id)
        return -EINVAL;
    lport = get_free_port(d);
    if (!lport)
        return -ENOSPC;
    *chn(d, lport) = (struct evtchn){ .state = ECS_INTERDOMAIN, .remote_dom = rd->id,
                                      .remote_port = rport };
    rchn->state = ECS_INTERDOMAIN;
    rchn->remote_port = lport;
    op->local_port = lport;
    evtchn_set_pending(d, lport);                    /* as Xen: the binder gets a first event */
    return 0;
}

int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *op)
{
    struct vcpu *v;
    evtchn_port_t port;

    if (op->virq >= NR_VIRQS)
        return -EINVAL;
    if (op->virq != VIRQ_TIMER && op->virq != VIRQ_DEBUG && op->virq != VIRQ_XENOPROF &&
        op->virq != VIRQ_XENPMU &&
        op->vcpu != 0)
        return -EINVAL;                              /* global VIRQs bind on vCPU 0 only, as Xen */
    if (op->vcpu >= HV_MAX_VCPUS || !(v = d->vcpus[op->vcpu]))
        return -ENOENT;
    if (v->virq_to_port[op->virq])
        return -EEXIST;
    port = get_free_port(d);
    if (!port)
        return -ENOSPC;
    *chn(d, port) = (struct evtchn){ .state = ECS_VIRQ, .virq = (u16)op->virq,
                                     .notify_vcpu = (u8)op->vcpu };
    v->virq_to_port[op->virq] = port;
    op->port = port;
    return 0;
}

/* One service per domain is all the hypervisor offers (its PV console). */
static evtchn_service_fn service_fn[HV_MAX_DOMAINS];

int evtchn_bind_service(struct domain *d, evtchn_service_fn fn)
{
    evtchn_port_t port = get_free_port(d);

    if (!port)
        return -ENOSPC;
    *chn(d, port) = (struct evtchn){ .state = ECS_HYPERVISOR, .remote_dom = DOMID_XEN };
    service_fn[d->id] = fn;
    return (int)port;
}

int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *op)
{
    evtchn_port_t port;

    if (op->vcpu >= HV_MAX_VCPUS || !d->vcpus[op->vcpu])
        return -ENOENT;
    port = get_free_port(d);
    if (!port)
        return -ENOSPC;
    *chn(d, port) = (struct evtchn){ .state = ECS_IPI, .notify_vcpu = (u8)op->vcpu };
    op->port = port;
    return 0;
}

/* Closes one end; the remote end of an interdomain channel goes back to unbound. */
static void close_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn *c = chn(d, port);

    if (c->state == ECS_VIRQ && d->vcpus[c->notify_vcpu])
        d->vcpus[c->notify_vcpu]->virq_to_port[c->virq] = 0;
    if (c->state == ECS_INTERDOMAIN) {
        struct domain *rd = hv_domains[c->remote_dom < HV_MAX_DOMAINS ? c->remote_dom : 0];

        if (rd && rd->evtchn && c->remote_dom == rd->id) {
            struct evtchn *rc = chn(rd, c->remote_port);

            if (rc->state == ECS_INTERDOMAIN && rc->remote_dom == d->id) {
                rc->state = ECS_UNBOUND;
                rc->remote_dom = d->id;
            }
        }
    }
    if (c->state == ECS_HYPERVISOR)
        service_fn[d->id] = NULL;
    *c = (struct evtchn){ .state = ECS_FREE };
    clear_bit_port(d->shared_info->evtchn_pending, port);
}

int evtchn_close(struct domain *d, evtchn_port_t port)
{
    if (!port_valid(d, port))
        return -EINVAL;
    if (chn(d, port)->state == ECS_FREE || chn(d, port)->state == ECS_RESERVED)
        return -EINVAL;
    close_port(d, port);
    return 0;
}

int evtchn_send(struct domain *d, evtchn_port_t port)
{
    struct evtchn *c;
    struct domain *rd;

    if (!port_valid(d, port))
        return -EINVAL;
    c = chn(d, port);
    switch (c->state) {
    case ECS_INTERDOMAIN:
        rd = hv_domains[c->remote_dom];
        if (rd && rd->state == DOM_ACTIVE)
            evtchn_set_pending(rd, c->remote_port);
        return 0;
    case ECS_IPI:
        evtchn_set_pending(d, port);
        return 0;
    case ECS_HYPERVISOR:
        if (service_fn[d->id])
            service_fn[d->id](d);
        return 0;
    case ECS_UNBOUND:
        return 0;                                    /* silently dropped, as Xen does */
    default:
        return -EINVAL;
    }
}

int evtchn_status(struct domain *d, struct evtchn_status *op)
{
    struct domain *sd = domain_lookup_by_caller(op->dom, d);
    struct evtchn *c;

    if (!sd)
        return -ESRCH;
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
    case ECS_HYPERVISOR:
        op->status = EVTCHNSTAT_interdomain;
        op->u.interdomain.dom = DOMID_XEN;
        op->u.interdomain.port = 0;
        break;
    }
    return 0;
}

int evtchn_unmask(struct domain *d, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v;

    if (!port_valid(d, port))
        return -EINVAL;
    v = d->vcpus[chn(d, port)->notify_vcpu];
    clear_bit_port(s->evtchn_mask, port);
    if (test_bit_port(s->evtchn_pending, port) && v)
        mark_selector(v, port);
    return 0;
}

int evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op)
{
    struct evtchn *c;

    if (!port_valid(d, op->port))
        return -EINVAL;
    if (op->vcpu >= HV_MAX_VCPUS || !d->vcpus[op->vcpu])
        return -ENOENT;
    c = chn(d, op->port);
    if (c->state != ECS_UNBOUND && c->state != ECS_INTERDOMAIN)
        return -EINVAL;
    c->notify_vcpu = (u8)op->vcpu;
    return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
    if (!d->evtchn)
        return;
    for (evtchn_port_t p = 1; p < EVTCHN_MAX; p++)
        if (d->evtchn[p].state != ECS_FREE)
            close_port(d, p);
    hv_free_pages(d->evtchn, EVTCHN_PAGES);
    d->evtchn = NULL;
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
static int run_send(struct domain *d, void *a) { return evtchn_send(d, ((struct evtchn_send *)a)->port); }
static int run_status(struct domain *d, void *a) { return evtchn_status(d, a); }
static int run_unmask(struct domain *d, void *a) { return evtchn_unmask(d, ((struct evtchn_unmask *)a)->port); }
static int run_bind_vcpu(struct domain *d, void *a) { return evtchn_bind_vcpu(d, a); }

static const struct evtchn_subop evtchn_subops[] = {
    [EVTCHNOP_alloc_unbound]    = { sizeof(struct evtchn_alloc_unbound), true, run_alloc_unbound },
    [EVTCHNOP_bind_interdomain] = { sizeof(struct evtchn_bind_interdomain), true, run_bind_interdomain },
    [EVTCHNOP_bind_virq]        = { sizeof(struct evtchn_bind_virq), true, run_bind_virq },
    [EVTCHNOP_bind_ipi]         = { sizeof(struct evtchn_bind_ipi), true, run_bind_ipi },
    [EVTCHNOP_close]            = { sizeof(struct evtchn_close), false, run_close },
    [EVTCHNOP_send]             = { sizeof(struct evtchn_send), false, run_send },
    [EVTCHNOP_status]           = { sizeof(struct evtchn_status), true, run_status },
    [EVTCHNOP_unmask]           = { sizeof(struct evtchn_unmask), false, run_unmask },
    [EVTCHNOP_bind_vcpu]        = { sizeof(struct evtchn_bind_vcpu), false, run_bind_vcpu },
};

long do_event_channel_op(unsigned long cmd, unsigned long arg)
{
    union {
        struct evtchn_alloc_unbound au; struct evtchn_bind_interdomain bi;
        struct evtchn_bind_virq bv; struct evtchn_status st; u8 raw[64];
    } buf;
    const struct evtchn_subop *op;
    int rc;

    if (cmd >= ARRAY_SIZE(evtchn_subops) || !evtchn_subops[cmd].run)
        return -ENOSYS;
    op = &evtchn_subops[cmd];
    if (copy_from_guest(&buf, arg, op->size))
        return -EFAULT;
    rc = op->run(current->domain, &buf);
    if (!rc && op->copy_back && copy_to_guest(arg, &buf, op->size))
        return -EFAULT;
    return rc;
}
