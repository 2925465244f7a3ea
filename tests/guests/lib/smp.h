/* smp.h: starting a test guest's second vCPU (vcpu-ipi, vcpu-hostile). */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "guest.h"

/*
 * A context that starts a vCPU at `entry` on its own stack, in kernel mode
 * on the boot page tables, with the runtime's trap stubs and callbacks
 * (its events masked: the runtime's demux serves vCPU 0 only).
 */
void vcpu_context_at(struct vcpu_guest_context *c, void (*entry)(void), void *stack, size_t size);
long evtchn_bind_ipi(unsigned int vcpu, evtchn_port_t *port);
/* vCPU n's runstate (RUNSTATE_*), or the hypercall's error. */
int vcpu_runstate(unsigned int vcpu);

#endif
