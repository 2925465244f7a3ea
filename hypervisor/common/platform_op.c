/*
 * platform_op (XENPF_*), the privileged domain's view of the firmware and
 * the physical CPUs. Xen's order of checks: the struct is copied in
 * (-EFAULT), its interface version checked (-EACCES), then the caller's
 * privilege (-EPERM, by the dispatcher: privileged_after_checks). What
 * Linux 6.1 asks as dom0 at boot, and our answers:
 *  - firmware_info DISK_INFO / DISK_MBR_SIGNATURE / VBEDDC_INFO: -ESRCH, no
 *    BIOS disk or video data was collected (Linux's EDD loop ends there);
 *  - firmware_info EFI_INFO: -ENOSYS, not booted from EFI (a success would
 *    make Linux believe it runs on EFI);
 *  - firmware_info KBD_SHIFT_FLAGS: index 0 gives no flags, as a BIOS boot
 *    with no key held;
 *  - settime64 / settime32: the wallclock every domain reads in shared_info
 *    (an error would make Linux retry at every clock tick);
 *  - every other command -ENOSYS (Linux tolerates it: get_cpuinfo leaves
 *    the APIC id unknown, enter_acpi_sleep ends in SCHEDOP_shutdown,
 *    set_processor_pminfo hides MWAIT).
 */
#define __XEN_TOOLS__ 1                              /* platform.h wants it for some structs */
#include <hv/hypercall.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/domain.h>
#include <hv/time.h>
#include <xen/platform.h>

static long platform_copy_in(struct xen_platform_op *op, guest_handle_t u_op)
{
    if (copy_from_handle(op, u_op, sizeof(*op)))
        return -EFAULT;
    if (op->interface_version != XENPF_INTERFACE_VERSION)
        return -EACCES;
    return 0;
}

long platform_op_checks_before_privilege(guest_handle_t u_op)
{
    struct xen_platform_op op;

    return platform_copy_in(&op, u_op);
}

static long firmware_info(struct xen_platform_op *op, guest_handle_t u_op)
{
    struct xenpf_firmware_info *fw = &op->u.firmware_info;

    switch (fw->type) {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -ESRCH;
    case XEN_FW_EFI_INFO:
        return -ENOSYS;
    case XEN_FW_KBD_SHIFT_FLAGS:
        if (fw->index != 0)
            return -ESRCH;
        fw->u.kbd_shift_flags = 0;
        return copy_to_handle(u_op, op, sizeof(*op));
    default:
        return -EINVAL;
    }
}

/* settime64 / settime32: every domain's shared_info gets the new wallclock. */
static long settime(u64 secs, u32 nsecs, u64 system_time)
{
    if (nsecs >= 1000000000u)
        return -EINVAL;
    time_set_wallclock(secs, nsecs, system_time);
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        if (hv_domains[i] && hv_domains[i]->vcpus[0])
            time_update_wallclock(hv_domains[i]->vcpus[0]);
    return 0;
}

/* Privileged callers only: the dispatcher refused the others. */
long do_platform_op(guest_handle_t u_op)
{
    struct xen_platform_op op;
    long rc = platform_copy_in(&op, u_op);

    if (rc)
        return rc;
    switch (op.cmd) {
    case XENPF_firmware_info:
        return firmware_info(&op, u_op);
    case XENPF_settime64:
        if (op.u.settime64.mbz)
            return -EINVAL;
        return settime(op.u.settime64.secs, op.u.settime64.nsecs, op.u.settime64.system_time);
    case XENPF_settime32:
        return settime(op.u.settime32.secs, op.u.settime32.nsecs, op.u.settime32.system_time);
    default:
        return -ENOSYS;
    }
}
