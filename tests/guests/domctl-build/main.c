/*
 * domctl-build: dom0 as a tiny domain builder, the toolstack's create /
 * run / destroy sequence hypercall by hypercall (docs/toolstack.md):
 *   physinfo (the free-memory baseline); createdomain (paused); max_mem;
 *   max_vcpus; populate_physmap into it; its frames mapped into our own
 *   address space with a foreign mmu_update; a few instructions copied in
 *   (console_io "hello from a built domain", then SCHEDOP_shutdown
 *   poweroff) and its page tables written; our mappings dropped; its L4
 *   pinned with a foreign mmuext_op; setvcpucontext; unpause; then
 *   VIRQ_DOM_EXC tells us it shut down; getdomaininfo shows the reason;
 *   destroydomain; physinfo's free pages are the baseline again.
 * Refusals on the way: a duplicate id, pausing or destroying ourselves,
 * populate past max_mem, contexts that do not check (no pinned L4 of its
 * own, a non-canonical rip), a 32-bit address size.
 * Ours only (tests.conf option dom0: the guest is domain 0); the built
 * domain's line is checked by the runner (grep=).
 */
#include "ctl.h"                                     /* first: __XEN_TOOLS__ */
#include "mm.h"

const char test_name[] = "domctl-build";

/*
 * The built domain's code, position independent: it runs at CODE_VA with
 * the stack page above it and makes its hypercalls with `syscall`.
 */
extern const uint8_t built_code[], built_code_end[];
asm(".pushsection .rodata\n"
    ".globl built_code, built_code_end\n"
    "built_code:\n"
    "  mov $0, %edi\n"                               /* CONSOLEIO_write */
    "  mov $(2f - 1f), %esi\n"
    "  lea 1f(%rip), %rdx\n"
    "  mov $18, %eax\n"                              /* __HYPERVISOR_console_io */
    "  syscall\n"
    "  mov $2, %edi\n"                               /* SCHEDOP_shutdown */
    "  lea 3f(%rip), %rsi\n"
    "  mov $29, %eax\n"                              /* __HYPERVISOR_sched_op */
    "  syscall\n"
    "  ud2\n"                                        /* not reached: no trap table, it crashes */
    "1: .ascii \"hello from a built domain\\n\"\n"
    "2:\n"
    "  .balign 4\n"
    "3: .long 0\n"                                   /* struct sched_shutdown { SHUTDOWN_poweroff } */
    "built_code_end:\n"
    ".popsection\n");

/* Its frames, by pfn: four tables, the code, the stack. */
enum { PFN_L4, PFN_L3, PFN_L2, PFN_L1, PFN_CODE, PFN_STACK, NR_PFNS };
#define CODE_VA  0x400000UL                          /* L4/L3 slot 0, L2 slot 2, L1 slot 0 */
#define STACK_TOP (CODE_VA + 2 * PAGE_SIZE)
#define MEM_KB   (NR_PFNS * 4)

static xen_pfn_t mfn[NR_PFNS + 1];
static uint8_t window[NR_PFNS][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t saved_pte[NR_PFNS];
static struct vcpu_guest_context ctxt;
static volatile unsigned long dom_exc;

static void on_dom_exc(evtchn_port_t port, void *arg)
{
    dom_exc++;
}

/* The window's pages map the built domain's frames, writable (foreign mmu_update). */
static bool map_frames(domid_t dom)
{
    for (unsigned int i = 0; i < NR_PFNS; i++) {
        uint64_t *l1e = l1e_of(window[i]);

        saved_pte[i] = *l1e;
        if (mmu_req(virt_to_maddr(l1e) | MMU_NORMAL_PT_UPDATE, (mfn[i] << 12) | PTE_RW_ACC, dom))
            return false;
    }
    return mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0;
}

/* Our own pages back: the frames must not stay writable to us before they become tables. */
static bool unmap_frames(void)
{
    bool ok = true;

    for (unsigned int i = 0; i < NR_PFNS; i++)
        ok &= mmu_set(l1e_of(window[i]), saved_pte[i]) == 0;
    return ok && mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0;
}

static void write_domain(void)
{
    uint64_t *l4 = (uint64_t *)window[PFN_L4], *l3 = (uint64_t *)window[PFN_L3];
    uint64_t *l2 = (uint64_t *)window[PFN_L2], *l1 = (uint64_t *)window[PFN_L1];
    const uint64_t tbl = PTE_P | PTE_RW | PTE_US | PTE_A;

    l4[l4_idx(CODE_VA)] = (mfn[PFN_L3] << 12) | tbl;
    l3[l3_idx(CODE_VA)] = (mfn[PFN_L2] << 12) | tbl;
    l2[l2_idx(CODE_VA)] = (mfn[PFN_L1] << 12) | tbl;
    l1[l1_idx(CODE_VA)] = (mfn[PFN_CODE] << 12) | PTE_RW_ACC | PTE_US;
    l1[l1_idx(CODE_VA) + 1] = (mfn[PFN_STACK] << 12) | PTE_RW_ACC | PTE_US;
    memcpy(window[PFN_CODE], built_code, (size_t)(built_code_end - built_code));
}

static void good_context(void)
{
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.flags = VGCF_in_kernel | VGCF_online;
    ctxt.user_regs.cs = FLAT_KERNEL_CS;
    ctxt.user_regs.ss = FLAT_KERNEL_SS;
    ctxt.user_regs.rip = CODE_VA;
    ctxt.user_regs.rsp = STACK_TOP;
    ctxt.user_regs.rflags = 0x200;
    ctxt.kernel_ss = FLAT_KERNEL_SS;
    ctxt.kernel_sp = STACK_TOP;
    ctxt.ctrlreg[3] = mfn[PFN_L4] << 12;
}

static bool set_context(domid_t dom)
{
    good_context();
    ctxt.ctrlreg[3] = mfn[PFN_L4] << 12;
    check_eq(ctl_setvcpucontext(dom, 0, &ctxt), -EINVAL,
             "setvcpucontext before the L4 is pinned = -EINVAL");
    check_eq(mmuext_dom(MMUEXT_PIN_L4_TABLE, mfn[PFN_L4], 0, dom), 0,
             "its L4 pinned by a foreign mmuext_op (the tree validates)");
    ctxt.ctrlreg[3] = virt_to_maddr(boot_l4()) & ~0xfffUL;
    check_eq(ctl_setvcpucontext(dom, 0, &ctxt), -EINVAL,
             "setvcpucontext with our own L4 as its CR3 = -EINVAL");
    good_context();
    ctxt.user_regs.rip = 0x0000800000000000UL;
    check_eq(ctl_setvcpucontext(dom, 0, &ctxt), -EINVAL,
             "setvcpucontext with a non-canonical rip = -EINVAL");
    good_context();
    return check_eq(ctl_setvcpucontext(dom, 0, &ctxt), 0, "setvcpucontext");
}

/* The toolstack's view after setvcpucontext: the handle, the vCPU, the frame types. */
static void check_views(domid_t dom)
{
    static const uint8_t uuid[16] = { 0x5e, 0x55, 0x10, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    struct xen_domctl op = { .cmd = XEN_DOMCTL_setdomainhandle, .domain = dom };
    static xen_pfn_t frames[4];

    memcpy(op.u.setdomainhandle.handle, uuid, sizeof(uuid));
    check_eq(ctl_domctl(&op), 0, "setdomainhandle");
    op.cmd = XEN_DOMCTL_getdomaininfo;
    check(ctl_domctl(&op) == 0 && !memcmp(op.u.getdomaininfo.handle, uuid, sizeof(uuid)),
          "getdomaininfo gives the handle back", "differs");
    memset(&op.u, 0, sizeof(op.u));
    op.cmd = XEN_DOMCTL_getvcpuinfo;
    check_eq(ctl_domctl(&op), 0, "getvcpuinfo of vCPU 0");
    check(op.u.getvcpuinfo.online && !op.u.getvcpuinfo.running, "vCPU 0 online, not running (paused)",
          "online %u running %u", op.u.getvcpuinfo.online, op.u.getvcpuinfo.running);
    op.u.getvcpuinfo.vcpu = 1;
    check_eq(ctl_domctl(&op), -EINVAL, "getvcpuinfo past max_vcpus = -EINVAL");
    frames[0] = mfn[PFN_L4];
    frames[1] = mfn[PFN_L1];
    frames[2] = mfn[PFN_CODE];
    frames[3] = virt_to_maddr(window) >> 12;         /* ours, not its */
    memset(&op.u, 0, sizeof(op.u));
    op.cmd = XEN_DOMCTL_getpageframeinfo3;
    op.u.getpageframeinfo3.num = 4;
    set_xen_guest_handle(op.u.getpageframeinfo3.array, frames);
    check_eq(ctl_domctl(&op), 0, "getpageframeinfo3");
    check_eq(frames[0], mfn[PFN_L4] | XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB,
             "its L4: L4TAB, pinned");
    check_eq(frames[1], mfn[PFN_L1] | XEN_DOMCTL_PFINFO_L1TAB, "its L1: L1TAB");
    check_eq(frames[2], mfn[PFN_CODE] | XEN_DOMCTL_PFINFO_NOTAB, "its code page: no table");
    check_eq(frames[3] & XEN_DOMCTL_PFINFO_LTAB_MASK, XEN_DOMCTL_PFINFO_XTAB,
             "a frame of ours: XTAB");
}

/* sysctl readconsole: the hypervisor's own line about the new domain is in its history. */
static void check_history(domid_t dom)
{
    static char buf[16384 + 1], want[48];
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_readconsole };
    uint32_t n;

    set_xen_guest_handle(s.u.readconsole.buffer, buf);
    s.u.readconsole.count = sizeof(buf) - 1;
    if (!check_eq(ctl_sysctl(&s), 0, "readconsole"))
        return;
    n = s.u.readconsole.count;
    buf[n] = 0;
    snprintf(want, sizeof(want), "(HV) d%u created by d0", dom);
    for (uint32_t i = 0; i + strlen(want) <= n; i++)
        if (!memcmp(buf + i, want, strlen(want))) {
            pass("readconsole: the hypervisor's line about the new domain");
            return;
        }
    fail("readconsole: the hypervisor's line about the new domain", "not in %u bytes", n);
}

/* createdomain ... max_vcpus: the domain exists, paused, with its memory. */
static bool create(domid_t *dom)
{
    struct xen_domctl_getdomaininfo info;
    domid_t again;

    *dom = 0;
    if (!check_eq(ctl_createdomain(dom, 1), 0, "createdomain (id 0: pick one)"))
        return false;
    check(*dom > 0 && *dom < DOMID_FIRST_RESERVED, "a new id is given", "id %u", *dom);
    again = *dom;
    check_eq(ctl_createdomain(&again, 1), -EEXIST, "createdomain with that id again = -EEXIST");
    check_eq(ctl_getdomaininfo(*dom, &info), 0, "getdomaininfo of the new domain");
    check(info.flags & XEN_DOMINF_paused, "it is created paused", "flags %#x", info.flags);
    check_eq(info.nr_online_vcpus, 0, "... with no vCPU online");
    check_eq(ctl_max_mem(*dom, MEM_KB), 0, "max_mem");
    check_eq(ctl_max_vcpus(*dom, 2), -EINVAL, "max_vcpus other than createdomain's = -EINVAL");
    check_eq(ctl_max_vcpus(*dom, 1), 0, "max_vcpus");
    {
        struct xen_domctl op = { .cmd = XEN_DOMCTL_set_address_size, .domain = *dom };

        op.u.address_size.size = 32;
        check_eq(ctl_domctl(&op), -EINVAL, "set_address_size 32 = -EINVAL (64-bit PV only)");
        op.u.address_size.size = 64;
        check_eq(ctl_domctl(&op), 0, "set_address_size 64");
    }
    if (!check_eq(ctl_populate(*dom, 0, NR_PFNS, mfn), NR_PFNS, "populate_physmap into it"))
        return false;
    check_eq(ctl_populate(*dom, NR_PFNS, 1, &mfn[NR_PFNS]), 0,
             "populate_physmap past its max_mem gives nothing");
    check_eq(ctl_getdomaininfo(*dom, &info), 0, "getdomaininfo after populate");
    check_eq(info.tot_pages, NR_PFNS, "tot_pages = the frames given");
    check_eq(info.max_pages, NR_PFNS, "max_pages = max_mem");
    return true;
}

static void run_and_wait(domid_t dom)
{
    struct xen_domctl_getdomaininfo info;
    evtchn_port_t port;

    if (!check_eq(evtchn_bind_virq(VIRQ_DOM_EXC, 0, &port), 0, "bind VIRQ_DOM_EXC"))
        return;
    evtchn_set_handler(port, on_dom_exc, NULL);
    events_enable();
    check_eq(ctl_simple(XEN_DOMCTL_pausedomain, 0), -EINVAL, "pausedomain of ourselves = -EINVAL");
    check_eq(ctl_simple(XEN_DOMCTL_unpausedomain, dom), 0, "unpause: it runs");
    check(wait_count(&dom_exc, 1, 5000), "VIRQ_DOM_EXC when it shut down", "none in 5 s");
    check_eq(ctl_getdomaininfo(dom, &info), 0, "getdomaininfo of the shut-down domain");
    check(info.flags & XEN_DOMINF_shutdown, "flagged shutdown", "flags %#x", info.flags);
    check_eq((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask, SHUTDOWN_poweroff,
             "shutdown reason poweroff");
    check_eq(ctl_simple(XEN_DOMCTL_unpausedomain, dom), -EINVAL, "unpause when not paused = -EINVAL");
}

void test_main(void)
{
    struct xen_sysctl_physinfo pi;
    uint64_t baseline;
    domid_t dom;

    if (!check(is_priv(), "runs as the privileged domain", "flags %#x", start_info->flags))
        return;
    if (!check_eq(ctl_physinfo(&pi), 0, "physinfo"))
        return;
    check(pi.nr_cpus >= 1 && (pi.capabilities & XEN_SYSCTL_PHYSCAP_pv), "physinfo: CPUs and PV",
          "nr_cpus %u caps %#x", pi.nr_cpus, pi.capabilities);
    baseline = pi.free_pages;
    check(baseline > 0 && baseline <= pi.total_pages, "physinfo: free <= total pages",
          "free %lu total %lu", (unsigned long)pi.free_pages, (unsigned long)pi.total_pages);
    if (!create(&dom))
        return;
    if (!check(map_frames(dom), "its frames mapped by a foreign mmu_update", "refused"))
        return;
    write_domain();
    if (!check(unmap_frames(), "our mappings of its frames dropped", "refused"))
        return;
    if (!set_context(dom))
        return;
    check_views(dom);
    check_history(dom);
    run_and_wait(dom);
    check_eq(ctl_simple(XEN_DOMCTL_destroydomain, 0), -EINVAL, "destroydomain of ourselves = -EINVAL");
    check_eq(ctl_simple(XEN_DOMCTL_destroydomain, dom), 0, "destroydomain");
    check(wait_count(&dom_exc, 2, 5000), "VIRQ_DOM_EXC again when it is gone", "%lu", dom_exc);
    check_eq(ctl_simple(XEN_DOMCTL_pausedomain, dom), -ESRCH, "it is gone (-ESRCH)");
    check_eq(ctl_physinfo(&pi), 0, "physinfo again");
    check_eq(pi.free_pages, baseline, "free pages back to the baseline");
}
