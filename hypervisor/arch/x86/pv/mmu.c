/*
 * mmu_update and mmuext_op: batched page-table updates and the operations
 * on whole tables (pin, unpin, base pointers, flushes). Each request is
 * copied in at the edge, validated against the page-type rules in
 * page_type.c, then applied; the count done goes back to the guest.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <asm/cpu.h>
#include <asm/page_type.h>
#include <asm/x86.h>

#define MMU_BATCH_MAX 4096                           /* requests per call */

static struct domain *target_domain(unsigned long domid)
{
    struct domain *self = current->domain;

    if (domid == DOMID_SELF || domid == self->id)
        return self;
    if (!self->privileged)
        return NULL;
    return domain_lookup((domid_t)domid);
}

static int report_done(unsigned long done_ptr, unsigned int done)
{
    return done_ptr ? copy_to_guest(done_ptr, &done, sizeof(done)) : 0;
}

/* A write into a frame that is not a page table is a plain (writable-typed) store. */
static int write_plain(mfn_t mfn, unsigned int idx, u64 val, struct domain *d)
{
    int rc = page_get_type(mfn, PGT_writable, d);

    if (rc)
        return rc;
    if (unlikely(mfn == frame_debug_mfn))
        hv_info("plain write %lx[%u] = %lx\n", mfn, idx, (unsigned long)val);
    ((u64 *)hv_mfn_to_virt(mfn))[idx] = val;
    page_put_type(mfn);
    return 0;
}

static int pt_update(struct domain *d, u64 ptr, u64 val, bool preserve_ad)
{
    mfn_t mfn = ptr >> PAGE_SHIFT;
    unsigned int idx = (ptr & ~PAGE_MASK) / 8;
    struct frame_info *f;
    int rc = page_get(mfn, d);

    if (rc)
        return rc;
    f = &hv_frames.info[mfn];
    if (f->type_count && pgt_is_table(f->type))
        rc = pt_mod_entry(mfn, idx, val, f->type - PGT_l1 + 1, d, preserve_ad);
    else
        rc = write_plain(mfn, idx, val, d);
    page_put(mfn);
    return rc;
}

static int machphys_update(struct domain *d, u64 ptr, u64 pfn)
{
    mfn_t mfn = ptr >> PAGE_SHIFT;

    if (!frame_valid(&hv_frames, mfn) || hv_frames.info[mfn].owner != d->id)
        return -EINVAL;
    hv_m2p[mfn] = pfn;
    return 0;
}

static int mmu_update_one(struct domain *d, const struct mmu_update *req)
{
    switch (req->ptr & 7) {
    case MMU_NORMAL_PT_UPDATE:
        return pt_update(d, req->ptr & ~7ULL, req->val, false);
    case MMU_PT_UPDATE_PRESERVE_AD:
        return pt_update(d, req->ptr & ~7ULL, req->val, true);
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(d, req->ptr & ~7ULL, req->val);
    default:
        return -ENOSYS;
    }
}

long do_mmu_update(unsigned long reqs, unsigned long count, unsigned long done_ptr,
                   unsigned long domid)
{
    struct domain *d = target_domain(domid);
    struct mmu_update req;
    unsigned int done = 0;
    int rc = 0;

    if (!d)
        return current->domain->privileged ? -ESRCH : -EPERM;
    if (count > MMU_BATCH_MAX)
        return -EINVAL;
    for (; done < count; done++) {
        if (copy_from_guest(&req, reqs + done * sizeof(req), sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        rc = mmu_update_one(d, &req);
        if (rc)
            break;
    }
    if (report_done(done_ptr, done))
        return -EFAULT;
    return rc;
}

/* Switches a base pointer: reference the new L4 first, then drop the old one. */
static int new_baseptr(struct vcpu *v, mfn_t mfn, bool user)
{
    mfn_t *slot = user ? &v->arch.cr3_user : &v->arch.cr3_kernel;
    mfn_t old = *slot;
    int rc = 0;

    if (mfn || !user)
        rc = page_get_and_type(mfn, PGT_l4, v->domain);
    if (rc)
        return rc;
    *slot = mfn;
    if (old)
        page_put_and_type(old);
    if (v->arch.kernel_mode != user)
        write_cr3(pv_current_cr3_mfn(v) << PAGE_SHIFT);
    return 0;
}

/* Debug aid: which of d's L1 tables map `target`, and how. */
static void debug_who_maps(struct domain *d, mfn_t target)
{
    for (mfn_t m = 0; m < hv_frames.nr_frames; m++) {
        const struct frame_info *f = &hv_frames.info[m];
        const u64 *t;

        if (f->owner != d->id || (f->flags & FRAME_F_XENHEAP))
            continue;
        t = hv_mfn_to_virt(m);
        for (unsigned int i = 0; i < 512; i++)
            if ((t[i] & _PAGE_PRESENT) && ((t[i] & PTE_ADDR_MASK) >> PAGE_SHIFT) == target &&
                (t[i] & 0x7ff0000000000000UL) == 0)
                hv_debug("  entry in %lx[%u] = %lx (type %u/%u pinned %d)\n", m, i,
                         (unsigned long)t[i], f->type, f->type_count, !!(f->flags & FRAME_F_PINNED));
    }
}

static int pin(struct domain *d, unsigned int cmd, mfn_t mfn)
{
    static const enum frame_type types[] = {
        [MMUEXT_PIN_L1_TABLE] = PGT_l1, [MMUEXT_PIN_L2_TABLE] = PGT_l2,
        [MMUEXT_PIN_L3_TABLE] = PGT_l3, [MMUEXT_PIN_L4_TABLE] = PGT_l4,
    };

    int rc = page_pin(mfn, types[cmd], d);

    if (rc && frame_valid(&hv_frames, mfn))
        hv_debug("d%u: pin L%u of mfn %lx failed %d (type %u count %u/%u flags %x)\n", d->id,
                 cmd + 1, mfn, rc, hv_frames.info[mfn].type, hv_frames.info[mfn].count,
                 hv_frames.info[mfn].type_count, hv_frames.info[mfn].flags);
    if (rc && hv_loglvl >= LOG_DEBUG)
        debug_who_maps(d, mfn);
    return rc;
}

static int mmuext_one(struct domain *d, const struct mmuext_op *op)
{
    struct vcpu *v = current;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE: case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE: case MMUEXT_PIN_L4_TABLE:
        return pin(d, op->cmd, op->arg1.mfn);
    case MMUEXT_UNPIN_TABLE:
        return page_unpin(op->arg1.mfn, d);
    case MMUEXT_NEW_BASEPTR:
        return d == v->domain ? new_baseptr(v, op->arg1.mfn, false) : -EINVAL;
    case MMUEXT_NEW_USER_BASEPTR:
        return d == v->domain ? new_baseptr(v, op->arg1.mfn, true) : -EINVAL;
    case MMUEXT_TLB_FLUSH_LOCAL: case MMUEXT_TLB_FLUSH_MULTI: case MMUEXT_TLB_FLUSH_ALL:
        write_cr3(read_cr3());                       /* one pCPU: local is everything */
        return 0;
    case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_MULTI: case MMUEXT_INVLPG_ALL:
        if (!guest_va_canonical(op->arg1.linear_addr))
            return -EINVAL;
        invlpg(op->arg1.linear_addr);
        return 0;
    case MMUEXT_SET_LDT:
        return pv_set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
    default:
        return -ENOSYS;
    }
}

long do_mmuext_op(unsigned long ops, unsigned long count, unsigned long done_ptr,
                  unsigned long domid)
{
    struct domain *d = target_domain(domid);
    struct mmuext_op op;
    unsigned int done = 0;
    int rc = 0;

    if (!d)
        return current->domain->privileged ? -ESRCH : -EPERM;
    if (count > MMU_BATCH_MAX)
        return -EINVAL;
    for (; done < count; done++) {
        if (copy_from_guest(&op, ops + done * sizeof(op), sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        rc = mmuext_one(d, &op);
        if (rc)
            break;
    }
    if (report_done(done_ptr, done))
        return -EFAULT;
    return rc;
}
