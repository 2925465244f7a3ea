/*
 * Physical interrupts of the privileged domain (common/pirq.c): a GSI is
 * mapped to a PIRQ of the same number, an MSI/MSI-X message to a PIRQ from
 * HV_MAX_GSIS up (PHYSDEVOP_map_pirq), bound to an
 * event channel (EVTCHNOP_bind_pirq, common/event_pirq.c), raised as that
 * port's event when the line fires, and re-armed by PHYSDEVOP_eoi.
 * Functions take hypervisor values, never guest pointers; errors as Xen's.
 */
#ifndef HV_IRQ_H
#define HV_IRQ_H

#include <hv/types.h>
#include <hv/xen.h>

#define HV_MAX_GSIS 64                 /* lines the table tracks (q35: 24) */
/* MSI/MSI-X messages: PIRQ HV_MAX_GSIS + s for message slot s (hv/arch.h). */
#define HV_MAX_MSIS 64
#define HV_MAX_PIRQS (HV_MAX_GSIS + HV_MAX_MSIS)
/*
 * The storm rule: an edge line that fires this many times without an EOI
 * from its domain is masked until that EOI. A level line is masked at
 * every interrupt until its EOI anyway.
 */
#define PIRQ_STORM_LIMIT 64

struct domain;

int  pirq_map_gsi(struct domain *d, int gsi, int want_pirq, int *pirq);
/* MSI/MSI-X: a free slot, its message written by arch_msi_setup; *pirq its PIRQ. */
struct msi_source;
int  pirq_map_msi(struct domain *d, const struct msi_source *src, int *pirq);
int  pirq_unmap(struct domain *d, int pirq);
int  pirq_setup_gsi(struct domain *d, int gsi, bool level, bool active_low);
int  pirq_status_query(struct domain *d, int pirq, u32 *flags);
int  pirq_eoi(struct domain *d, int pirq);
/* PHYSDEVOP_pirq_eoi_gmfn_v2: d's frame becomes the "needs EOI" bitmap. */
int  pirq_set_eoi_map(struct domain *d, mfn_t mfn);
/* The event side (event_pirq.c): the port is d's, already in state ECS_PIRQ. */
int  pirq_bind(struct domain *d, int pirq, evtchn_port_t port);
void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port);
/* Every line of a domain that goes away: masked, unmapped. */
void pirq_domain_destroy(struct domain *d);
/* The line fired (interrupt context, before the local APIC's EOI). */
void pirq_interrupt(unsigned int pirq);

/* What the table says about a line (unit tests, the debug dump). */
struct pirq_line_info {
    bool mapped, bound, in_flight, masked;
    domid_t owner;
    evtchn_port_t port;
    u32 unacked;
    u64 count;
};
bool pirq_line_info(unsigned int pirq, struct pirq_line_info *out);

#endif
