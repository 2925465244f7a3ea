/*
 * mmu_update and mmuext_op: batched page-table updates and the operations
 * on whole tables (pin, unpin, base pointers, flushes). Each request is
 * copied in at the edge, validated against the page-type rules in
 * page_type.c, then applied; the count done goes back to the guest.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/tlb_mask.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/flush.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/boot.h>
#include <asm/pv.h>
#include <asm/page_type.h>

#define MMU_BATCH_MAX 4096                           /* requests per call */

/*
 * The foreign domain of mmu_update / mmuext_op / update_va_mapping_otherdomain
 * (Xen's get_pg_owner): DOMID_SELF is the caller; the caller's own numeric id
 * and unknown ids are refused (-ESRCH). DOMID_IO and DOMID_XEN are pseudo-owners
 * that own no RAM here: they come back as a pg_owner id with *pd = NULL.
 */
int pv_pg_owner(unsigned long domid, struct domain **pd, domid_t *pg_owner)
{
    struct domain *self = current->domain;

    domid &= 0xffff;
    *pd = NULL;
    if (domid == self->id)
        return -ESRCH;
    if (domid == DOMID_IO || domid == DOMID_XEN) {
        *pg_owner = (domid_t)domid;
        return 0;
    }
    *pd = domain_lookup_by_caller((domid_t)domid, self);
    if (!*pd)
        return -ESRCH;                               /* (a dying one is not found) */
    *pg_owner = (*pd)->id;
    return 0;
}

/*
 * An HVM domain's memory is named by guest frame (Xen: its paging is
 * translated), so a new L1 entry for one of its frames (a device model
 * mapping the guest's RAM: privcmd's mmapbatch, QEMU's map cache) gets the
 * machine frame behind the gfn (its NPT, hvm/physmap.c) before it is validated, unless the request
 * is MMU_PT_UPDATE_NO_TRANSLATE. A gfn that is not the domain's RAM:
 * -EINVAL, as Xen's get_page_from_gfn failing.
 */
int pv_translate_foreign_l1(const struct domain *pgd, u64 *pte)
{
    mfn_t mfn;

    if (!pgd || !pgd->hvm || !(*pte & _PAGE_PRESENT))
        return 0;
    mfn = arch_hvm_gfn_to_mfn(pgd, (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT);
    if (mfn == INVALID_MFN)
        return -EINVAL;
    *pte = (*pte & ~PTE_ADDR_MASK) | ((u64)mfn << PAGE_SHIFT);
    return 0;
}

/* Xen's XSM_TARGET default: a domain acts on itself, a privileged one on anybody. */
static bool may_act_on(const struct domain *target)
{
    return target == current->domain || current->domain->privileged;
}

static int report_done(unsigned long done_ptr, unsigned int done)
{
    return done_ptr ? copy_to_guest(done_ptr, &done, sizeof(done)) : 0;
}

/*
 * A preempted batch continues with the rest of the list and this flag in
 * the count, as Xen does; the entries done so far are then in *done_ptr,
 * which the continuation reads back so the guest sees the batch's total.
 */
#define MMU_UPDATE_PREEMPTED 0x80000000UL

static unsigned int batch_resume(unsigned long *count, unsigned long done_ptr)
{
    unsigned int done = 0;

    if (!(*count & MMU_UPDATE_PREEMPTED))
        return 0;
    *count &= ~MMU_UPDATE_PREEMPTED;
    if (done_ptr && copy_from_guest(&done, done_ptr, sizeof(done)))
        done = 0;
    return done;
}

/* A batch: where its items are, and what one item does (copy in, then act). */
struct batch {
    unsigned long nr;                                /* the hypercall, for a continuation */
    unsigned long list, count, done_ptr, domid;      /* its arguments */
    size_t item_size;
    int (*one)(const struct batch *b, unsigned long item);
    void *ctx;
};

/*
 * Before a batch does anything: a page-table release the vCPU's last item
 * left partial is finished first (re-entering with the same arguments
 * until it is), as Xen's old_guest_table. A batch that stopped on an error
 * while such a release was pending returns that error here, once the
 * release is done: (NULL, MMU_UPDATE_PREEMPTED, NULL, error), Xen's
 * encoding. True when the hypercall ends here with *rc.
 */
static bool batch_preamble(unsigned long nr, unsigned long list, unsigned long count,
                           unsigned long done_ptr, unsigned long domid, long *rc)
{
    struct vcpu *v = current;
    mfn_t pending = v->arch.pt_release_pending;

    if (pending && page_release_resume(pending, v->domain) == -ERESTART) {
        *rc = hypercall_continue(nr, list, count, done_ptr, domid, 0);
        return true;
    }
    v->arch.pt_release_pending = 0;
    if (!list && count == MMU_UPDATE_PREEMPTED) {
        *rc = (int)domid;
        return true;
    }
    return false;
}

/* An item left a release partial: the batch goes on (or ends with rc) once it is done. */
static long batch_release_first(const struct batch *b, unsigned int prior, unsigned int done, int rc)
{
    if (report_done(b->done_ptr, prior + done))
        return -EFAULT;
    if (rc)
        return hypercall_continue(b->nr, 0, MMU_UPDATE_PREEMPTED, 0, (unsigned int)rc, 0);
    return hypercall_continue(b->nr, b->list + done * b->item_size,
                              (b->count - done) | MMU_UPDATE_PREEMPTED, b->done_ptr, b->domid, 0);
}

/*
 * Runs a batch from where a preempted call left it: item by item, yielding
 * (a continuation with the rest) when a timer is due or an item was
 * preempted itself (-ERESTART: it runs again); the total done goes back
 * through done_ptr.
 */
static long batch_run(struct batch *b)
{
    unsigned int prior = batch_resume(&b->count, b->done_ptr), done = 0;
    int rc = 0;

    if (b->count > MMU_BATCH_MAX)
        return -EINVAL;
    for (; done < b->count; done++) {
        unsigned long item = b->list + done * b->item_size;

        if ((done && hypercall_preempt_check()) || rc == -ERESTART) {
            if (report_done(b->done_ptr, prior + done))
                return -EFAULT;
            return hypercall_continue(b->nr, item, (b->count - done) | MMU_UPDATE_PREEMPTED,
                                      b->done_ptr, b->domid, 0);
        }
        rc = b->one(b, item);
        if (unlikely(current->arch.pt_release_pending))
            return batch_release_first(b, prior, done + !rc, rc);
        if (rc == -ERESTART)
            done--;                                  /* the same item again, in a continuation */
        else if (rc)
            break;
    }
    if (report_done(b->done_ptr, prior + done))
        return -EFAULT;
    return rc;
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

/* gfn_owner: the HVM domain whose gfn an L1 value names (translated first), or NULL. */
static int pt_update_held(struct domain *d, const struct domain *gfn_owner, domid_t pg_owner, u64 ptr,
                          u64 val, bool preserve_ad)
{
    mfn_t mfn = ptr >> PAGE_SHIFT;
    unsigned int idx = (ptr & ~PAGE_MASK) / 8;
    struct frame_info *f;
    int rc = page_get(mfn, d);

    if (rc)
        return rc;
    f = &hv_frames.info[mfn];
    if (f->flags & FRAME_F_PARTIAL)
        rc = -EINVAL;                                /* a table half validated or released */
    else if (f->type_count && pgt_is_table(f->type)) {
        if (f->type == PGT_l1)
            rc = pv_translate_foreign_l1(gfn_owner, &val);
        if (!rc)
            rc = pt_mod_entry_preemptible(mfn, idx, val, f->type - PGT_l1 + 1, d, pg_owner,
                                          preserve_ad);
    } else
        rc = write_plain(mfn, idx, val, d);
    page_put(mfn);
    return rc;
}

/* Under page_type_lock: the frame keeps the type the write was decided by. */
static int pt_update(struct domain *d, const struct domain *gfn_owner, domid_t pg_owner, u64 ptr,
                     u64 val, bool preserve_ad)
{
    page_type_lock(d);
    int rc = pt_update_held(d, gfn_owner, pg_owner, ptr, val, preserve_ad);
    page_type_unlock(d);
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

/*
 * pt_owner owns the table written; pg_owner (a domain or DOMID_IO/DOMID_XEN,
 * pgd its domain or NULL) the frames new L1 entries map, and the frame of a
 * MACHPHYS_UPDATE.
 */
static int mmu_update_one(struct domain *pt_owner, struct domain *pgd, domid_t pg_owner,
                          const struct mmu_update *req)
{
    switch (req->ptr & 7) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_PRESERVE_AD:
    case MMU_PT_UPDATE_NO_TRANSLATE:                 /* a machine frame, for an HVM owner too */
        /* Xen's xsm_mmu_update: DOMID_IO is not checked here, it simply owns no RAM. */
        if ((pg_owner != DOMID_IO && !(pgd && may_act_on(pgd)) && !current->domain->privileged) ||
            !may_act_on(pt_owner))
            return -EPERM;
        /* NO_TRANSLATE: the value is a machine frame even for an HVM owner (privcmd
         * maps acquire_resource's frames so), as Xen's mod_l1_entry. */
        return pt_update(pt_owner, (req->ptr & 7) == MMU_PT_UPDATE_NO_TRANSLATE ? NULL : pgd,
                         pg_owner, req->ptr & ~7ULL, req->val,
                         (req->ptr & 7) == MMU_PT_UPDATE_PRESERVE_AD);
    case MMU_MACHPHYS_UPDATE:
        if ((!(pgd && may_act_on(pgd)) && !current->domain->privileged) || !may_act_on(pt_owner))
            return -EPERM;
        return pgd ? machphys_update(pgd, req->ptr & ~7ULL, req->val) : -EINVAL;
    default:
        return -ENOSYS;
    }
}

/*
 * foreigndom: bits 15:0 the owner of the frames mapped (DOMID_SELF: the caller),
 * bits 31:16 the page-table owner plus one (0: the caller), as in Xen.
 */
struct mmu_update_ctx {
    struct domain *pt_owner, *pgd;
    domid_t pg_owner;
};

static int mmu_update_item(const struct batch *b, unsigned long item)
{
    const struct mmu_update_ctx *c = b->ctx;
    struct mmu_update req;

    if (copy_from_guest(&req, item, sizeof(req)))
        return -EFAULT;
    return mmu_update_one(c->pt_owner, c->pgd, c->pg_owner, &req);
}

/* With pt_owner's and pgd's references held for the whole batch. */
static long mmu_update_batch(struct domain *pt_owner, unsigned long reqs, unsigned int count,
                             unsigned long done_ptr, unsigned int domid)
{
    struct domain *pgd;
    struct mmu_update_ctx ctx;
    struct batch b;
    domid_t pg_owner;
    long rc;

    if (pt_owner != current->domain && !pt_owner->vcpus[0])
        return -EINVAL;
    rc = pv_pg_owner(domid, &pgd, &pg_owner);
    if (rc) {
        /*
         * As Xen, *done is written even now (0 more done): Linux's
         * xen_remap_pfn keeps its previous value otherwise, and would
         * report the entries after a failed one as mapped.
         */
        unsigned long left = count;

        report_done(done_ptr, batch_resume(&left, done_ptr));
        return rc;
    }
    ctx = (struct mmu_update_ctx){ pt_owner, pgd, pg_owner };
    b = (struct batch){ __HYPERVISOR_mmu_update, reqs, count, done_ptr, domid,
                        sizeof(struct mmu_update), mmu_update_item, &ctx };
    rc = batch_run(&b);
    if (pgd)
        put_domain(pgd);
    return rc;
}

long do_mmu_update(guest_handle_t reqs, unsigned int count, guest_handle_t done_ptr,
                   unsigned int domid)
{
    struct domain *pt_owner;
    unsigned int pt_dom = (domid >> 16) & 0xffff;
    long rc = 0;

    if (batch_preamble(__HYPERVISOR_mmu_update, reqs.va, count, done_ptr.va, domid, &rc))
        return rc;
    pt_owner = pt_dom ? domain_lookup((domid_t)(pt_dom - 1))
                      : domain_lookup_by_caller(DOMID_SELF, current->domain);
    if (!pt_owner)
        return -ESRCH;
    rc = mmu_update_batch(pt_owner, reqs.va, count, done_ptr.va, domid);
    put_domain(pt_owner);
    return rc;
}

/* Switches a base pointer: reference the new L4 first, then drop the old one. */
static int new_baseptr(struct vcpu *v, mfn_t mfn, bool user)
{
    mfn_t *slot = user ? &v->arch.cr3_user : &v->arch.cr3_kernel;
    mfn_t old = *slot;
    int rc = 0;

    if (mfn || !user)
        rc = page_get_and_type_preemptible(mfn, PGT_l4, v->domain);
    if (rc)
        return rc;
    *slot = mfn;
    if (old)
        page_put_and_type_preemptible(old);
    if (v->arch.kernel_mode != user)
        cr3_load(pv_current_cr3_mfn(v) << PAGE_SHIFT);
    return 0;
}

/* Debug aid: which of d's L1 tables map `target`, and how. */
static void debug_who_maps(struct domain *d, mfn_t target)
{
    mfn_t lo, hi;

    frame_span_get(&hv_frames, d->id, &lo, &hi);     /* d's frames, not all of memory */
    for (mfn_t m = lo; m < hi; m++) {
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

    int rc = page_pin_preemptible(mfn, types[cmd], d);

    if (rc && rc != -ERESTART && frame_valid(&hv_frames, mfn))
        hv_debug("d%u: pin L%u of mfn %lx failed %d (type %u count %u/%u flags %x)\n", d->id,
                 cmd + 1, mfn, rc, hv_frames.info[mfn].type, hv_frames.info[mfn].count,
                 hv_frames.info[mfn].type_count, hv_frames.info[mfn].flags);
    if (rc && rc != -ERESTART && hv_loglvl >= LOG_DEBUG)
        debug_who_maps(d, mfn);
    return rc;
}

/*
 * Xen's vcpumask_to_pcpumask: the mask is read (one word per 64 vCPUs);
 * *vcpus gets the first word (HV_MAX_VCPUS fits it).
 */
int pv_read_vcpumask(struct domain *d, unsigned long ptr, u64 *vcpus)
{
    unsigned long word;

    *vcpus = 0;
    for (unsigned int bias = 0; bias < d->nr_vcpus; bias += 64) {
        if (copy_from_guest(&word, ptr + bias / 8, sizeof(word)))
            return -EFAULT;
        if (!bias)
            *vcpus = word;
    }
    return 0;
}

/*
 * A guest's flush of the CPUs in m: the others by IPI (everything), this
 * one locally (one page, or every non-global entry).
 */
void pv_flush_tlb_cpus(const cpumask_t *m, bool one_page, unsigned long va)
{
    if (!tlb_flush_others(m))
        return;
    if (one_page)
        invlpg(va);
    else
        tlb_flush_local();
}

/* TLB_FLUSH_* / INVLPG_*: LOCAL this CPU, ALL every CPU d may be on, MULTI the named vCPUs'. */
static int mmuext_flush(struct domain *d, const struct mmuext_op *op)
{
    bool one = op->cmd == MMUEXT_INVLPG_LOCAL || op->cmd == MMUEXT_INVLPG_ALL ||
               op->cmd == MMUEXT_INVLPG_MULTI;
    unsigned long va = op->arg1.linear_addr;
    cpumask_t m = cpumask_of(smp_processor_id());
    u64 vcpus;

    if (one && op->cmd != MMUEXT_INVLPG_MULTI && !guest_va_canonical(va))
        return -EINVAL;
    if (op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI) {
        if (pv_read_vcpumask(d, (unsigned long)op->arg2.vcpumask.p, &vcpus))
            return -EINVAL;
        if (one && !guest_va_canonical(va))
            return 0;                                /* as before: nothing to drop */
        m = tlb_mask_of_vcpus(d, vcpus);
    } else if (op->cmd == MMUEXT_TLB_FLUSH_ALL || op->cmd == MMUEXT_INVLPG_ALL) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        m = cpumask_read_atomic(&d->dirty_cpumask);
        cpumask_set(&m, smp_processor_id());
    }
    pv_flush_tlb_cpus(&m, one, va);
    return 0;
}

/* CLEAR_PAGE / COPY_PAGE: frames of pg_owner; the destination must be able to be writable. */
static int clear_copy_page(struct domain *pgd, mfn_t dst, mfn_t src, bool copy)
{
    int rc;

    if (!pgd)
        return -EINVAL;
    if (copy && page_get(src, pgd))
        return -EINVAL;
    rc = page_get_and_type(dst, PGT_writable, pgd) ? -EINVAL : 0;
    if (!rc) {
        if (copy)
            memcpy(hv_mfn_to_virt(dst), hv_mfn_to_virt(src), PAGE_SIZE);
        else
            memset(hv_mfn_to_virt(dst), 0, PAGE_SIZE);
        page_put_and_type(dst);
    }
    if (copy)
        page_put(src);
    return rc;
}

static int mmuext_one(struct domain *pgd, const struct mmuext_op *op)
{
    struct vcpu *v = current;
    bool self = pgd == v->domain;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE: case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE: case MMUEXT_PIN_L4_TABLE:
        return pin(pgd, op->cmd, op->arg1.mfn);
    case MMUEXT_UNPIN_TABLE:
        return page_unpin_preemptible(op->arg1.mfn, pgd);
    case MMUEXT_NEW_BASEPTR:
        return self ? new_baseptr(v, op->arg1.mfn, false) : -EPERM;
    case MMUEXT_NEW_USER_BASEPTR:
        return self ? new_baseptr(v, op->arg1.mfn, true) : -EPERM;
    case MMUEXT_TLB_FLUSH_MULTI: case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_LOCAL: case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_ALL:
        return self ? mmuext_flush(pgd, op) : -EPERM;
    case MMUEXT_SET_LDT:
        return self ? pv_set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents) : -EPERM;
    case MMUEXT_CLEAR_PAGE:
        return clear_copy_page(pgd, op->arg1.mfn, 0, false);
    case MMUEXT_COPY_PAGE:
        return clear_copy_page(pgd, op->arg1.mfn, op->arg2.src_mfn, true);
    case MMUEXT_MARK_SUPER: case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;                          /* XSA-167: gone from Xen too */
    default:
        return -ENOSYS;
    }
}

static int mmuext_item(const struct batch *b, unsigned long item)
{
    struct mmuext_op op;

    if (copy_from_guest(&op, item, sizeof(op)))
        return -EFAULT;
    return mmuext_one(b->ctx, &op);
}

long do_mmuext_op(guest_handle_t ops, unsigned int count, guest_handle_t done_ptr,
                  unsigned int domid)
{
    struct domain *d;
    struct batch b;
    domid_t pg_owner;
    long rc;

    if (batch_preamble(__HYPERVISOR_mmuext_op, ops.va, count, done_ptr.va, domid, &rc))
        return rc;
    rc = pv_pg_owner(domid, &d, &pg_owner);
    if (rc)
        return rc;
    if (!d)
        return -EINVAL;                              /* DOMID_IO/XEN: not PV domains */
    if (!may_act_on(d)) {
        put_domain(d);
        return -EPERM;
    }
    b = (struct batch){ __HYPERVISOR_mmuext_op, ops.va, count, done_ptr.va, domid,
                        sizeof(struct mmuext_op), mmuext_item, d };
    rc = batch_run(&b);
    put_domain(d);
    return rc;
}
