/* System time and the pvclock that guests read (common/time.c). */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <hv/types.h>

struct vcpu;
struct vcpu_time_info;

struct time_scale {
    u32 mul;                        /* tsc_to_system_mul */
    s8  shift;                      /* tsc_shift */
};

/* Computes the pvclock scale that converts ticks at `hz` to ns. */
void time_scale_from_hz(u64 hz, struct time_scale *ts);
/* Applies a scale the way a guest does: ((delta << shift) * mul) >> 32. */
u64 time_scale_apply(u64 delta, const struct time_scale *ts);

void time_init(u64 tsc_hz, u64 tsc_now, u64 wallclock_sec);
u64  hv_now(void);                  /* ns since the hypervisor booted */
/* Fills a vcpu_time_info (version protocol included) from the current TSC. */
void time_update_vcpu_info(struct vcpu_time_info *ti);
/* Copies v's time info to the area it registered (VCPUOP_register_vcpu_time_
 * memory_area) for its user-space vDSO; needs v's address space loaded. */
void vcpu_time_publish(struct vcpu *v);
void time_update_wallclock(struct vcpu *v);
/* The wallclock at system time 0 from a time read at system_time (XENPF_settime). */
void time_set_wallclock(u64 secs, u32 nsecs, u64 system_time);
u64  time_tsc_hz(void);
/* The wallclock now, ns since the epoch (the boot wallclock + system time). */
u64  time_wallclock_now_ns(void);

#endif
