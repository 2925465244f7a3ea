/*
 * memory_op for the privileged domain: XENMEM_machine_memory_map, the host
 * e820 as the loader gave it (asm/e820.h). Linux as dom0 takes every range
 * that is not RAM (and everything past the map) as identity-mapped I/O
 * space and moves its own RAM out of those pfns (arch/x86/xen/setup.c);
 * with -ENOSYS or any error it stops with BUG(). Other domains: -EPERM,
 * as Xen's xsm_machine_memory_map.
 */
#include <asm/e820.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <xen/memory.h>

long pv_machine_memory_map(guest_handle_t arg)
{
    struct xen_memory_map m;
    unsigned int n = e820_host_count();

    if (!current->domain->privileged)
        return -EPERM;
    if (copy_from_handle(&m, arg, sizeof(m)))
        return -EFAULT;
    if (m.nr_entries < n)
        return -EINVAL;                              /* Xen: the buffer must hold the whole map */
    if (copy_to_handle(guest_handle_from_field(m.buffer), e820_host_entries(),
                       n * sizeof(struct e820_host_entry)))
        return -EFAULT;
    m.nr_entries = n;
    return copy_to_handle(arg, &m, sizeof(m));
}
