/*
 * System time is nanoseconds since boot, from the TSC. Guests get the same
 * clock through pvclock (vcpu_time_info: a TSC stamp, the system time then,
 * and the mul/shift scale) and the wallclock at boot in shared_info.
 */
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/time.h>
#include <hv/arch.h>
#include <hv/domain.h>

static struct time_scale tsc_scale;
static u64 tsc_at_boot, tsc_hz, boot_wallclock;
static u32 boot_wallclock_nsec;                      /* set by the privileged domain (XENPF_settime) */

void time_scale_from_hz(u64 hz, struct time_scale *ts)
{
    int shift = 0;
    u64 t = hz ? hz : 1000000000ULL;                 /* uncalibrated: assume 1 GHz, never loop */

    while (t > 2000000000ULL) {
        t >>= 1;
        shift--;
    }
    while (t <= 1000000000ULL) {
        t <<= 1;
        shift++;
    }
    ts->mul = (u32)((1000000000ULL << 32) / t);
    ts->shift = (s8)shift;
}

u64 time_scale_apply(u64 delta, const struct time_scale *ts)
{
    if (ts->shift < 0)
        delta >>= -ts->shift;
    else
        delta <<= ts->shift;
    return (u64)(((unsigned __int128)delta * ts->mul) >> 32);
}

void time_init(u64 hz, u64 tsc_now, u64 wallclock_sec)
{
    tsc_hz = hz;
    tsc_at_boot = tsc_now;
    boot_wallclock = wallclock_sec;
    time_scale_from_hz(hz, &tsc_scale);
}

u64 time_tsc_hz(void)
{
    return tsc_hz;
}

u64 hv_now(void)
{
    return time_scale_apply(arch_read_tsc() - tsc_at_boot, &tsc_scale);
}

void time_update_vcpu_info(struct vcpu_time_info *ti)
{
    u64 tsc = arch_read_tsc();

    ti->version++;                                   /* odd: update in progress */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ti->tsc_timestamp = tsc;
    ti->system_time = time_scale_apply(tsc - tsc_at_boot, &tsc_scale);
    ti->tsc_to_system_mul = tsc_scale.mul;
    ti->tsc_shift = tsc_scale.shift;
    ti->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ti->version++;
}

/*
 * The vDSO copy follows the same version protocol as the primary, written
 * in three steps (odd version, body, even version) since the guest may read
 * it at any time. The copy is of a finished (even) primary.
 */
void vcpu_time_publish(struct vcpu *v)
{
    const unsigned long ver = offsetof(struct vcpu_time_info, version);
    struct vcpu_time_info t = v->vcpu_info->time;
    u32 even = t.version & ~1u;

    if (!v->time_guest)
        return;
    t.version = even - 1;
    if (copy_to_guest(v->time_guest + ver, &t.version, sizeof(t.version)))
        return;                                      /* unmapped area: the guest's loss */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    copy_to_guest(v->time_guest, &t, sizeof(t));
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t.version = even;
    copy_to_guest(v->time_guest + ver, &t.version, sizeof(t.version));
}

/* The domain's own offset (settimeoffset) is added, as Xen's update_domain_wallclock_time. */
void time_update_wallclock(struct vcpu *v)
{
    struct shared_info *s = v->domain->shared_info;
    u64 sec = boot_wallclock + (u64)v->domain->time_offset_seconds;

    s->wc_version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_sec = (u32)sec;
    s->wc_sec_hi = (u32)(sec >> 32);
    s->wc_nsec = boot_wallclock_nsec;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_version++;
}

/*
 * XENPF_settime (dom0's NTP-disciplined clock, every 11 minutes): the
 * wallclock at system time 0 becomes (secs, nsecs) - system_time, for
 * every domain (the caller refreshes their shared_info).
 */
void time_set_wallclock(u64 secs, u32 nsecs, u64 system_time)
{
    u64 ns = secs * 1000000000ULL + nsecs;

    ns = ns > system_time ? ns - system_time : 0;
    boot_wallclock = ns / 1000000000ULL;
    boot_wallclock_nsec = (u32)(ns % 1000000000ULL);
}
