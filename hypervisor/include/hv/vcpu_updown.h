/* VCPUOP_initialise, up and down (common/vcpu_updown.c), for do_vcpu_op. */
#ifndef HV_VCPU_UPDOWN_H
#define HV_VCPU_UPDOWN_H

#include <hv/guest_access.h>

struct vcpu;

long vcpu_op_initialise(struct vcpu *v, guest_handle_t arg);
long vcpu_op_up(struct vcpu *v);
long vcpu_op_down(struct vcpu *v);

#endif
