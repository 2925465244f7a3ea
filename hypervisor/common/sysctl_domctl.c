/*
 * sysctl and domctl, the toolstack's control hypercalls. None is implemented
 * yet; what the slots answer follows Xen 4.17's order of checks, which guests
 * and tools see: the argument is copied in (-EFAULT), its interface version
 * checked (-EACCES), for domctl the target domain looked up (-ESRCH), and
 * only then the caller's privilege (-EPERM). The privilege is checked by the
 * dispatcher (privileged_after_checks in hv/hypercall-defs): for a caller
 * that is not privileged it runs *_checks_before_privilege() and answers
 * their error or -EPERM; the handlers run for privileged callers only. The
 * sub-ops themselves are in sysctl.c and domctl.c (-ENOSYS for what we do
 * not offer).
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h and domctl.h are tools-only */
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

/* Xen's checks before the caller's privilege (the dispatcher's, HCF_CHECKS_FIRST). */
static long sysctl_copy_in(struct xen_sysctl *op, guest_handle_t u_op)
{
    if (copy_from_handle(op, u_op, sizeof(*op)))
        return -EFAULT;
    if (op->interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    return 0;
}

long sysctl_checks_before_privilege(guest_handle_t u_op)
{
    struct xen_sysctl op;

    return sysctl_copy_in(&op, u_op);
}

/* Privileged callers only: the dispatcher refused the others. */
long do_sysctl(guest_handle_t u_op)
{
    struct xen_sysctl op;
    long rc = sysctl_copy_in(&op, u_op);

    return rc ? rc : sysctl_op(&op, u_op);
}

/*
 * The commands that must name an existing domain before the privilege check,
 * as in Xen's do_domctl. getdomaininfo is not one: it finds the next domain
 * at or above the id (how a toolstack lists them), after the check.
 */
static bool domctl_needs_domain(const struct xen_domctl *op)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain:
    case XEN_DOMCTL_gdbsx_guestmemio:
    case XEN_DOMCTL_getdomaininfo:
        return false;
    case XEN_DOMCTL_test_assign_device:
        return op->domain != DOMID_INVALID;
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_deassign_device:
        return op->domain != DOMID_IO;               /* DOMID_IO always exists */
    default:
        return true;
    }
}

static long domctl_copy_in(struct xen_domctl *op, guest_handle_t u_op)
{
    if (copy_from_handle(op, u_op, sizeof(*op)))
        return -EFAULT;
    if (op->interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    if (domctl_needs_domain(op)) {
        struct domain *d = domain_lookup_any(op->domain);

        if (!d)
            return -ESRCH;                           /* by id: DOMID_SELF is not one; a dying one is */
        put_domain(d);
    }
    return 0;
}

long domctl_checks_before_privilege(guest_handle_t u_op)
{
    struct xen_domctl op;

    return domctl_copy_in(&op, u_op);
}

/* Privileged callers only: the dispatcher refused the others. */
long do_domctl(guest_handle_t u_op)
{
    struct xen_domctl op;
    long rc = domctl_copy_in(&op, u_op);

    return rc ? rc : domctl_op(&op, u_op);
}
