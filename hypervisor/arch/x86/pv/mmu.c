/*
 * mmu_update and mmuext_op: the request edge (copy in, per-op dispatch,
 * success count back to the guest) and the ops that need no page-type
 * tracking: TLB flushes and INVLPG. Page-table updates, pinning and base
 * pointer changes answer -ENOSYS until the PV MMU type system lands.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/x86.h>

#define MMU_BATCH_MAX 4096                           /* requests per call */

static int check_foreign(unsigned long domid)
{
    if (domid == DOMID_SELF || domid == current->domain->id)
        return 0;
    return current->domain->privileged ? -ENOSYS : -EPERM;
}

static int report_done(unsigned long done_ptr, unsigned int done)
{
    return done_ptr ? copy_to_guest(done_ptr, &done, sizeof(done)) : 0;
}

static int mmuext_one(const struct mmuext_op *op)
{
    switch (op->cmd) {
    case MMUEXT_TLB_FLUSH_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
        write_cr3(read_cr3());                       /* one pCPU: local is everything */
        return 0;
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_INVLPG_ALL:
        if (!guest_va_canonical(op->arg1.linear_addr))
            return -EINVAL;
        invlpg(op->arg1.linear_addr);
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_mmuext_op(unsigned long ops, unsigned long count, unsigned long done_ptr,
                  unsigned long domid)
{
    struct mmuext_op op;
    unsigned int done = 0;
    int rc = check_foreign(domid);

    if (rc)
        return rc;
    if (count > MMU_BATCH_MAX)
        return -EINVAL;
    for (; done < count; done++) {
        if (copy_from_guest(&op, ops + done * sizeof(op), sizeof(op)))
            return -EFAULT;
        rc = mmuext_one(&op);
        if (rc)
            break;
    }
    return report_done(done_ptr, done) ? -EFAULT : rc;
}

long do_mmu_update(unsigned long reqs, unsigned long count, unsigned long done_ptr,
                   unsigned long domid)
{
    struct mmu_update req;
    unsigned int done = 0;
    int rc = check_foreign(domid);

    if (rc)
        return rc;
    if (count > MMU_BATCH_MAX)
        return -EINVAL;
    if (count) {
        if (copy_from_guest(&req, reqs, sizeof(req)))
            return -EFAULT;
        rc = -ENOSYS;                                /* needs page types: PV MMU work */
    }
    return report_done(done_ptr, done) ? -EFAULT : rc;
}
