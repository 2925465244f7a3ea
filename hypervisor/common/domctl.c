/*
 * domctl sub-ops for the privileged domain, after Xen's order of checks
 * (sysctl_domctl.c: copy-in, interface version, the target domain, then the
 * caller's privilege). What each one checks follows Xen 4.17's
 * common/domctl.c and arch/x86/domctl.c; what we do not offer yet answers
 * -ENOSYS. docs/toolstack.md lists them.
 */
#define __XEN_TOOLS__ 1                              /* domctl.h is tools-only */
#include <hv/domctl.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/console.h>
#include <hv/time.h>
#include <xen/domctl.h>

#define SHUTDOWN_CODE_NONE 255                       /* Xen's u8 SHUTDOWN_CODE_INVALID */
#define GRANT_VERSION_MAX  2

/* Xen's getdomaininfo: blocked only if every online vCPU is, running if one is. */
void domain_get_info(const struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    u32 flags = XEN_DOMINF_blocked, code = SHUTDOWN_CODE_NONE;

    memset(info, 0, sizeof(*info));
    info->domain = d->id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpus[i];

        if (!v)
            continue;
        info->cpu_time += v->runstate.time[RUNSTATE_running] +
                          (v == current ? hv_now() - v->runstate.state_entry_time : 0);
        info->max_vcpu_id = i;
        if (v->state == VCPU_DOWN)
            continue;
        info->nr_online_vcpus++;
        if (v->state != VCPU_BLOCKED)
            flags &= ~XEN_DOMINF_blocked;
        if (v == current)
            flags |= XEN_DOMINF_running;
    }
    if (d->state != DOM_ACTIVE)
        code = d->shutdown_reason & XEN_DOMINF_shutdownmask;
    info->flags = (info->nr_online_vcpus ? flags : 0) | (d->dying ? XEN_DOMINF_dying : 0) |
                  (d->state != DOM_ACTIVE ? XEN_DOMINF_shutdown : 0) |
                  (d->pause_count ? XEN_DOMINF_paused : 0) | code << XEN_DOMINF_shutdownshift |
                  (d->hvm ? XEN_DOMINF_hvm_guest | XEN_DOMINF_hap : 0);
    memcpy(info->handle, d->handle, sizeof(info->handle));
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = d->shared_info_mfn;
    info->gpaddr_bits = 52;
}

/* libxl's HVM domain: everything but vPCI, which Xen gives dom0 alone (emulation_flags_ok). */
#define EMU_HVM_DOMU (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI)

/* An HVM domU: with HAP (no shadow paging here), one vCPU (ours), libxl's emulation flags. */
static int createdomain_hvm_check(const struct xen_domctl_createdomain *c)
{
    if (!(c->flags & XEN_DOMCTL_CDF_hap) || (c->flags & XEN_DOMCTL_CDF_nested_virt))
        return -EINVAL;
    if (!arch_hvm_supported())
        return -EINVAL;                              /* as Xen without HVM support */
    if (c->max_vcpus != 1)
        return -EINVAL;                              /* ours: one vCPU (docs/hvm.md) */
    return c->arch.emulation_flags == EMU_HVM_DOMU ? 0 : -EINVAL;
}

/* Xen's sanitise_domain_config, for what a hypervisor without an IOMMU offers. */
static int createdomain_config_check(const struct xen_domctl_createdomain *c)
{
    const u32 known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity |
                      XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu |
                      XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu;

    if ((c->flags & ~known) || (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask))
        return -EINVAL;
    if (c->max_vcpus < 1 || c->max_vcpus > HV_MAX_VCPUS)
        return -EINVAL;
    if ((c->flags & (XEN_DOMCTL_CDF_iommu | XEN_DOMCTL_CDF_vpmu)) || c->iommu_opts ||
        c->vmtrace_size)
        return -EINVAL;                              /* no IOMMU, vPMU or vmtrace here */
    if (XEN_DOMCTL_GRANT_version(c->grant_opts) > GRANT_VERSION_MAX)
        return -EINVAL;
    if (c->flags & XEN_DOMCTL_CDF_hvm)
        return createdomain_hvm_check(c);
    if (c->flags & (XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_nested_virt))
        return -EINVAL;                              /* HAP and nesting are HVM's */
    if (c->arch.emulation_flags & ~XEN_X86_EMU_PIT)
        return -EINVAL;                              /* a PV domain emulates nothing else */
    return 0;
}

/* A domain that never ran, taken down at once (createdomain's failure after domain_create). */
static void createdomain_undo(struct domain *d)
{
    if (!get_domain(d))
        return;
    while (domain_kill(d) == -ERESTART)
        ;
    domain_put_destroyed(d);
}

/* domid 0 or a reserved one: pick a free id; a given one must be free (-EEXIST). */
static long domctl_createdomain(struct xen_domctl *op)
{
    domid_t id = op->domain;
    struct domain *d;
    int rc = createdomain_config_check(&op->u.createdomain);
    bool hvm = op->u.createdomain.flags & XEN_DOMCTL_CDF_hvm;

    if (rc)
        return rc;
    if (id > 0 && id < DOMID_FIRST_RESERVED) {
        if (domain_exists(id))
            return -EEXIST;
        if (id >= HV_MAX_DOMAINS)
            return -EINVAL;                          /* ours: the domain table's size */
    } else if (!(id = domain_pick_free_id())) {
        return -ENOMEM;
    }
    d = domain_create(id, false);
    if (!d)
        return domain_exists(id) ? -EEXIST : -ENOMEM;
    if (hvm && (rc = arch_hvm_domain_create(d))) {
        createdomain_undo(d);
        return rc;
    }
    d->controlled = true;
    memcpy(d->handle, op->u.createdomain.handle, sizeof(d->handle));   /* the toolstack's uuid */
    d->max_vcpus = op->u.createdomain.max_vcpus;
    d->pause_count = 1;                              /* created paused, as Xen */
    op->domain = id;
    hv_info("d%u created by d%u (%s, %u vCPUs)\n", id, current->domain->id, hvm ? "HVM" : "PV",
            d->max_vcpus);
    return 0;
}

/* As Xen: the count must be createdomain's; the vCPUs are made here, down. */
static long domctl_max_vcpus(struct domain *d, unsigned int max)
{
    if (d == current->domain || max != d->max_vcpus || d->state != DOM_ACTIVE)
        return -EINVAL;
    for (unsigned int i = 0; i < max; i++)
        if (!d->vcpus[i] && !vcpu_create(d, i))
            return -ENOMEM;
    time_update_wallclock(d->vcpus[0]);              /* as the boot builder: shared_info's clock */
    return 0;
}

/* As Xen: no check against tot_pages; above the new limit nothing more is given. */
static long domctl_max_mem(struct domain *d, u64 max_memkb)
{
    u64 pages = max_memkb >> (PAGE_SHIFT - 10);

    spin_lock(&d->page_alloc_lock);
    d->max_pages = pages > ~0UL ? ~0UL : (unsigned long)pages;
    spin_unlock(&d->page_alloc_lock);
    return 0;
}

/* An existing domain, else (Xen's rule, how toolstacks list) the next one at or above the id. */
static long domctl_getdomaininfo(struct xen_domctl *op)
{
    struct domain *d = domain_lookup_any(op->domain);

    if (!d && op->domain >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    if (!d)
        d = domain_first_at_or_above(op->domain);
    if (!d)
        return -ESRCH;
    domain_get_info(d, &op->u.getdomaininfo);
    op->domain = d->id;
    put_domain(d);
    return 0;
}

static struct vcpu *ctl_vcpu(struct domain *d, unsigned int id)
{
    return id < d->max_vcpus && id < HV_MAX_VCPUS ? d->vcpus[id] : NULL;
}

#define CTXT_PAGES (ALIGN_UP(sizeof(struct vcpu_guest_context), PAGE_SIZE) / PAGE_SIZE)

/* PV only: the context is checked as the boot builder's (pv_vcpu_context_check). */
static long domctl_setvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
    struct vcpu *v = ctl_vcpu(d, vc->vcpu);
    struct vcpu_guest_context *c;
    long rc;

    if (d == current->domain || !v || d->state != DOM_ACTIVE)
        return -EINVAL;
    if (guest_handle_is_null(guest_handle_from_field(vc->ctxt)))
        return -EOPNOTSUPP;                          /* vcpu_reset: not yet */
    c = hv_alloc_pages(CTXT_PAGES);
    if (!c)
        return -ENOMEM;
    rc = copy_from_handle(c, guest_handle_from_field(vc->ctxt), sizeof(*c)) ? -EFAULT : 0;
    if (!rc)
        rc = arch_set_vcpu_context(v, c);
    hv_free_pages(c, CTXT_PAGES);
    return rc;
}

static long domctl_getvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
    struct vcpu *v = ctl_vcpu(d, vc->vcpu);
    struct vcpu_guest_context *c;
    long rc;

    if (!v || v == current)
        return -EINVAL;
    if (!v->arch.cr3_kernel)
        return -ENODATA;                             /* never initialised */
    c = hv_alloc_pages(CTXT_PAGES);
    if (!c)
        return -ENOMEM;
    memset(c, 0, sizeof(*c));
    arch_get_vcpu_context(v, c);
    rc = copy_to_handle(guest_handle_from_field(vc->ctxt), c, sizeof(*c)) ? -EFAULT : 0;
    hv_free_pages(c, CTXT_PAGES);
    return rc;
}

/* Save records beyond this are refused: one vCPU's HEADER, CPU, MTRR and END take 1.3 KiB. */
#define HVM_CONTEXT_MAX (4 * PAGE_SIZE)

/*
 * Xen's sethvmcontext: records from the toolstack, checked whole before
 * anything changes (arch_hvm_load_context); each vCPU given its first state
 * is then queued, to run once its domain is unpaused.
 */
static long domctl_sethvmcontext(struct domain *d, const struct xen_domctl_hvmcontext *hc)
{
    u64 loaded = 0;
    u8 *buf;
    long rc;

    if (d == current->domain || !d->hvm)
        return -EINVAL;
    if (hc->size > HVM_CONTEXT_MAX)
        return -ENOMEM;                              /* as Xen's failed allocation */
    buf = hv_alloc_pages(HVM_CONTEXT_MAX / PAGE_SIZE);
    if (!buf)
        return -ENOMEM;
    rc = copy_from_handle(buf, guest_handle_from_field(hc->buffer), hc->size) ? -EFAULT : 0;
    if (!rc)
        rc = arch_hvm_load_context(d, buf, hc->size, &loaded);
    hv_free_pages(buf, HVM_CONTEXT_MAX / PAGE_SIZE);
    for (unsigned int i = 0; !rc && i < d->nr_vcpus && i < 64; i++)
        if (loaded & (1ULL << i))
            sched_add(d->vcpus[i]);
    return rc;
}

/* Xen's gethvmcontext: a NULL buffer asks the size; the domain is paused while it is read. */
static long domctl_gethvmcontext(struct domain *d, struct xen_domctl_hvmcontext *hc)
{
    size_t need;
    u8 *buf;
    long rc;

    if (d == current->domain || !d->hvm)
        return -EINVAL;
    need = arch_hvm_context_size(d);
    if (guest_handle_is_null(guest_handle_from_field(hc->buffer))) {
        hc->size = (u32)need;
        return 0;
    }
    if (hc->size < need)
        return -ENOSPC;
    if (need > HVM_CONTEXT_MAX || !(buf = hv_alloc_pages(HVM_CONTEXT_MAX / PAGE_SIZE)))
        return -ENOMEM;
    rc = domain_pause(d);
    if (!rc) {
        rc = arch_hvm_save_context(d, buf, need);
        domain_unpause(d);
    }
    if (rc >= 0) {
        hc->size = (u32)rc;
        rc = copy_to_handle(guest_handle_from_field(hc->buffer), buf, hc->size) ? -EFAULT : 0;
    }
    hv_free_pages(buf, HVM_CONTEXT_MAX / PAGE_SIZE);
    return rc;
}

/*
 * As Xen: -EINVAL past max_vcpus, -ESRCH for a vCPU max_vcpus has not made.
 * A domain built at boot has no createdomain count: its vCPUs are its max.
 */
static long domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *vi)
{
    const struct vcpu *v;

    if (vi->vcpu >= MAX(d->max_vcpus, d->nr_vcpus) || vi->vcpu >= HV_MAX_VCPUS)
        return -EINVAL;
    if (!(v = d->vcpus[vi->vcpu]))
        return -ESRCH;
    vi->online = v->state != VCPU_DOWN;
    vi->blocked = v->state == VCPU_BLOCKED;
    vi->running = v == current;
    vi->cpu_time = v->runstate.time[RUNSTATE_running] +
                   (v == current ? hv_now() - v->runstate.state_entry_time : 0);
    vi->cpu = __atomic_load_n(&v->processor, __ATOMIC_RELAXED);   /* its queue's or the one running it */
    return 0;
}

/* As Xen's domain_set_time_offset: the domain's wallclock moves by it at once. */
static long domctl_settimeoffset(struct domain *d, s64 seconds)
{
    d->time_offset_seconds = seconds;
    if (d->vcpus[0])
        time_update_wallclock(d->vcpus[0]);
    return 0;
}

/* The TSC modes of Xen's public arch-x86/cpuid.h (newer than Debian's 4.17 headers). */
#define TSC_MODE_DEFAULT          0u
#define TSC_MODE_ALWAYS_EMULATE   1u
#define TSC_MODE_NEVER_EMULATE    2u

/*
 * settscinfo (libxl sets DEFAULT for every new domain). Guests read the
 * host's TSC natively: we never trap RDTSC. DEFAULT at the host's rate is
 * what Xen then does too (no emulation on a host with a safe TSC), and
 * NEVER_EMULATE is that; ALWAYS_EMULATE, or DEFAULT at another rate (a
 * migrated guest), needs RDTSC emulation: -EOPNOTSUPP. As Xen: -EINVAL on
 * the caller itself, and the hardware domain's TSC stays native.
 */
static long domctl_settscinfo(struct domain *d, const struct xen_domctl_tsc_info *t)
{
    u32 host_khz = (u32)(time_tsc_hz() / 1000);

    if (d == current->domain)
        return -EINVAL;
    if (d->privileged)
        return 0;
    if (t->tsc_mode > TSC_MODE_NEVER_EMULATE)
        return -EINVAL;
    if (t->tsc_mode == TSC_MODE_ALWAYS_EMULATE ||
        (t->tsc_mode == TSC_MODE_DEFAULT && t->gtsc_khz && t->gtsc_khz != host_khz))
        return -EOPNOTSUPP;
    d->tsc_mode = t->tsc_mode;
    d->tsc_incarnation = t->incarnation + 1;
    return 0;
}

/* gettscinfo, as Xen's for a domain without emulation: DEFAULT gives the host's rate and
 * the time since boot in ns, NEVER_EMULATE zeroes. */
static long domctl_gettscinfo(struct domain *d, struct xen_domctl_tsc_info *t)
{
    if (d == current->domain)
        return -EINVAL;
    t->tsc_mode = d->tsc_mode;
    t->incarnation = d->tsc_incarnation;
    t->gtsc_khz = d->tsc_mode == TSC_MODE_DEFAULT ? (u32)(time_tsc_hz() / 1000) : 0;
    t->elapsed_nsec = d->tsc_mode == TSC_MODE_DEFAULT ? hv_now() : 0;
    t->pad = 0;
    return 0;
}

/* A preempted destroy continues with the same argument, as Xen's. */
static long domctl_destroydomain(struct domain *d, guest_handle_t u_op)
{
    int rc = domain_kill(d);

    if (rc == -ERESTART)
        return hypercall_continue(__HYPERVISOR_domctl, u_op.va, 0, 0, 0, 0);
    return rc;
}

/* Sub-ops on an existing domain (looked up before the privilege check). */
static long domctl_on_domain(struct xen_domctl *op, struct domain *d, guest_handle_t u_op,
                             bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_max_vcpus:
        return domctl_max_vcpus(d, op->u.max_vcpus.max);
    case XEN_DOMCTL_max_mem:
        return domctl_max_mem(d, op->u.max_mem.max_memkb);
    case XEN_DOMCTL_pausedomain:
        return d == current->domain ? -EINVAL : domain_pause_by_controller(d);
    case XEN_DOMCTL_unpausedomain:
        return domain_unpause_by_controller(d);
    case XEN_DOMCTL_destroydomain:
        return domctl_destroydomain(d, u_op);
    case XEN_DOMCTL_setvcpucontext:
        return domctl_setvcpucontext(d, &op->u.vcpucontext);
    case XEN_DOMCTL_getvcpucontext:
        *copyback = true;
        return domctl_getvcpucontext(d, &op->u.vcpucontext);
    case XEN_DOMCTL_sethvmcontext:
        return domctl_sethvmcontext(d, &op->u.hvmcontext);
    case XEN_DOMCTL_gethvmcontext:
        *copyback = true;
        return domctl_gethvmcontext(d, &op->u.hvmcontext);
    case XEN_DOMCTL_set_address_size:
        return op->u.address_size.size == 64 ? 0 : -EINVAL;   /* no 32-bit PV */
    case XEN_DOMCTL_get_address_size:
        op->u.address_size.size = 64;
        *copyback = true;
        return 0;
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
        return 0;
    case XEN_DOMCTL_getvcpuinfo:
        *copyback = true;
        return domctl_getvcpuinfo(d, &op->u.getvcpuinfo);
    case XEN_DOMCTL_settimeoffset:
        return domctl_settimeoffset(d, op->u.settimeoffset.time_offset_seconds);
    case XEN_DOMCTL_settscinfo:
        return domctl_settscinfo(d, &op->u.tsc_info);
    case XEN_DOMCTL_gettscinfo:
        *copyback = true;
        return domctl_gettscinfo(d, &op->u.tsc_info);
    case XEN_DOMCTL_setnodeaffinity:
    case XEN_DOMCTL_getnodeaffinity:
        return domctl_nodeaffinity(op);
    case XEN_DOMCTL_scheduler_op:
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return domctl_sched(op, d, copyback);
    default:
        return arch_do_domctl(op, d, copyback);
    }
}

/*
 * The sub-op runs with a reference on the domain it names. destroydomain's
 * last step drops it with domain_put_destroyed, which frees the domain if
 * that reference was the last one.
 */
static long domctl_on_lookup(struct xen_domctl *op, guest_handle_t u_op, bool *copyback)
{
    struct domain *d = domain_lookup_any(op->domain);
    long rc;

    if (!d)
        return -ESRCH;                               /* gone since the check before privilege */
    rc = domctl_on_domain(op, d, u_op, copyback);
    if (op->cmd == XEN_DOMCTL_destroydomain && !rc)
        domain_put_destroyed(d);
    else
        put_domain(d);
    return rc;
}

long domctl_op(struct xen_domctl *op, guest_handle_t u_op)
{
    bool copyback = false;
    long rc;

    switch (op->cmd) {
    case XEN_DOMCTL_createdomain:
        rc = domctl_createdomain(op);
        copyback = !rc;
        break;
    case XEN_DOMCTL_getdomaininfo:
        rc = domctl_getdomaininfo(op);
        copyback = !rc;
        break;
    default:
        rc = domctl_on_lookup(op, u_op, &copyback);
        break;
    }
    if (copyback && copy_to_handle(u_op, op, sizeof(*op)))
        return -EFAULT;
    return rc;
}
