/*
 * The toolstack's control ABI (common/domctl.c, sysctl.c, domain_control.c,
 * arch/x86/pv/vcpu_context_check.c): getdomaininfo's "next domain at or
 * above the id" rule, createdomain's ids and checks, the controller's pause
 * count, the checks on a vCPU context, destroydomain to the last frame, the
 * one cpupool, the one NUMA node (numa.c), the TSC modes.
 */
#define __XEN_TOOLS__ 1
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/page_type.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "harness.h"

static struct xen_domctl dc;

static long domctl(u32 cmd, domid_t dom)
{
    return harness_domctl(&dc, cmd, dom);
}

static long create(domid_t want, u32 max_vcpus)
{
    memset(&dc, 0, sizeof(dc));
    dc.u.createdomain.max_vcpus = max_vcpus;
    return domctl(XEN_DOMCTL_createdomain, want);
}

/* A toolstack-made domain: created, its vCPUs made. */
static struct domain *made(domid_t want)
{
    CU_ASSERT_EQUAL_FATAL(create(want, 1), 0);
    dc.u.max_vcpus.max = 1;
    CU_ASSERT_EQUAL_FATAL(domctl(XEN_DOMCTL_max_vcpus, want), 0);
    return hv_domains[want];
}

static void test_getdomaininfo_next(void)
{
    struct domain *d0 = harness_domain(0, 1, true);
    struct xen_sysctl sc = { .cmd = XEN_SYSCTL_getdomaininfolist,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    struct xen_domctl_getdomaininfo list[4];

    harness_domain(3, 1, false);
    harness_domain(7, 1, false);
    harness_set_current(d0);
    sched_add(d0->vcpus[0]);                                /* online */
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 3), 0);
    EXPECT_EQ(dc.domain, 3);
    EXPECT_EQ(dc.u.getdomaininfo.domain, 3);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 4), 0);     /* none: the next one up */
    EXPECT_EQ(dc.domain, 7);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 1), 0);
    EXPECT_EQ(dc.domain, 3);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 8), -ESRCH);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, DOMID_FIRST_RESERVED), -EINVAL);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, DOMID_SELF), -EINVAL);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 0), 0);     /* the caller: running */
    CU_ASSERT(dc.u.getdomaininfo.flags & XEN_DOMINF_running);
    EXPECT_EQ(dc.u.getdomaininfo.flags >> XEN_DOMINF_shutdownshift, 255);  /* no reason yet */
    sc.u.getdomaininfolist.first_domain = 1;
    sc.u.getdomaininfolist.max_domains = 4;
    set_xen_guest_handle(sc.u.getdomaininfolist.buffer, list);
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, (unsigned long[5]){ (unsigned long)&sc }), 0);
    EXPECT_EQ(sc.u.getdomaininfolist.num_domains, 2);
    EXPECT_EQ(list[0].domain, 3);
    EXPECT_EQ(list[1].domain, 7);
    sc.u.getdomaininfolist.max_domains = 1;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, (unsigned long[5]){ (unsigned long)&sc }), 0);
    EXPECT_EQ(sc.u.getdomaininfolist.num_domains, 1);
}

static void test_createdomain(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;

    harness_domain(1, 1, false);
    harness_set_current(d0);
    EXPECT_EQ(create(1, 1), -EEXIST);                       /* a given id must be free */
    EXPECT_EQ(create(0, 0), -EINVAL);                       /* no vCPU */
    EXPECT_EQ(create(0, HV_MAX_VCPUS + 1), -EINVAL);
    dc.u.createdomain.max_vcpus = 1;
    dc.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    EXPECT_EQ(domctl(XEN_DOMCTL_createdomain, 0), -EINVAL); /* no SVM (test_hvm_save.c) */
    dc.u.createdomain.flags = 1u << 30;
    EXPECT_EQ(domctl(XEN_DOMCTL_createdomain, 0), -EINVAL); /* unknown flag */
    EXPECT_EQ(create(0, 2), 0);                             /* 0: pick one */
    CU_ASSERT(dc.domain > 1 && dc.domain < HV_MAX_DOMAINS);
    d = hv_domains[dc.domain];
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(d->controlled);
    EXPECT_EQ(d->pause_count, 1);                           /* created paused */
    dc.u.max_vcpus.max = 1;
    EXPECT_EQ(domctl(XEN_DOMCTL_max_vcpus, d->id), -EINVAL);  /* not createdomain's */
    dc.u.max_vcpus.max = 2;
    EXPECT_EQ(domctl(XEN_DOMCTL_max_vcpus, d->id), 0);
    CU_ASSERT_PTR_NOT_NULL(d->vcpus[1]);
    dc.u.max_mem.max_memkb = 8192;
    EXPECT_EQ(domctl(XEN_DOMCTL_max_mem, d->id), 0);
    EXPECT_EQ(d->max_pages, 2048);
    dc.u.address_size.size = 32;
    EXPECT_EQ(domctl(XEN_DOMCTL_set_address_size, d->id), -EINVAL);
    dc.u.address_size.size = 64;
    EXPECT_EQ(domctl(XEN_DOMCTL_set_address_size, d->id), 0);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, d->id), 0);
    EXPECT_EQ(dc.u.getdomaininfo.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
    EXPECT_EQ(dc.u.getdomaininfo.nr_online_vcpus, 0);      /* down until a context */
    EXPECT_EQ(dc.u.getdomaininfo.max_vcpu_id, 1);
    EXPECT_EQ(dc.u.getdomaininfo.max_pages, 2048);
    /* A shut-down domain of the toolstack's stays, with its reason, until destroyed. */
    domain_shutdown(d, SHUTDOWN_reboot);
    harness_reap();
    CU_ASSERT_PTR_EQUAL(hv_domains[d->id], d);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, d->id), 0);
    CU_ASSERT(dc.u.getdomaininfo.flags & XEN_DOMINF_shutdown);
    EXPECT_EQ(dc.u.getdomaininfo.flags >> XEN_DOMINF_shutdownshift, SHUTDOWN_reboot);
}

static void test_pause_counts(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;

    harness_set_current(d0);
    d = made(4);
    EXPECT_EQ(domctl(XEN_DOMCTL_pausedomain, 0), -EINVAL);  /* not itself */
    sched_add(d->vcpus[0]);                                 /* runnable, but paused */
    CU_ASSERT(!d->vcpus[0]->on_runq);
    EXPECT_EQ(domctl(XEN_DOMCTL_pausedomain, 4), 0);
    EXPECT_EQ(d->pause_count, 2);
    EXPECT_EQ(domctl(XEN_DOMCTL_unpausedomain, 4), 0);
    CU_ASSERT(!d->vcpus[0]->on_runq);                       /* still once paused */
    EXPECT_EQ(domctl(XEN_DOMCTL_unpausedomain, 4), 0);
    CU_ASSERT(d->vcpus[0]->on_runq);                        /* queued at 0 */
    EXPECT_EQ(domctl(XEN_DOMCTL_unpausedomain, 4), -EINVAL);  /* not paused */
    for (unsigned int i = 0; i < DOMAIN_PAUSE_MAX; i++)
        EXPECT_EQ(domctl(XEN_DOMCTL_pausedomain, 4), 0);
    CU_ASSERT(!d->vcpus[0]->on_runq);
    EXPECT_EQ(domctl(XEN_DOMCTL_pausedomain, 4), -EOVERFLOW);
    EXPECT_EQ(d->pause_count, DOMAIN_PAUSE_MAX);
}

/* A zeroed L4 of d with the hypervisor's slots, pinned by d. */
static mfn_t pinned_l4(struct domain *d)
{
    mfn_t l4 = frame_alloc(&hv_frames, 1, 1, d->id);

    CU_ASSERT_FATAL(l4 != INVALID_MFN);
    memset(hv_mfn_to_virt(l4), 0, PAGE_SIZE);
    mm_install_hv_slots(hv_mfn_to_virt(l4));
    CU_ASSERT_EQUAL_FATAL(page_pin(l4, PGT_l4, d), 0);
    return l4;
}

static struct vcpu_guest_context ctxt;

static long setctxt(domid_t dom)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, &ctxt);
    return domctl(XEN_DOMCTL_setvcpucontext, dom);
}

static void good_context(mfn_t l4)
{
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.flags = VGCF_in_kernel | VGCF_online;
    ctxt.user_regs.cs = FLAT_KERNEL_CS;
    ctxt.user_regs.ss = FLAT_KERNEL_SS;
    ctxt.user_regs.rip = 0xffffffff80001000UL;
    ctxt.kernel_ss = FLAT_KERNEL_SS;
    ctxt.ctrlreg[3] = l4 << PAGE_SHIFT;
}

static void test_context_checks(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d, *other;
    mfn_t l4, foreign, unpinned;

    harness_set_current(d0);
    d = made(5);
    other = made(6);
    l4 = pinned_l4(d);
    foreign = pinned_l4(other);
    unpinned = frame_alloc(&hv_frames, 1, 1, d->id);
    good_context(l4);
    ctxt.flags = VGCF_online;
    EXPECT_EQ(setctxt(5), -EINVAL);                         /* user mode start */
    good_context(l4);
    ctxt.user_regs.rip = 0x0000800000000000UL;
    EXPECT_EQ(setctxt(5), -EINVAL);                         /* non-canonical */
    good_context(l4);
    ctxt.trap_ctxt[14].address = 0xffff7fffffffffffUL;
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(l4);
    ctxt.user_regs.cs = 0xe008;                             /* the hypervisor's */
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(l4);
    ctxt.user_regs.ds = 0xe010;                             /* RPL 0 */
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(l4);
    ctxt.gdt_ents = 16;
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(l4);
    ctxt.debugreg[7] = 0x401;                               /* a breakpoint enabled */
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(l4);
    ctxt.debugreg[0] = 0x1000;
    EXPECT_EQ(setctxt(5), -EINVAL);
    good_context(foreign);
    EXPECT_EQ(setctxt(5), -EINVAL);                         /* another domain's L4 */
    good_context(unpinned);
    EXPECT_EQ(setctxt(5), -EINVAL);                         /* not a pinned L4 */
    good_context(hv_frames.nr_frames + 5);
    EXPECT_EQ(setctxt(5), -EINVAL);                         /* no such frame */
    good_context(l4);
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, NULL);
    EXPECT_EQ(domctl(XEN_DOMCTL_getvcpucontext, 5), -ENODATA);   /* never set */
    EXPECT_EQ(setctxt(0), -EINVAL);                         /* the caller itself */
    ctxt.debugreg[6] = 0xffff0ff0UL;                        /* the reset values, as libxc gives */
    ctxt.debugreg[7] = 0x400UL;
    EXPECT_EQ(setctxt(5), 0);
    EXPECT_EQ(d->vcpus[0]->arch.cr3_kernel, l4);
    EXPECT_EQ(d->vcpus[0]->state, VCPU_RUNNABLE);            /* online, still paused */
    CU_ASSERT(!d->vcpus[0]->on_runq);
    EXPECT_EQ(setctxt(5), -EEXIST);                         /* once */
    memset(&ctxt, 0, sizeof(ctxt));
    EXPECT_EQ(domctl(XEN_DOMCTL_getvcpucontext, 5), 0);
    EXPECT_EQ(ctxt.ctrlreg[3], l4 << PAGE_SHIFT);
    CU_ASSERT(ctxt.flags & VGCF_online);
}

static void test_destroy(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;
    mfn_t before = hv_frames.nr_free;

    harness_set_current(d0);
    d = made(9);
    pinned_l4(d);
    dc.u.max_mem.max_memkb = 1024;
    EXPECT_EQ(domctl(XEN_DOMCTL_max_mem, 9), 0);
    CU_ASSERT(frame_alloc(&hv_frames, 200, 1, d->id) != INVALID_MFN);
    d->tot_pages = 200;
    EXPECT_EQ(domctl(XEN_DOMCTL_destroydomain, 0), -EINVAL);    /* not itself */
    EXPECT_EQ(domctl(XEN_DOMCTL_destroydomain, 9), 0);
    CU_ASSERT_PTR_NULL(hv_domains[9]);
    EXPECT_EQ(hv_frames.nr_free, before);                   /* every frame back */
    EXPECT_EQ(domctl(XEN_DOMCTL_destroydomain, 9), -ESRCH);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 9), -ESRCH);
}

/* setdomainhandle, getvcpuinfo, settimeoffset: what xl-like tools read back. */
static void test_vcpu_and_handle(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;
    static const u8 uuid[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    u64 wc;

    harness_set_current(d0);
    sched_add(d0->vcpus[0]);                                /* online */
    d = made(6);
    memcpy(dc.u.setdomainhandle.handle, uuid, sizeof(uuid));
    EXPECT_EQ(domctl(XEN_DOMCTL_setdomainhandle, 6), 0);
    EXPECT_EQ(domctl(XEN_DOMCTL_getdomaininfo, 6), 0);
    CU_ASSERT(!memcmp(dc.u.getdomaininfo.handle, uuid, sizeof(uuid)));
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.getvcpuinfo.vcpu = 0;
    EXPECT_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 6), 0);
    EXPECT_EQ(dc.u.getvcpuinfo.online, 0);                 /* no context yet */
    EXPECT_EQ(dc.u.getvcpuinfo.running, 0);
    dc.u.getvcpuinfo.vcpu = 1;
    EXPECT_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 6), -EINVAL); /* past max_vcpus */
    dc.u.getvcpuinfo.vcpu = 0;
    EXPECT_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 0), 0);       /* the caller's own: running */
    EXPECT_EQ(dc.u.getvcpuinfo.online, 1);
    EXPECT_EQ(dc.u.getvcpuinfo.running, 1);
    wc = d->shared_info->wc_sec | (u64)d->shared_info->wc_sec_hi << 32;
    dc.u.settimeoffset.time_offset_seconds = -3600;
    EXPECT_EQ(domctl(XEN_DOMCTL_settimeoffset, 6), 0);
    EXPECT_EQ(d->shared_info->wc_sec | (u64)d->shared_info->wc_sec_hi << 32, wc - 3600);
    EXPECT_EQ(domctl(XEN_DOMCTL_set_ext_vcpucontext, 6), -ENOSYS);   /* not offered */
}

/* getpageframeinfo3: table types and pins of the domain's frames, XTAB for others'. */
static void test_pageframeinfo(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;
    mfn_t l4, plain, theirs;
    xen_pfn_t arr[4];

    harness_set_current(d0);
    d = made(4);
    l4 = pinned_l4(d);
    plain = frame_alloc(&hv_frames, 1, 1, d->id);
    theirs = frame_alloc(&hv_frames, 1, 1, d0->id);
    arr[0] = l4;
    arr[1] = plain;
    arr[2] = theirs;
    arr[3] = hv_frames.nr_frames + 5;
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.getpageframeinfo3.num = 4;
    set_xen_guest_handle(dc.u.getpageframeinfo3.array, arr);
    EXPECT_EQ(domctl(XEN_DOMCTL_getpageframeinfo3, 4), 0);
    EXPECT_EQ(arr[0], l4 | XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB);
    EXPECT_EQ(arr[1], plain | XEN_DOMCTL_PFINFO_NOTAB);
    EXPECT_EQ(arr[2], theirs | XEN_DOMCTL_PFINFO_XTAB);
    EXPECT_EQ(arr[3], (hv_frames.nr_frames + 5) | XEN_DOMCTL_PFINFO_XTAB);
    dc.u.getpageframeinfo3.num = 1025;
    EXPECT_EQ(domctl(XEN_DOMCTL_getpageframeinfo3, 4), -E2BIG);
    dc.u.getpageframeinfo3.num = 1;
    harness_fault_range(arr, sizeof(arr), FAULT_WRITE);
    EXPECT_EQ(domctl(XEN_DOMCTL_getpageframeinfo3, 4), -EFAULT);
}

/* hypercall_init: the domain's own frame gets the stubs and keeps no reference or type;
 * one of its page tables -EPERM; another domain's frame, or none, -EINVAL. */
static void test_hypercall_init(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d;
    mfn_t l4, plain, theirs;
    const u8 *p;
    u32 count;

    harness_set_current(d0);
    d = made(4);
    l4 = pinned_l4(d);
    plain = frame_alloc(&hv_frames, 1, 1, d->id);
    theirs = frame_alloc(&hv_frames, 1, 1, d0->id);
    count = hv_frames.info[plain].count;
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.hypercall_init.gmfn = plain;
    EXPECT_EQ(domctl(XEN_DOMCTL_hypercall_init, 4), 0);
    p = hv_mfn_to_virt(plain);
    EXPECT_EQ(p[32 * 2 + 3], 0xb8);                                   /* mov $2, %eax */
    EXPECT_EQ(p[32 * 2 + 4], 2);
    EXPECT_EQ(p[32 * 2 + 8], 0x0f);                                   /* syscall */
    EXPECT_EQ(p[32 * __HYPERVISOR_iret + 3], 0x50);                   /* push %rax */
    EXPECT_EQ(p[31], 0xcc);
    EXPECT_EQ(hv_frames.info[plain].count, count);
    EXPECT_EQ(hv_frames.info[plain].type_count, 0);
    dc.u.hypercall_init.gmfn = l4;
    EXPECT_EQ(domctl(XEN_DOMCTL_hypercall_init, 4), -EPERM);
    dc.u.hypercall_init.gmfn = theirs;
    EXPECT_EQ(domctl(XEN_DOMCTL_hypercall_init, 4), -EINVAL);
    dc.u.hypercall_init.gmfn = hv_frames.nr_frames + 5;
    EXPECT_EQ(domctl(XEN_DOMCTL_hypercall_init, 4), -EINVAL);
}

/* The console history: wrap-around, incremental reads, clear. */
static void test_console_history(void)
{
    char buf[8] = { 0 }, out[16];
    struct console_history r = { .buf = buf, .size = sizeof(buf) };
    u32 at = 0;

    console_history_put(&r, "abc", 3);
    EXPECT_EQ(console_history_take(&r, &at, out, sizeof(out)), 3);
    CU_ASSERT(!memcmp(out, "abc", 3));
    EXPECT_EQ(at, 3);
    EXPECT_EQ(console_history_take(&r, &at, out, sizeof(out)), 0);   /* nothing new */
    console_history_put(&r, "defghijkl", 9);                          /* 12 written, 8 kept */
    EXPECT_EQ(console_history_take(&r, &at, out, sizeof(out)), 8);   /* "d".."f" were lost */
    CU_ASSERT(!memcmp(out, "efghijkl", 8));
    at = 100;                                                          /* from the future: oldest */
    EXPECT_EQ(console_history_take(&r, &at, out, 2), 2);
    CU_ASSERT(!memcmp(out, "ef", 2));
    EXPECT_EQ(r.cons, 4);                                             /* moved by the overwrite */
}

/* sysctl readconsole over the real ring: the "(HV)" lines, incremental, clear. */
static void test_readconsole(void)
{
    struct domain *d0 = harness_domain(0, 1, true);
    struct xen_sysctl sc = { .cmd = XEN_SYSCTL_readconsole,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    static char out[32768];
    unsigned long args[5] = { (unsigned long)&sc };
    u32 next;

    harness_set_current(d0);
    hv_info("readconsole marker one\n");
    set_xen_guest_handle(sc.u.readconsole.buffer, out);
    sc.u.readconsole.count = sizeof(out);
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, args), 0);
    CU_ASSERT(sc.u.readconsole.count > 0);
    out[sc.u.readconsole.count] = 0;
    CU_ASSERT(strstr(out, "(HV) readconsole marker one\n") != NULL);
    next = sc.u.readconsole.index;
    hv_info("readconsole marker two\n");
    sc.u.readconsole.incremental = 1;
    sc.u.readconsole.index = next;
    sc.u.readconsole.count = sizeof(out);
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, args), 0);
    EXPECT_EQ(sc.u.readconsole.count, strlen("(HV) readconsole marker two\n"));
    CU_ASSERT(!memcmp(out, "(HV) readconsole marker two\n", sc.u.readconsole.count));
    sc.u.readconsole.incremental = 0;
    sc.u.readconsole.clear = 1;
    sc.u.readconsole.count = 4;                                        /* a short buffer */
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, args), 0);
    EXPECT_EQ(sc.u.readconsole.count, 4);
    sc.u.readconsole.clear = 0;
    sc.u.readconsole.count = sizeof(out);
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, args), 0);        /* after the cleared part */
    CU_ASSERT(sc.u.readconsole.count > 0 && sc.u.readconsole.index == next +
              strlen("(HV) readconsole marker two\n"));
    harness_fault_range(out, 16, FAULT_WRITE);
    sc.u.readconsole.count = 16;
    EXPECT_EQ(harness_hypercall(__HYPERVISOR_sysctl, args), -EFAULT);
}

static struct xen_sysctl pool_sc;

static long cpupool(u32 op, u32 pool)
{
    pool_sc.u.cpupool_op.op = op;
    pool_sc.u.cpupool_op.cpupool_id = pool;
    return harness_sysctl(&pool_sc, XEN_SYSCTL_cpupool_op);
}

/* cpupool_op INFO and FREEINFO: one pool 0 (credit) with every online CPU and every domain. */
static void test_cpupool_info(void)
{
    struct domain *d0 = harness_domain(0, 1, true);
    u8 map[16];

    harness_domain(5, 1, false);
    harness_set_current(d0);
    harness_cpus_online = cpumask_first_n(3);
    memset(map, 0xff, sizeof(map));
    set_xen_guest_handle(pool_sc.u.cpupool_op.cpumap.bitmap, map);
    pool_sc.u.cpupool_op.cpumap.nr_bits = 128;           /* wider than ours: the rest zeroed */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_INFO, 0), 0);
    EXPECT_EQ(pool_sc.u.cpupool_op.cpupool_id, 0);
    EXPECT_EQ(pool_sc.u.cpupool_op.sched_id, XEN_SCHEDULER_CREDIT);
    EXPECT_EQ(pool_sc.u.cpupool_op.n_dom, 2);
    EXPECT_EQ(map[0], 0x07);
    for (unsigned int i = 1; i < sizeof(map); i++)
        EXPECT_EQ(map[i], 0);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_INFO, 1), -ENOENT);   /* none at or above 1 */
    pool_sc.u.cpupool_op.cpumap.nr_bits = 2;                      /* a short map: 2 bits */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_INFO, 0), 0);
    EXPECT_EQ(map[0], 0x03);
    map[0] = 0xff;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_FREEINFO, 0), 0);      /* no CPU is free */
    EXPECT_EQ(map[0], 0);
    set_xen_guest_handle(pool_sc.u.cpupool_op.cpumap.bitmap, (void *)0xffff830000000000ULL);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_INFO, 0), -EFAULT);   /* a map in the hypervisor */
    EXPECT_EQ(cpupool(0, 0), -ENOSYS);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_FREEINFO + 1, 0), -ENOSYS);
}

/* What one pool cannot do is refused with the errno Xen gives in that situation. */
static void test_cpupool_refusals(void)
{
    struct domain *d0 = harness_domain(0, 1, true);

    harness_domain(5, 1, false);
    harness_set_current(d0);
    harness_cpus_online = cpumask_first_n(2);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_CREATE, XEN_SYSCTL_CPUPOOL_PAR_ANY), -ENOSPC);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_DESTROY, 0), -EBUSY);  /* in use */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_DESTROY, 1), -ENOENT);
    pool_sc.u.cpupool_op.cpu = XEN_SYSCTL_CPUPOOL_PAR_ANY;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, 0), -ENODEV);  /* no free CPU */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, 1), -ENOENT);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_RMCPU, 0), -EBUSY);    /* the last one, CPU 1 */
    pool_sc.u.cpupool_op.cpu = 1;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, 0), -ENODEV);  /* in the pool already */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_RMCPU, 1), -ENOENT);
    pool_sc.u.cpupool_op.cpu = 0;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_RMCPU, 0), -EINVAL);   /* CPU 0 stays in pool 0 */
    pool_sc.u.cpupool_op.cpu = 2;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, 0), -ENODEV);  /* offline: not free */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_RMCPU, 0), -EINVAL);   /* offline */
    pool_sc.u.cpupool_op.cpu = HV_NR_CPUS;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, 0), -EINVAL);
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_RMCPU, 0), -EINVAL);
    pool_sc.u.cpupool_op.domid = 5;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, 0), 0);    /* where it is */
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, 1), -ENOENT);
    pool_sc.u.cpupool_op.domid = 0;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, 0), -EPERM);   /* not the caller */
    pool_sc.u.cpupool_op.domid = 6;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, 0), -ESRCH);
    pool_sc.u.cpupool_op.domid = DOMID_SELF;
    EXPECT_EQ(cpupool(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, 0), -ESRCH);
}

static struct xen_sysctl topo_sc;

static long sysctl(u32 cmd)                          /* the rest: the test's (memset first) */
{
    return harness_sysctl(&topo_sc, cmd);
}

/* numainfo: null handles ask for the count (1); then node 0 has all memory, distance 10. */
static void test_numainfo(void)
{
    struct xen_sysctl_meminfo mi[2] = { { 7, 7 }, { 7, 7 } };
    u32 dist[4] = { 7, 7, 7, 7 };

    memset(&topo_sc, 0, sizeof(topo_sc));
    harness_set_current(harness_domain(0, 1, true));
    topo_sc.u.numainfo.num_nodes = 5;
    EXPECT_EQ(sysctl(XEN_SYSCTL_numainfo), 0);
    EXPECT_EQ(topo_sc.u.numainfo.num_nodes, 1);
    topo_sc.u.numainfo.num_nodes = 2;                              /* room for two: one filled */
    set_xen_guest_handle(topo_sc.u.numainfo.meminfo, mi);
    set_xen_guest_handle(topo_sc.u.numainfo.distance, dist);
    EXPECT_EQ(sysctl(XEN_SYSCTL_numainfo), 0);
    EXPECT_EQ(topo_sc.u.numainfo.num_nodes, 1);
    EXPECT_EQ(mi[0].memsize, (u64)hv_frames.nr_frames << PAGE_SHIFT);
    EXPECT_EQ(mi[0].memfree, (u64)hv_frames.nr_free << PAGE_SHIFT);
    EXPECT_EQ(mi[1].memsize, 7);
    EXPECT_EQ(dist[0], 10);
    EXPECT_EQ(dist[1], 7);
    topo_sc.u.numainfo.num_nodes = 0;                              /* no room: nothing written */
    mi[0].memsize = 7;
    EXPECT_EQ(sysctl(XEN_SYSCTL_numainfo), 0);
    EXPECT_EQ(topo_sc.u.numainfo.num_nodes, 0);
    EXPECT_EQ(mi[0].memsize, 7);
    topo_sc.u.numainfo.num_nodes = 1;
    harness_fault_range(dist, sizeof(dist), FAULT_WRITE);
    EXPECT_EQ(sysctl(XEN_SYSCTL_numainfo), -EFAULT);
}

/* cputopoinfo: the count is the last online CPU + 1; an offline CPU below it is invalid. */
static void test_cputopoinfo(void)
{
    struct xen_sysctl_cputopo t[4];

    memset(&topo_sc, 0, sizeof(topo_sc));
    harness_set_current(harness_domain(0, 1, true));
    harness_cpus_online = (cpumask_t){ 0x5 };                      /* CPUs 0 and 2 */
    EXPECT_EQ(sysctl(XEN_SYSCTL_cputopoinfo), 0);
    EXPECT_EQ(topo_sc.u.cputopoinfo.num_cpus, 3);
    memset(t, 0x77, sizeof(t));
    topo_sc.u.cputopoinfo.num_cpus = 4;
    set_xen_guest_handle(topo_sc.u.cputopoinfo.cputopo, t);
    EXPECT_EQ(sysctl(XEN_SYSCTL_cputopoinfo), 0);
    EXPECT_EQ(topo_sc.u.cputopoinfo.num_cpus, 3);
    EXPECT_EQ(t[0].core, 0);
    EXPECT_EQ(t[0].node, 0);
    EXPECT_EQ(t[1].core, XEN_INVALID_CORE_ID);
    EXPECT_EQ(t[1].node, XEN_INVALID_NODE_ID);
    EXPECT_EQ(t[2].core, 2);
    EXPECT_EQ(t[2].socket, 0);
    EXPECT_EQ(t[3].core, 0x77777777);                              /* past the count: untouched */
    topo_sc.u.cputopoinfo.num_cpus = 2;                            /* a short array */
    EXPECT_EQ(sysctl(XEN_SYSCTL_cputopoinfo), 0);
    EXPECT_EQ(topo_sc.u.cputopoinfo.num_cpus, 2);
    harness_fault_range(t, sizeof(t), FAULT_WRITE);
    EXPECT_EQ(sysctl(XEN_SYSCTL_cputopoinfo), -EFAULT);
}

/* Node affinity: a map with node 0 is taken, one without is refused; get gives node 0. */
static void test_nodeaffinity(void)
{
    u8 map[2] = { 0xff, 0xff };

    memset(&dc.u, 0, sizeof(dc.u));
    harness_set_current(harness_domain(0, 1, true));
    harness_domain(5, 1, false);
    set_xen_guest_handle(dc.u.nodeaffinity.nodemap.bitmap, map);
    dc.u.nodeaffinity.nodemap.nr_bits = 16;
    EXPECT_EQ(domctl(XEN_DOMCTL_getnodeaffinity, 5), 0);
    EXPECT_EQ(map[0], 1);
    EXPECT_EQ(map[1], 0);
    EXPECT_EQ(domctl(XEN_DOMCTL_setnodeaffinity, 5), 0);           /* {0} */
    map[0] = 0xfe;
    EXPECT_EQ(domctl(XEN_DOMCTL_setnodeaffinity, 5), -EINVAL);     /* no node 0 */
    map[0] = 0xff;
    EXPECT_EQ(domctl(XEN_DOMCTL_setnodeaffinity, 9), -ESRCH);
    harness_fault_range(map, sizeof(map), FAULT_READ);
    EXPECT_EQ(domctl(XEN_DOMCTL_setnodeaffinity, 5), -EFAULT);
}

/* tscinfo: native TSC modes are kept, emulation is refused, the caller itself is refused. */
static void test_tscinfo(void)
{
    struct domain *d0 = harness_domain(0, 1, true), *d5 = harness_domain(5, 1, false);
    u32 khz = (u32)(time_tsc_hz() / 1000);

    harness_set_current(d0);
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.tsc_info.incarnation = 4;
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), 0);                /* DEFAULT, gtsc_khz 0 */
    EXPECT_EQ(d5->tsc_incarnation, 5);
    memset(&dc.u, 0xff, sizeof(dc.u));
    EXPECT_EQ(domctl(XEN_DOMCTL_gettscinfo, 5), 0);
    EXPECT_EQ(dc.u.tsc_info.tsc_mode, 0);
    EXPECT_EQ(dc.u.tsc_info.gtsc_khz, khz);
    EXPECT_EQ(dc.u.tsc_info.incarnation, 5);
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.tsc_info.tsc_mode = 2;                                    /* NEVER_EMULATE */
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), 0);
    EXPECT_EQ(domctl(XEN_DOMCTL_gettscinfo, 5), 0);
    EXPECT_EQ(dc.u.tsc_info.gtsc_khz, 0);
    EXPECT_EQ(dc.u.tsc_info.elapsed_nsec, 0);
    dc.u.tsc_info.tsc_mode = 1;                                    /* ALWAYS_EMULATE */
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), -EOPNOTSUPP);
    dc.u.tsc_info.tsc_mode = 0;
    dc.u.tsc_info.gtsc_khz = khz / 2;                              /* another rate */
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), -EOPNOTSUPP);
    dc.u.tsc_info.gtsc_khz = khz;
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), 0);
    dc.u.tsc_info.tsc_mode = 3;
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 5), -EINVAL);
    EXPECT_EQ(d5->tsc_mode, 0);                                    /* the refusals changed nothing */
    EXPECT_EQ(domctl(XEN_DOMCTL_settscinfo, 0), -EINVAL);          /* the caller itself */
    EXPECT_EQ(domctl(XEN_DOMCTL_gettscinfo, 0), -EINVAL);
}

static const struct unit_test tests[] = {
    { "getdomaininfo_next", test_getdomaininfo_next },
    { "createdomain", test_createdomain },
    { "pause_counts", test_pause_counts },
    { "context_checks", test_context_checks },
    { "destroy", test_destroy },
    { "vcpu_and_handle", test_vcpu_and_handle },
    { "pageframeinfo", test_pageframeinfo },
    { "hypercall_init", test_hypercall_init },
    { "console_history", test_console_history },
    { "readconsole", test_readconsole },
    { "cpupool_info", test_cpupool_info },
    { "cpupool_refusals", test_cpupool_refusals },
    { "numainfo", test_numainfo },
    { "cputopoinfo", test_cputopoinfo },
    { "nodeaffinity", test_nodeaffinity },
    { "tscinfo", test_tscinfo },
};

void suite_domctl(void)
{
    ADD_SUITE("domctl", tests);
}
