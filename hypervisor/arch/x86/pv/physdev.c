/*
 * physdev_op: the virtual IOPL (so that port probes are emulated rather
 * than faulting), for every domain; the rest is the privileged domain's
 * (physdev_dom0.c) and refuses a domU, which owns no devices.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/physdev.h>
#include <xen/physdev.h>

long do_physdev_op(int cmd, guest_handle_t arg)
{
    struct physdev_set_iopl iopl;

    switch (cmd) {
    case PHYSDEVOP_set_iopl:
        if (copy_from_handle(&iopl, arg, sizeof(iopl)))
            return -EFAULT;
        if (iopl.iopl > 3)
            return -EINVAL;
        current->arch.iopl = iopl.iopl;
        return 0;
    default:
        return pv_physdev_op_privileged(cmd, arg);
    }
}
