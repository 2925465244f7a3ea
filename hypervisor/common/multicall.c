/* multicall: a batch of hypercalls; each entry's result is written back. */
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define MULTICALL_MAX 1024                           /* entries per batch */

/*
 * An entry that was preempted gets its continuation's arguments written back
 * into the guest's list, and the multicall continues from that entry, as Xen
 * does; its result is written when it completes.
 */
static long continue_from(guest_handle_t list, unsigned int nr, struct multicall_entry *e)
{
    struct hypercall_continuation *c = &current->cont;

    if (c->pending) {
        c->pending = false;
        e->op = c->nr;
        memcpy(e->args, c->args, sizeof(c->args));
        if (copy_to_handle(list, e, sizeof(*e)))
            return -EFAULT;
    }
    return hypercall_continue(__HYPERVISOR_multicall, list.va, nr, 0, 0, 0);
}

long do_multicall(guest_handle_t list, unsigned int nr)
{
    struct multicall_entry e;

    if (nr > MULTICALL_MAX)
        return -EINVAL;
    for (unsigned int i = 0; i < nr; i++) {
        guest_handle_t entry = guest_handle_add_offset(list, i * sizeof(e));

        if (i && hypercall_preempt_check())
            return hypercall_continue(__HYPERVISOR_multicall, entry.va, nr - i, 0, 0, 0);
        if (copy_from_handle(&e, entry, sizeof(e)))
            return -EFAULT;
        e.result = hypercall_dispatch(e.op, (unsigned long *)e.args, true);
        if (current->cont.pending)
            return continue_from(entry, nr - i, &e);
        if (copy_to_handle(guest_handle_add_offset(entry, offsetof(struct multicall_entry, result)),
                           &e.result, sizeof(e.result)))
            return -EFAULT;
        if (current->domain->state != DOM_ACTIVE)
            break;                                   /* an entry shut the domain down */
    }
    return 0;
}
