/*
 * hvm_op (hypercall 34): HVMOP_set_param and HVMOP_get_param, the HVM
 * params of public/hvm/params.h. A toolstack sets them as it builds an
 * HVM domain (the xenstore and console pages and ports, the timer mode,
 * the ioreq server pages, ...); the firmware and the device model read
 * them. Here a param is a value kept for the domain: what one changes in
 * the hypervisor is listed in docs/hvm.md ("HVM params").
 *
 * Xen 4.17's rules, as a table: which params the domain itself may set or
 * read (every other only its toolstack, the privileged domain), which are
 * deprecated, which may be set only once, which values are refused. The
 * checks come in Xen's order: the struct copied in (-EFAULT), the domain
 * (-ESRCH; DOMID_SELF is the caller), an HVM domain (-EINVAL), the index
 * (-EINVAL), the caller: the domain itself or the privileged one (-EPERM),
 * the param's rule for the domain itself (-EPERM; a deprecated one: -EPERM
 * to set, -ENODATA to read), set once (-EEXIST), the value (-EINVAL).
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>

/* Deprecated, so public/hvm/params.h names them only for old interface versions. */
#define PARAM_PAE_ENABLED     4
#define PARAM_DM_DOMAIN       13
#define PARAM_NESTEDHVM       24
#define PARAM_BUFIOREQ_EVTCHN 26

enum {
    SELF_SET   = 1 << 0,               /* the domain may set it itself */
    SELF_GET   = 1 << 1,               /* ... and read it */
    DEPRECATED = 1 << 2,               /* the domain itself: -EPERM to set, -ENODATA to read */
    ONCE       = 1 << 3,               /* once non-zero, only the same value again (-EEXIST) */
};

struct param_rule {
    u8 flags;
    bool (*valid)(u64 value);          /* NULL: any value */
};

static bool timer_mode_valid(u64 v)    { return v <= HVMPTM_one_missed_tick_pending; }
static bool dm_domain_valid(u64 v)     { return v == DOMID_SELF; }
static bool s_state_valid(u64 v)       { return v == 0; }      /* no S3: nothing to resume */
static bool zero_only(u64 v)           { return v == 0; }      /* a feature not offered here */
static bool reason_valid(u64 v)        { return v <= SHUTDOWN_MAX; }
static bool u32_valid(u64 v)           { return v == (u32)v; }
static bool fip_width_valid(u64 v)     { return v == 0 || v == 4 || v == 8; }
static bool mca_cap_valid(u64 v)       { return !(v & ~XEN_HVM_MCA_CAP_MASK); }
static bool ioreq_pages_valid(u64 v)   { return v >= 1 && v <= 64; }  /* Xen's gfn mask: a long */

/* A TSS of at least the base structure (104 bytes) in the upper half. */
static bool tss_sized_valid(u64 v)     { return (v >> 32) >= 104; }

/* Indices with no entry: any value, the toolstack only (Xen's default case). */
static const struct param_rule param_rules[HVM_NR_PARAMS] = {
    [HVM_PARAM_CALLBACK_IRQ]          = { .flags = SELF_SET | SELF_GET },
    [HVM_PARAM_STORE_PFN]             = { .flags = SELF_GET },
    [HVM_PARAM_STORE_EVTCHN]          = { .flags = SELF_SET | SELF_GET },
    [PARAM_PAE_ENABLED]               = { .flags = DEPRECATED },
    [HVM_PARAM_VIRIDIAN]              = { .flags = ONCE, .valid = zero_only },          /* no Viridian */
    [HVM_PARAM_TIMER_MODE]            = { .flags = 0, .valid = timer_mode_valid },
    [PARAM_DM_DOMAIN]                 = { .flags = DEPRECATED, .valid = dm_domain_valid },
    [HVM_PARAM_ACPI_S_STATE]          = { .flags = 0, .valid = s_state_valid },
    [HVM_PARAM_VM86_TSS]              = { .flags = SELF_SET | SELF_GET, .valid = u32_valid },
    [HVM_PARAM_CONSOLE_PFN]           = { .flags = SELF_GET },
    [HVM_PARAM_CONSOLE_EVTCHN]        = { .flags = SELF_SET | SELF_GET },
    [HVM_PARAM_ACPI_IOPORTS_LOCATION] = { .flags = SELF_SET | SELF_GET },
    [PARAM_NESTEDHVM]                 = { .flags = 0, .valid = zero_only },             /* no nested SVM */
    [PARAM_BUFIOREQ_EVTCHN]           = { .flags = DEPRECATED },
    [HVM_PARAM_TRIPLE_FAULT_REASON]   = { .flags = 0, .valid = reason_valid },
    [HVM_PARAM_IOREQ_SERVER_PFN]      = { .flags = ONCE },
    [HVM_PARAM_NR_IOREQ_SERVER_PAGES] = { .flags = ONCE, .valid = ioreq_pages_valid },
    [HVM_PARAM_VM_GENERATION_ID_ADDR] = { .flags = SELF_SET | SELF_GET },
    [HVM_PARAM_ALTP2M]                = { .flags = SELF_GET | ONCE, .valid = zero_only },  /* no altp2m */
    [HVM_PARAM_X87_FIP_WIDTH]         = { .flags = SELF_SET | SELF_GET, .valid = fip_width_valid },
    [HVM_PARAM_VM86_TSS_SIZED]        = { .flags = SELF_SET | SELF_GET, .valid = tss_sized_valid },
    [HVM_PARAM_MCA_CAP]               = { .flags = ONCE, .valid = mca_cap_valid },
};

/* Xen's XSM_TARGET: the domain itself, or the privileged one. */
static int caller_may(const struct domain *d, const struct domain *caller)
{
    return d == caller || caller->privileged ? 0 : -EPERM;
}

static int set_allowed(const struct domain *d, const struct domain *caller, unsigned int index)
{
    u8 flags = param_rules[index].flags;

    if (caller != d)
        return 0;
    if (flags & DEPRECATED)
        return -EPERM;
    return flags & SELF_SET ? 0 : -EPERM;
}

static int get_allowed(const struct domain *d, const struct domain *caller, unsigned int index)
{
    u8 flags = param_rules[index].flags;

    if (caller != d)
        return 0;
    if (flags & DEPRECATED)
        return -ENODATA;
    return flags & SELF_GET ? 0 : -EPERM;
}

/* The value checks, then the store: a set-once param by cmpxchg (two toolstacks may race). */
static int param_store(struct domain *d, unsigned int index, u64 value)
{
    const struct param_rule *r = &param_rules[index];
    u64 old = __atomic_load_n(&d->hvm_params[index], __ATOMIC_RELAXED);

    if (!(r->flags & ONCE)) {
        if (r->valid && !r->valid(value))
            return -EINVAL;
        __atomic_store_n(&d->hvm_params[index], value, __ATOMIC_RELEASE);
        return 0;
    }
    do {
        if (old && value != old)
            return -EEXIST;
        if (r->valid && !r->valid(value))
            return -EINVAL;
    } while (!__atomic_compare_exchange_n(&d->hvm_params[index], &old, value, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    return 0;
}

/* The named domain, looked up with a reference; DOMID_SELF is the caller's. */
static struct domain *param_domain(domid_t domid)
{
    return domain_lookup(domid == DOMID_SELF ? current->domain->id : domid);
}

static int param_op(bool set, struct xen_hvm_param *p)
{
    struct domain *caller = current->domain, *d = param_domain(p->domid);
    int rc;

    if (!d)
        return -ESRCH;
    if (!d->hvm || p->index >= HVM_NR_PARAMS)
        rc = -EINVAL;
    else if ((rc = caller_may(d, caller)) == 0) {
        unsigned int index = p->index;

        rc = set ? set_allowed(d, caller, index) : get_allowed(d, caller, index);
        if (!rc && set)
            rc = param_store(d, index, p->value);
        else if (!rc)
            p->value = __atomic_load_n(&d->hvm_params[index], __ATOMIC_ACQUIRE);
    }
    put_domain(d);
    return rc;
}

long do_hvm_op(unsigned long op, guest_handle_t arg)
{
    struct xen_hvm_param p;
    int rc;

    if (op != HVMOP_set_param && op != HVMOP_get_param)
        return -ENOSYS;                              /* Xen's default, as for its other sub-ops here */
    if (copy_from_handle(&p, arg, sizeof(p)))
        return -EFAULT;
    rc = param_op(op == HVMOP_set_param, &p);
    if (!rc && op == HVMOP_get_param && copy_to_handle(arg, &p, sizeof(p)))
        rc = -EFAULT;
    return rc;
}
