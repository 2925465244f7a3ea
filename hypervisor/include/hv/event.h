/* 2-level event channels (common/event_channel.c). */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <hv/types.h>
#include <hv/xen.h>

enum evtchn_state {
    ECS_FREE = 0,
    ECS_RESERVED,                      /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_VIRQ,
    ECS_IPI,
    ECS_HYPERVISOR,                    /* the other end is a hypervisor service (PV console) */
};

struct evtchn {
    u8 state;                          /* enum evtchn_state */
    u8 notify_vcpu;
    u16 virq;                          /* ECS_VIRQ */
    domid_t remote_dom;                /* ECS_UNBOUND, ECS_INTERDOMAIN */
    evtchn_port_t remote_port;         /* ECS_INTERDOMAIN */
};

struct domain;
struct vcpu;

/* Called when a guest sends on a port bound to a hypervisor service. */
typedef void (*evtchn_service_fn)(struct domain *d);

int  evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);

/* Sub-op workers: take hypervisor structs, never guest pointers. */
int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *op);
int evtchn_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op);
int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *op);
int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *op);
int evtchn_close(struct domain *d, evtchn_port_t port);
int evtchn_send(struct domain *d, evtchn_port_t port);
int evtchn_status(struct domain *d, struct evtchn_status *op);
int evtchn_unmask(struct domain *d, evtchn_port_t port);
int evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op);
/* Binds a free port of d to a hypervisor service; returns the port or -errno. */
int evtchn_bind_service(struct domain *d, evtchn_service_fn fn);

/* Raises a port in its domain: pending bit, selector, upcall, wake. */
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
/* Sends a virtual IRQ to a vCPU if the guest bound it. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Sets upcall_pending and wakes v, as a port becoming pending does. */
void evtchn_mark_upcall(struct vcpu *v);
bool evtchn_is_pending(struct domain *d, evtchn_port_t port);

long do_event_channel_op(unsigned long cmd, unsigned long arg);

#endif
