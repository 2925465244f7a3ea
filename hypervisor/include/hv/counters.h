/*
 * What each vCPU asked of the hypervisor and what was done to each domain:
 * the counts behind debug key 'q' (common/keyhandler.c, `pvctl debug-keys q`)
 * and bench/full-vs-para.sh's costs per I/O. A vCPU's counters are written
 * only by the CPU running it (plain increments); a domain's by any CPU
 * (atomic). Never reset: a reader takes the difference of two dumps.
 */
#ifndef HV_COUNTERS_H
#define HV_COUNTERS_H

#include <hv/types.h>

#define HC_NR_SLOTS  64                /* hypercall numbers the table has slots for */

struct vcpu_counters {
    u64 hypercalls[HC_NR_SLOTS];       /* by number, as dispatched (multicall entries too) */
    u64 grant_maps, grant_unmaps, grant_copies;   /* grant ops it ran: one a batch entry */
    u64 events_sent;                   /* EVTCHNOP_send */
};

struct domain_counters {
    u64 events_raised;                 /* its ports raised (by any domain, VIRQ or service) */
};

#endif
