/*
 * EVTCHNOP_bind_pirq: a physical interrupt line of the privileged domain
 * becomes an event channel (the line's table is common/pirq.c). Closing the
 * port (EVTCHNOP_close, or the domain's teardown) masks and unbinds the line.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/irq.h>

/*
 * As Xen: -EPERM for a domain without physical interrupts (every domU),
 * -EINVAL for a PIRQ not mapped to the caller, -EEXIST for one already
 * bound. Sharing flags are accepted: one domain owns each line.
 */
int evtchn_bind_pirq(struct domain *d, void *arg)
{
    struct evtchn_bind_pirq *op = arg;
    int port, rc;

    if (!d->privileged)
        return -EPERM;
    if (op->pirq >= HV_MAX_PIRQS)
        return -EINVAL;
    port = evtchn_bind_new(d, (struct evtchn){ .state = ECS_PIRQ, .pirq = (u16)op->pirq });
    if (port < 0)
        return port;
    rc = pirq_bind(d, (int)op->pirq, (evtchn_port_t)port);
    if (rc) {
        evtchn_close(d, (evtchn_port_t)port);        /* pirq_unbind finds nothing of its own */
        return rc;
    }
    op->port = (evtchn_port_t)port;
    return 0;
}

void evtchn_pirq_closed(struct domain *d, const struct evtchn *c, evtchn_port_t port)
{
    pirq_unbind(d, c->pirq, port);
}
