/*
 * Event channels (common/event_channel.c): ports and their bindings. How a
 * port is raised, masked and found pending is the port ABI's business, behind
 * struct evtchn_port_ops: 2-level (common/event_2l.c, bits in shared_info) or
 * FIFO (common/event_fifo.c, event words and per-vCPU queues in guest frames).
 */
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
    ECS_PIRQ,                          /* a physical interrupt line (common/event_pirq.c) */
};

struct evtchn {
    u8 state;                          /* enum evtchn_state */
    u8 notify_vcpu;
    union {
        u16 virq;                      /* ECS_VIRQ */
        u16 pirq;                      /* ECS_PIRQ */
    };
    domid_t remote_dom;                /* ECS_UNBOUND, ECS_INTERDOMAIN */
    u8 priority;                       /* FIFO queue (0 highest .. 15) */
    bool fifo_pending;                 /* raised while no event-array page covered it */
    evtchn_port_t remote_port;         /* ECS_INTERDOMAIN */
    u8 last_vcpu;                      /* FIFO queue the event was last linked on */
    u8 last_priority;
    bool hv_consumer;                  /* an ioreq port: its events wake notify_vcpu (common/ioreq.c) */
    bool peer_closed;                  /* hv_consumer: its device model's end was bound, then closed */
};

/* Ports in the first bucket table; 2-level guests never get more. */
#define EVTCHNS_PER_BUCKET  (PAGE_SIZE / sizeof(struct evtchn))
#define EVTCHN_MAX_PORTS    EVTCHN_FIFO_NR_CHANNELS            /* FIFO: 2^17 */
#define EVTCHN_NR_BUCKETS   (EVTCHN_MAX_PORTS / EVTCHNS_PER_BUCKET)

struct domain;
struct vcpu;

/* What differs between the 2-level and the FIFO ABI; ports are valid and bound. */
struct evtchn_port_ops {
    void (*init)(struct domain *d, evtchn_port_t port);          /* a port was just bound */
    void (*set_pending)(struct domain *d, evtchn_port_t port);
    void (*clear_pending)(struct domain *d, evtchn_port_t port);
    void (*unmask)(struct domain *d, evtchn_port_t port);        /* EVTCHNOP_unmask */
    bool (*is_pending)(struct domain *d, evtchn_port_t port);
    int  (*set_priority)(struct domain *d, evtchn_port_t port, unsigned int priority);
    evtchn_port_t max_ports;
};
extern const struct evtchn_port_ops evtchn_port_ops_2l;
extern const struct evtchn_port_ops evtchn_port_ops_fifo;

/* Per-vCPU FIFO state, kept in struct vcpu. */
struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *control_block;  /* in a held guest frame; NULL: none */
    evtchn_port_t tail[EVTCHN_FIFO_MAX_QUEUES];        /* last port linked per priority, 0: empty */
};

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
int evtchn_set_priority(struct domain *d, struct evtchn_set_priority *op);
/* FIFO ABI set-up (common/event_fifo.c). */
int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *op);
int evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *op);
void evtchn_fifo_destroy(struct domain *d);
/* Binds a free port of d in the state c gives; returns the port or -ENOSPC. */
/* Binds c to a free port under d->event_lock: the port, or -ENOSPC. */
int evtchn_bind_new(struct domain *d, struct evtchn c);
/* An ioreq port of d whose device model bound it and closed it since (it died): nobody answers. */
bool evtchn_peer_gone(struct domain *d, evtchn_port_t port);
void evtchn_raise_pirq(struct domain *d, evtchn_port_t port, unsigned int pirq);
/* EVTCHNOP_bind_pirq (common/event_pirq.c); closing the port unbinds the line. */
int evtchn_bind_pirq(struct domain *d, void *bind_pirq);
void evtchn_pirq_closed(struct domain *d, const struct evtchn *c, evtchn_port_t port);
/* Binds a free port of d to a hypervisor service; returns the port or -errno. */
int evtchn_bind_service(struct domain *d, evtchn_service_fn fn);

/* A port's lock (its stripe; interrupts off, flags returned), and waiting
 * out every holder of d's port locks (docs/smp.md). */
unsigned long evtchn_lock_port(struct domain *d, evtchn_port_t port);
void evtchn_unlock_port(struct domain *d, evtchn_port_t port, unsigned long flags);
void evtchn_quiesce_ports(struct domain *d);

/* Ports the domain has bucket space for (bound or not). */
bool evtchn_port_valid(const struct domain *d, evtchn_port_t port);
/* The port's bookkeeping; port must be valid. */
struct evtchn *evtchn_from_port(const struct domain *d, evtchn_port_t port);
/* Raises a port in its domain through its ABI: pending, queue or selector, upcall, wake. */
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
/* Sends a virtual IRQ to a vCPU if the guest bound it. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Sets upcall_pending and wakes v, as a port becoming pending does. */
void evtchn_mark_upcall(struct vcpu *v);
/* A port of d became pending: wake the vCPUs in SCHEDOP_poll on it, or on several
 * (they wait on masked ports too). */
#define EVTCHN_POLL_ANY ((evtchn_port_t)~0u)
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port);
bool evtchn_is_pending(struct domain *d, evtchn_port_t port);

#endif
