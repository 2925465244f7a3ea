/* physdev_op past set_iopl (pv/physdev_dom0.c): the privileged domain's; -EPERM for a domU. */
#ifndef ASM_PHYSDEV_H
#define ASM_PHYSDEV_H

#include <hv/guest_access.h>

long pv_physdev_op_privileged(int cmd, guest_handle_t arg);

#endif
