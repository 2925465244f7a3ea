/* multicall: a batch of hypercalls; each entry's result is written back. */
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/sched.h>

#define MULTICALL_MAX 1024                           /* entries per batch */

long do_multicall(unsigned long list, unsigned long nr)
{
    struct multicall_entry e;

    if (nr > MULTICALL_MAX)
        return -EINVAL;
    for (unsigned long i = 0; i < nr; i++) {
        unsigned long addr = list + i * sizeof(e);

        if (copy_from_guest(&e, addr, sizeof(e)))
            return -EFAULT;
        e.result = hypercall_dispatch(e.op, (unsigned long *)e.args, true);
        if (copy_to_guest(addr + offsetof(struct multicall_entry, result), &e.result,
                          sizeof(e.result)))
            return -EFAULT;
        if (current->domain->state != DOM_ACTIVE)
            break;                                   /* an entry shut the domain down */
    }
    return 0;
}
