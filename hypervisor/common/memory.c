/*
 * memory_op: the queries a guest makes about its memory. Reservation
 * changes, populate_physmap and the memory map come with the PV MMU work;
 * until then they answer -ENOSYS (which Linux tolerates for memory_map).
 */
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/sched.h>

#define MEMOP_CMD_MASK_HV 0x3f                       /* the rest is a continuation index */

static long reservation(unsigned long arg, bool maximum)
{
    domid_t id;
    struct domain *d;

    if (copy_from_guest(&id, arg, sizeof(id)))
        return -EFAULT;
    d = domain_lookup_by_caller(id, current->domain);
    if (!d)
        return -ESRCH;
    if (d != current->domain && !current->domain->privileged)
        return -EPERM;
    (void)maximum;                                   /* no ballooning yet: max == current */
    return (long)d->nr_pages;
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
    switch (cmd & MEMOP_CMD_MASK_HV) {
    case XENMEM_maximum_ram_page:
        return (long)(hv_frames.nr_frames - 1);
    case XENMEM_current_reservation:
        return reservation(arg, false);
    case XENMEM_maximum_reservation:
        return reservation(arg, true);
    default:
        return arch_memory_op(cmd & MEMOP_CMD_MASK_HV, arg);
    }
}
