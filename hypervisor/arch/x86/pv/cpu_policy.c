/*
 * A PV domain's CPUID, and the toolstack's view of it in Xen 4.17's ABI.
 *
 * The default policy is the host's CPUID minus what a ring-3 kernel under
 * a hypervisor cannot use (as Xen's PV policy). A toolstack reads it as
 * Xen's serialised leaves (sysctl get_cpu_policy: pv_default and pv_max are
 * both this default, raw and host the host's own CPUID; get_cpu_featureset)
 * and may narrow it before the domain first runs (domctl set_cpu_policy:
 * lower max leaves, fewer feature bits; bits it adds are dropped, as Xen's
 * recalculation keeps only what the max policy has). Vendor, family, brand,
 * cache and topology leaves stay the host's. libxl does this for every
 * domain it builds (xc_cpuid_apply_policy: it clears invariant TSC unless
 * migration is disabled).
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h and domctl.h are tools-only */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/cpuid.h>
#include <asm/cpu_policy.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#define NO_SUB XEN_CPUID_NO_SUBLEAF

/*
 * Hidden from every PV guest (as Xen's PV policy): superpages and global
 * pages, the local APIC, MTRR/MCA, virtualisation and monitor, PCID,
 * SMEP/SMAP, FSGSBASE, PKU, LA57, 1 GiB pages, SVM, and the PMU leaf.
 */
#define BIT(n) (1u << (n))
#define L1_EDX_HIDE (BIT(1) | BIT(2) | BIT(3) | BIT(7) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | \
                     BIT(14) | BIT(17) | BIT(18) | BIT(21) | BIT(22) | BIT(29) | BIT(31))
#define L1_ECX_HIDE (BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(17) | \
                     BIT(21) | BIT(24))
#define L7_EBX_HIDE (BIT(0) | BIT(7) | BIT(10) | BIT(14) | BIT(20))
#define L7_ECX_HIDE (BIT(2) | BIT(3) | BIT(4) | BIT(16))
#define XL1_EDX_HIDE (BIT(26))
#define XL1_ECX_HIDE (BIT(2))

/* Xen 4.17.7's sizes of the serialised policy (its lib/x86/cpu-policy.h): libxc's too. */
#define NR_BASIC   (0xdu + 1)
#define NR_CACHE   (5u + 1)
#define NR_FEAT    (2u + 1)
#define NR_TOPO    (1u + 1)
#define NR_XSTATE  (62u + 1)
#define NR_EXTD    (0x21u + 1)
#define MAX_LEAVES (NR_BASIC + NR_FEAT - 1 + NR_CACHE - 1 + NR_TOPO - 1 + NR_XSTATE - 1 + NR_EXTD + 2)
#define MSR_INTEL_PLATFORM_INFO 0xce
#define MSR_ARCH_CAPABILITIES   0x10a
#define MAX_MSRS   2

enum { EAX, EBX, ECX, EDX, NONE };

/* Where each featureset word lives (Xen's FEATURESET_*); 16 and 17 are an MSR's (none here). */
static const struct feature_word { u32 leaf, sub; u8 reg; } words[CPU_POLICY_WORDS] = {
    { 1, NO_SUB, EDX }, { 1, NO_SUB, ECX }, { 0x80000001, NO_SUB, EDX },
    { 0x80000001, NO_SUB, ECX }, { 0xd, 1, EAX }, { 7, 0, EBX }, { 7, 0, ECX },
    { 0x80000007, NO_SUB, EDX }, { 0x80000008, NO_SUB, EBX }, { 7, 0, EDX }, { 7, 1, EAX },
    { 0x80000021, NO_SUB, EAX }, { 7, 1, EBX }, { 7, 2, EDX }, { 7, 1, ECX }, { 7, 1, EDX },
    { 0, 0, NONE }, { 0, 0, NONE }, { 0x80000021, NO_SUB, ECX },
};

static bool word_at(const struct feature_word *w, u32 leaf, u32 sub)
{
    return w->reg != NONE && w->leaf == leaf && (w->sub == NO_SUB || w->sub == sub);
}

static void hypervisor_leaves(u32 leaf, u32 r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf == 0x40000000) {
        r[0] = 0x40000002;                           /* max hypervisor leaf */
        memcpy(&r[1], "XenVMMXenVMM", 12);           /* ebx, ecx, edx */
    } else if (leaf == 0x40000001) {
        r[0] = (4 << 16) | 17;                       /* Xen 4.17 ABI */
    } else if (leaf == 0x40000002) {
        r[0] = 1;                                    /* one hypercall page */
        r[1] = 0x40000000;                           /* its MSR */
    }
}

/*
 * The default policy. The privileged domain sees the APIC bit, as Xen's PV
 * policy shows the hardware domain: without it Linux skips the MADT's I/O
 * APICs, stays in PIC mode and never binds the ACPI SCI or a PCI line.
 */
static void default_cpuid(bool privileged, u32 leaf, u32 sub, u32 r[4])
{
    if (leaf >= 0x40000000 && leaf < 0x40010000) {
        hypervisor_leaves(leaf, r);
        return;
    }
    cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    if (leaf == 1) {
        r[2] = (r[2] & ~L1_ECX_HIDE) | BIT(31);      /* hypervisor present */
        r[3] &= ~L1_EDX_HIDE;
        if (privileged)
            r[3] |= BIT(9);                          /* APIC */
    } else if (leaf == 7 && sub == 0) {
        r[1] &= ~L7_EBX_HIDE;
        r[2] &= ~L7_ECX_HIDE;
    } else if (leaf == 0xa) {
        r[0] = r[1] = r[2] = r[3] = 0;               /* no PMU */
    } else if (leaf == 0x80000001) {
        r[2] &= ~XL1_ECX_HIDE;
        r[3] &= ~XL1_EDX_HIDE;
    }
}

static bool beyond_limits(const struct cpu_policy_limits *l, u32 leaf, u32 sub)
{
    if (!l->limited)
        return false;
    if (leaf < 0x40000000)
        return leaf > l->max_basic || (leaf == 7 && sub > l->max_feat);
    return leaf >= 0x80000000 && leaf > l->max_extd;
}

void pv_guest_cpuid(const struct domain *d, u32 leaf, u32 sub, u32 r[4])
{
    const struct cpu_policy_limits *l = &d->cpu_policy;

    if (beyond_limits(l, leaf, sub)) {
        r[0] = r[1] = r[2] = r[3] = 0;               /* as Xen: past the max leaf is zeroes */
        return;
    }
    default_cpuid(d->privileged, leaf, sub, r);
    if (l->limited && leaf == 0)
        r[0] = MIN(r[0], l->max_basic);
    if (l->limited && leaf == 7 && sub == 0)
        r[0] = MIN(r[0], l->max_feat);
    if (l->limited && leaf == 0x80000000)
        r[0] = MIN(r[0], l->max_extd);
    for (unsigned int w = 0; w < CPU_POLICY_WORDS; w++)
        if (word_at(&words[w], leaf, sub))
            r[words[w].reg] &= ~l->hide[w];
}

/* Whose CPUID a toolstack reads: the host's own, the default for a new domain, or a domain's. */
struct view {
    enum { VIEW_HOST, VIEW_DEFAULT, VIEW_DOMAIN } kind;
    const struct domain *d;
};

static void view_cpuid(const struct view *v, u32 leaf, u32 sub, u32 r[4])
{
    if (v->kind == VIEW_HOST)
        cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    else if (v->kind == VIEW_DEFAULT)
        default_cpuid(false, leaf, sub, r);
    else
        pv_guest_cpuid(v->d, leaf, sub, r);
}

/* A policy's max leaves and feature words (0 past the max leaves, as Xen's struct holds). */
struct summary {
    u32 max_basic, max_feat, max_extd;
    u32 word[CPU_POLICY_WORDS];
};

static bool in_range(const struct summary *s, u32 leaf, u32 sub)
{
    if (leaf >= 0x80000000)
        return leaf <= s->max_extd;
    return leaf <= s->max_basic && (leaf != 7 || sub <= s->max_feat);
}

static void summarise(const struct view *v, struct summary *s)
{
    u32 r[4];

    view_cpuid(v, 0, 0, r);
    s->max_basic = r[0];
    view_cpuid(v, 7, 0, r);
    s->max_feat = s->max_basic >= 7 ? r[0] : 0;
    view_cpuid(v, 0x80000000, 0, r);
    s->max_extd = r[0];
    for (unsigned int w = 0; w < CPU_POLICY_WORDS; w++) {
        u32 sub = words[w].sub == NO_SUB ? 0 : words[w].sub;

        s->word[w] = 0;
        if (words[w].reg == NONE || !in_range(s, words[w].leaf, sub))
            continue;
        view_cpuid(v, words[w].leaf, sub, r);
        s->word[w] = r[words[w].reg];
    }
}

/* Serialised leaves into a guest array of cap entries; the first error sticks. */
struct sink {
    guest_handle_t h;
    u32 n, cap;
    long rc;
};

static void emit(struct sink *k, const struct view *v, u32 leaf, u32 sub)
{
    xen_cpuid_leaf_t e = { .leaf = leaf, .subleaf = sub };
    u32 r[4] = { 0, 0, 0, 0 };

    if (k->rc)
        return;
    if (k->n >= k->cap) {
        k->rc = -ENOBUFS;
        return;
    }
    if (v && (leaf < 0x40000000 || leaf >= 0x80000000))
        view_cpuid(v, leaf, sub == NO_SUB ? 0 : sub, r);   /* the hv_limit leaves stay 0 */
    e.a = r[0], e.b = r[1], e.c = r[2], e.d = r[3];
    if (copy_to_handle_offset(k->h, k->n, &e, sizeof(e)))
        k->rc = -EFAULT;
    k->n++;
}

/* Subleaves of a leaf listed until one's type field (mask at shift) is 0, as Xen's. */
static void emit_typed(struct sink *k, const struct view *v, u32 leaf, u32 nr, u8 reg, u32 mask)
{
    u32 r[4];

    for (u32 sub = 0; sub < nr; sub++) {
        emit(k, v, leaf, sub);
        view_cpuid(v, leaf, sub, r);
        if (!(r[reg] & mask))
            break;
    }
}

/* Leaf 0xd: subleaves 0 and 1, then one for each state component up to the highest. */
static void emit_xstate(struct sink *k, const struct view *v)
{
    u32 r0[4], r1[4];
    u64 xstates;

    view_cpuid(v, 0xd, 0, r0);
    view_cpuid(v, 0xd, 1, r1);
    xstates = ((u64)r0[3] << 32 | r0[0]) | ((u64)r1[3] << 32 | r1[2]);
    emit(k, v, 0xd, 0);
    emit(k, v, 0xd, 1);
    xstates >>= 2;
    for (u32 sub = 2; xstates && sub < NR_XSTATE; xstates >>= 1, sub++)
        emit(k, v, 0xd, sub);
}

/* Xen's x86_cpuid_copy_to_buffer order: basic leaves, the two hv_limit leaves, extended. */
static long serialise_leaves(const struct view *v, guest_handle_t h, u32 *nr)
{
    struct summary s;
    struct sink k = { .h = h, .cap = *nr };

    if (guest_handle_is_null(h)) {
        *nr = MAX_LEAVES;
        return 0;
    }
    summarise(v, &s);
    for (u32 leaf = 0; leaf <= MIN(s.max_basic, NR_BASIC - 1); leaf++) {
        if (leaf == 4)
            emit_typed(&k, v, 4, NR_CACHE, EAX, 0x1f);
        else if (leaf == 7)
            for (u32 sub = 0; sub <= MIN(s.max_feat, NR_FEAT - 1); sub++)
                emit(&k, v, 7, sub);
        else if (leaf == 0xb)
            emit_typed(&k, v, 0xb, NR_TOPO, ECX, 0xff00);
        else if (leaf == 0xd)
            emit_xstate(&k, v);
        else
            emit(&k, v, leaf, NO_SUB);
    }
    emit(&k, NULL, 0x40000000, NO_SUB);
    emit(&k, NULL, 0x40000100, NO_SUB);
    for (u32 leaf = 0; leaf <= MIN(s.max_extd & 0xffff, NR_EXTD - 1); leaf++)
        emit(&k, v, 0x80000000 | leaf, NO_SUB);
    if (!k.rc)
        *nr = k.n;
    return k.rc;
}

/* MSR_INTEL_PLATFORM_INFO (no CPUID faulting) and MSR_ARCH_CAPABILITIES (none), both 0. */
static long serialise_msrs(guest_handle_t h, u32 *nr)
{
    const xen_msr_entry_t msrs[MAX_MSRS] = { { MSR_INTEL_PLATFORM_INFO, 0, 0 },
                                             { MSR_ARCH_CAPABILITIES, 0, 0 } };

    if (guest_handle_is_null(h)) {
        *nr = MAX_MSRS;
        return 0;
    }
    if (*nr < MAX_MSRS)
        return -ENOBUFS;
    if (copy_to_handle(h, msrs, sizeof(msrs)))
        return -EFAULT;
    *nr = MAX_MSRS;
    return 0;
}

long sysctl_get_cpu_policy(struct xen_sysctl_cpu_policy *p)
{
    struct view v = { VIEW_DEFAULT, NULL };
    long rc;

    if (p->_rsvd || p->index > XEN_SYSCTL_cpu_policy_hvm_default)
        return -EINVAL;
    if (p->index == XEN_SYSCTL_cpu_policy_hvm_max || p->index == XEN_SYSCTL_cpu_policy_hvm_default)
        return -EOPNOTSUPP;                          /* no toolstack-built HVM guests (docs/hvm.md) */
    if (p->index == XEN_SYSCTL_cpu_policy_raw || p->index == XEN_SYSCTL_cpu_policy_host)
        v.kind = VIEW_HOST;
    rc = serialise_leaves(&v, guest_handle_from_field(p->leaves), &p->nr_leaves);
    return rc ? rc : serialise_msrs(guest_handle_from_field(p->msrs), &p->nr_msrs);
}

/* physinfo's hw_cap: the host's first featureset words (Xen: boot_cpu_data.x86_capability). */
void arch_physinfo_hw_cap(u32 *cap, unsigned int n)
{
    struct view v = { VIEW_HOST, NULL };
    struct summary s;

    summarise(&v, &s);
    for (unsigned int i = 0; i < n; i++)
        cap[i] = i < CPU_POLICY_WORDS ? s.word[i] : 0;
}

/* Xen's featureset words of a policy; fewer asked for than we have: -ENOBUFS with them. */
long sysctl_get_cpu_featureset(struct xen_sysctl_cpu_featureset *f)
{
    guest_handle_t h = guest_handle_from_field(f->features);
    struct view v = { VIEW_DEFAULT, NULL };
    struct summary s;
    u32 nr = MIN(f->nr_features, (u32)CPU_POLICY_WORDS);

    if (guest_handle_is_null(h)) {
        f->nr_features = CPU_POLICY_WORDS;
        return 0;
    }
    if (f->index > XEN_SYSCTL_cpu_featureset_hvm_max)
        return -EINVAL;
    if (f->index == XEN_SYSCTL_cpu_featureset_hvm || f->index == XEN_SYSCTL_cpu_featureset_hvm_max)
        return -EOPNOTSUPP;
    if (f->index == XEN_SYSCTL_cpu_featureset_raw || f->index == XEN_SYSCTL_cpu_featureset_host)
        v.kind = VIEW_HOST;
    summarise(&v, &s);
    if (nr && copy_to_handle(h, s.word, nr * sizeof(u32)))
        return -EFAULT;
    f->nr_features = nr;
    return nr < CPU_POLICY_WORDS ? -ENOBUFS : 0;
}

long domctl_get_cpu_policy(const struct domain *d, struct xen_domctl_cpu_policy *p)
{
    struct view v = { VIEW_DOMAIN, d };
    long rc = serialise_leaves(&v, guest_handle_from_field(p->leaves), &p->nr_leaves);

    return rc ? rc : serialise_msrs(guest_handle_from_field(p->msrs), &p->nr_msrs);
}

/* Where Xen's x86_cpuid_copy_from_buffer would store the leaf; elsewhere -ERANGE. */
static bool leaf_storable(u32 leaf, u32 sub)
{
    if (leaf < NR_BASIC) {
        switch (leaf) {
        case 4:   return sub < NR_CACHE;
        case 7:   return sub < NR_FEAT;
        case 0xb: return sub < NR_TOPO;
        case 0xd: return sub < NR_XSTATE;
        default:  return sub == NO_SUB;
        }
    }
    if (leaf == 0x40000000 || leaf == 0x40000100 || (leaf >= 0x80000000 && leaf < 0x80000000 + NR_EXTD))
        return sub == NO_SUB;
    return false;
}

/* One toolstack leaf into the summary of the new policy. */
static void take_leaf(struct summary *s, const xen_cpuid_leaf_t *e)
{
    const u32 r[4] = { e->a, e->b, e->c, e->d };

    if (e->leaf == 0)
        s->max_basic = e->a;
    else if (e->leaf == 7 && e->subleaf == 0)
        s->max_feat = e->a;
    else if (e->leaf == 0x80000000)
        s->max_extd = e->a;
    for (unsigned int w = 0; w < CPU_POLICY_WORDS; w++)
        if (word_at(&words[w], e->leaf, e->subleaf))
            s->word[w] = r[words[w].reg];
}

static long read_leaves(struct xen_domctl_cpu_policy *p, struct summary *s)
{
    guest_handle_t h = guest_handle_from_field(p->leaves);
    xen_cpuid_leaf_t e;

    if (p->nr_leaves > MAX_LEAVES)
        return -E2BIG;
    for (u32 i = 0; i < p->nr_leaves; i++) {
        if (copy_from_handle_offset(&e, h, i, sizeof(e)))
            return -EFAULT;
        if (!leaf_storable(e.leaf, e.subleaf)) {
            p->err_leaf = e.leaf;
            p->err_subleaf = e.subleaf;
            return -ERANGE;
        }
        take_leaf(s, &e);
    }
    return 0;
}

/* The two MSRs may only say what the host has: no CPUID faulting, no capabilities. */
static long read_msrs(struct xen_domctl_cpu_policy *p)
{
    guest_handle_t h = guest_handle_from_field(p->msrs);
    xen_msr_entry_t e;

    if (p->nr_msrs > MAX_MSRS)
        return -E2BIG;
    for (u32 i = 0; i < p->nr_msrs; i++) {
        if (copy_from_handle_offset(&e, h, i, sizeof(e)))
            return -EFAULT;
        p->err_msr = e.idx;
        if (e.idx != MSR_INTEL_PLATFORM_INFO && e.idx != MSR_ARCH_CAPABILITIES)
            return -ERANGE;
        if (e.flags || e.val)
            return -EINVAL;
        p->err_msr = ~0u;
    }
    return 0;
}

/* As Xen's x86_cpu_policies_are_compatible: no max leaf above the default's. */
static long check_max_leaves(const struct summary *want, const struct summary *max,
                             struct xen_domctl_cpu_policy *p)
{
    u32 leaf = want->max_basic > max->max_basic ? 0 :
               want->max_feat > max->max_feat ? 7 :
               want->max_extd > max->max_extd ? 0x80000000 : NO_SUB;

    if (leaf == NO_SUB)
        return 0;
    p->err_leaf = leaf;
    p->err_subleaf = leaf == 7 ? 0 : NO_SUB;
    return -EINVAL;
}

/*
 * set_cpu_policy: the toolstack's leaves merged into the domain's policy,
 * checked, kept. Only before the domain first runs (-EEXIST after), never
 * on the caller itself (-EINVAL); on a refusal nothing changes and
 * err_leaf/err_subleaf/err_msr say what was refused.
 */
long domctl_set_cpu_policy(struct domain *d, struct xen_domctl_cpu_policy *p)
{
    struct view mine = { VIEW_DOMAIN, d }, dflt = { VIEW_DEFAULT, NULL };
    struct summary want, max;
    long rc;

    p->err_leaf = p->err_subleaf = p->err_msr = ~0u;
    if (d == current->domain)
        return -EINVAL;
    if (!d->controlled || d->creation_finished)
        return -EEXIST;
    summarise(&mine, &want);
    summarise(&dflt, &max);
    if ((rc = read_leaves(p, &want)) || (rc = read_msrs(p)) || (rc = check_max_leaves(&want, &max, p)))
        return rc;
    d->cpu_policy.max_basic = want.max_basic;
    d->cpu_policy.max_feat = want.max_feat;
    d->cpu_policy.max_extd = want.max_extd;
    for (unsigned int w = 0; w < CPU_POLICY_WORDS; w++)
        d->cpu_policy.hide[w] = max.word[w] & ~want.word[w];
    d->cpu_policy.limited = true;
    return 0;
}
