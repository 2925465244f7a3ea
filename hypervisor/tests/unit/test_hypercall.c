/*
 * common/hypercall.c and the common handlers: the table, multicall,
 * console_io, xen_version, vm_assist, sched_op, set_timer_op, vcpu_op.
 */
#include <hv/arch.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>

#include <hv/frame.h>
#include <xen/io/console.h>

#include "harness.h"

static long call(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    unsigned long args[5] = { a1, a2, a3, 0, 0 };

    return harness_hypercall(nr, args);
}

/* The arch/x86/pv handlers, reached through the table with their arguments. */
static const struct { unsigned long nr; const char *name; } arch_calls[] = {
    { __HYPERVISOR_set_trap_table, "set_trap_table" },
    { __HYPERVISOR_mmu_update, "mmu_update" },
    { __HYPERVISOR_set_gdt, "set_gdt" },
    { __HYPERVISOR_stack_switch, "stack_switch" },
    { __HYPERVISOR_set_callbacks, "set_callbacks" },
    { __HYPERVISOR_fpu_taskswitch, "fpu_taskswitch" },
    { __HYPERVISOR_set_debugreg, "set_debugreg" },
    { __HYPERVISOR_get_debugreg, "get_debugreg" },
    { __HYPERVISOR_update_descriptor, "update_descriptor" },
    { __HYPERVISOR_update_va_mapping, "update_va_mapping" },
    { __HYPERVISOR_iret, "iret" },
    { __HYPERVISOR_set_segment_base, "set_segment_base" },
    { __HYPERVISOR_mmuext_op, "mmuext_op" },
    { __HYPERVISOR_callback_op, "callback_op" },
};

static void test_arch_slots(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(arch_calls); i++) {
        unsigned long nr = arch_calls[i].nr;
        u64 before = hc_stats.calls[nr];
        unsigned long args[5] = { 0x11 + nr, 0x22, 0x33, 0x44, 0x55 };

        EXPECT_EQ(hypercall_dispatch(nr, args, false), STUB_RET(nr));
        EXPECT_EQ(harness_stub_nr, nr);
        EXPECT_EQ(harness_stub_args[0], nr == __HYPERVISOR_iret ? 0 : 0x11 + nr);   /* iret has none */
        EXPECT_EQ(hc_stats.calls[nr], before + 1);
        CU_ASSERT_STRING_EQUAL(hypercall_name(nr), arch_calls[i].name);
    }
    unsigned long args[5] = { 1, 2, 3, 4, 5 };
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_mmu_update, args, false),
              STUB_RET(__HYPERVISOR_mmu_update));
    EXPECT_EQ(harness_stub_args[3], 4);               /* all four arguments arrive */
    EXPECT_EQ(harness_stub_args[4], 0);               /* and no fifth */
    /* Each argument converted to its declared type: count and foreigndom
     * are unsigned int (upper halves dropped), the handles whole. */
    unsigned long wide[5] = { 0xffff888800001000UL, (7UL << 32) | 3, 0x7000, (1UL << 40) | 0x7ff0, 9 };
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_mmu_update, wide, false),
              STUB_RET(__HYPERVISOR_mmu_update));
    EXPECT_EQ(harness_stub_args[0], 0xffff888800001000UL);
    EXPECT_EQ(harness_stub_args[1], 3);
    EXPECT_EQ(harness_stub_args[2], 0x7000);
    EXPECT_EQ(harness_stub_args[3], 0x7ff0);
    /* An int argument is sign-extended back by the stub: the handler saw -1. */
    unsigned long reg[5] = { 0xffffffffUL, 0, 0, 0, 0 };
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_get_debugreg, reg, false),
              STUB_RET(__HYPERVISOR_get_debugreg));
    EXPECT_EQ(harness_stub_args[0], ~0UL);
}

/* The flags of hv/hypercall-defs, checked once at the dispatcher. */
static void test_flags_at_dispatcher(void)
{
    unsigned long args[5] = { 0 };
    struct multicall_entry mc[2] = {
        { .op = __HYPERVISOR_sysctl, .args = { 0x800000000000UL } },
        { .op = __HYPERVISOR_domctl, .args = { 0xffff800000000000UL } },
    };

    /* Privileged only: an unprivileged caller gets Xen's earlier errors, then -EPERM. */
    harness_set_current(harness_domain(1, 1, false));
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_sysctl, (unsigned long[5]){ 0x800000000000UL },
                                 false), -EFAULT);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 2, 0), 0);
    EXPECT_EQ((long)mc[0].result, -EFAULT);          /* the same inside a multicall */
    EXPECT_EQ((long)mc[1].result, -EFAULT);
    /* Not in a multicall: iret and multicall itself; allowed elsewhere. */
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_iret, args, true), -EINVAL);
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_multicall, args, true), -EINVAL);
    EXPECT_EQ(harness_stub_nr, ~0UL);                 /* iret never ran */
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_fpu_taskswitch, args, true),
              STUB_RET(__HYPERVISOR_fpu_taskswitch));
}

/* Slots the common handlers fill. */
static const unsigned long common_calls[] = {
    __HYPERVISOR_sched_op_compat, __HYPERVISOR_multicall, __HYPERVISOR_set_timer_op,
    __HYPERVISOR_xen_version, __HYPERVISOR_console_io, __HYPERVISOR_vm_assist,
    __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op, __HYPERVISOR_event_channel_op,
    __HYPERVISOR_memory_op,
};

static void test_unknown_numbers(void)
{
    unsigned long args[5] = { 0 };
    u64 unknown = hc_stats.unknown, expected = 0;

    harness_set_current(harness_domain(1, 1, false));
    for (size_t i = 0; i < ARRAY_SIZE(common_calls); i++)
        CU_ASSERT_STRING_NOT_EQUAL(hypercall_name(common_calls[i]), "unknown");
    for (size_t i = 0; i < ARRAY_SIZE(arch_calls); i++)
        CU_ASSERT_STRING_NOT_EQUAL(hypercall_name(arch_calls[i].nr), "unknown");
    for (unsigned long nr = 0; nr < HC_NR_SLOTS; nr++) {
        if (strcmp(hypercall_name(nr), "unknown"))
            continue;                                 /* a filled slot */
        u64 calls = hc_stats.calls[nr];
        EXPECT_EQ(hypercall_dispatch(nr, args, false), -ENOSYS);
        EXPECT_EQ(hc_stats.calls[nr], calls);
        CU_ASSERT_STRING_EQUAL(hypercall_name(nr), "unknown");
        expected++;
    }
    static const unsigned long past[] = { HC_NR_SLOTS, 1000, 0x80000000UL, ~0UL };
    for (size_t i = 0; i < ARRAY_SIZE(past); i++) {
        EXPECT_EQ(hypercall_dispatch(past[i], args, false), -ENOSYS);
        EXPECT_EQ(hypercall_dispatch(past[i], args, true), -ENOSYS);
        CU_ASSERT_STRING_EQUAL(hypercall_name(past[i]), "unknown");
        expected += 2;
    }
    CU_ASSERT(expected > 20);                         /* the table has many empty slots */
    EXPECT_EQ(hypercall_dispatch(__HYPERVISOR_kexec_op, args, false), -ENOSYS);
    expected += 1;
    EXPECT_EQ(hc_stats.unknown, unknown + expected);
}

static void test_trace_logs_calls(void)
{
    harness_set_current(harness_domain(1, 1, false));
    hv_opts.hypercall_trace = true;
    call(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "d1 v0 hypercall xen_version(17)"));
    /* Only its two arguments, not five. */
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "d1 v0 hypercall xen_version(17) 0 0 -> 262161"));
    hv_opts.hypercall_trace = false;
    harness_console_clear();
    call(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    CU_ASSERT_STRING_EQUAL(harness_console(), "");
}

/* Per-vCPU counts (hv/counters.h): what debug key 'q' prints; folded into hc_stats at free. */
static void test_counters_per_vcpu(void)
{
    struct domain *d = harness_domain(5, 1, false);
    struct vcpu *v = d->vcpus[0];
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };
    u64 global = hc_stats.calls[__HYPERVISOR_xen_version];

    harness_set_current(d);
    for (int i = 0; i < 3; i++)
        call(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    EXPECT_EQ(v->counters.hypercalls[__HYPERVISOR_xen_version], 3);
    EXPECT_EQ(hc_stats.calls[__HYPERVISOR_xen_version], global);    /* not yet folded */
    /* an event sent to itself: one send by v, one raise on d */
    EXPECT_EQ(call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, (unsigned long)&ipi, 0), 0);
    struct evtchn_send send = { .port = ipi.port };
    u64 raised = d->counters.events_raised;
    EXPECT_EQ(call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&send, 0), 0);
    EXPECT_EQ(v->counters.events_sent, 1);
    EXPECT_EQ(d->counters.events_raised, raised + 1);
    /* a grant op is counted as run, whatever its status (a bad ref here) */
    struct gnttab_map_grant_ref map = { .host_addr = 0x1000, .flags = GNTMAP_host_map,
                                        .ref = 1u << 30, .dom = 5 };
    EXPECT_EQ(call(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, (unsigned long)&map, 1), 0);
    CU_ASSERT(map.status != GNTST_okay);
    EXPECT_EQ(v->counters.grant_maps, 1);
    EXPECT_EQ(v->counters.grant_copies + v->counters.grant_unmaps, 0);
    hypercall_fold_counts(v);
    EXPECT_EQ(hc_stats.calls[__HYPERVISOR_xen_version], global + 3);
}

/* ----------------------------------------------------------- multicall */

static void test_multicall_results(void)
{
    struct multicall_entry mc[4] = {
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } },
        { .op = 63, .result = 77 },                               /* empty slot */
        { .op = __HYPERVISOR_vm_assist, .args = { 99, 0 } },      /* bad cmd */
        { .op = __HYPERVISOR_fpu_taskswitch, .args = { 1 } },
    };

    harness_set_current(harness_domain(1, 1, false));
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 4, 0), 0);
    EXPECT_EQ(mc[0].result, 0x40011);
    EXPECT_EQ((long)mc[1].result, -ENOSYS);
    EXPECT_EQ((long)mc[2].result, -ENOSYS);
    EXPECT_EQ(mc[3].result, STUB_RET(__HYPERVISOR_fpu_taskswitch));
    EXPECT_EQ(harness_stub_args[0], 1);
    EXPECT_EQ(mc[0].op, __HYPERVISOR_xen_version);    /* only result is written */
    /* Zero entries do nothing; too many are refused. */
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 0, 0), 0);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 1025, 0), -EINVAL);
}

static void test_multicall_no_nesting(void)
{
    struct multicall_entry inner = { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } };
    struct multicall_entry mc[3] = {
        { .op = __HYPERVISOR_multicall, .args = { (unsigned long)&inner, 1 } },
        { .op = __HYPERVISOR_iret },
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_pagesize } },
    };

    harness_set_current(harness_domain(1, 1, false));
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 3, 0), 0);
    EXPECT_EQ((long)mc[0].result, -EINVAL);
    EXPECT_EQ((long)mc[1].result, -EINVAL);
    EXPECT_EQ(mc[2].result, 4096);
    EXPECT_EQ(inner.result, 0);                       /* the nested batch never ran */
    EXPECT_EQ(harness_stub_nr, ~0UL);                 /* nor did iret */
}

static void test_multicall_faults_and_shutdown(void)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
    struct multicall_entry mc[3] = {
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } },
        { .op = __HYPERVISOR_sched_op, .args = { SCHEDOP_shutdown, (unsigned long)&sd } },
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_version }, .result = 5 },
    };
    struct domain *d = harness_domain(1, 1, false);

    harness_set_current(d);
    harness_fault_range(&mc[1], sizeof(mc[1]), FAULT_READ);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 3, 0), -EFAULT);
    EXPECT_EQ(mc[0].result, 0x40011);                 /* entries before the fault ran */
    EXPECT_EQ(mc[2].result, 5);
    harness_fault_range(&mc[0].result, sizeof(mc[0].result), FAULT_WRITE);
    mc[0].result = 0;
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 3, 0), -EFAULT);
    EXPECT_EQ(mc[0].result, 0);
    harness_fault_clear();
    /* An entry that shuts the domain down ends the batch. */
    CU_ASSERT_EQUAL(call(__HYPERVISOR_multicall, (unsigned long)mc, 3, 0), 0);
    EXPECT_EQ(mc[1].result, 0);
    EXPECT_EQ(mc[2].result, 5);
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_poweroff);
}

/* ---------------------------------------------------------- console_io */

static void test_console_io_prefix(void)
{
    static const char text[] = "hello\nworld\npart";

    harness_set_current(harness_domain(3, 1, false));
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, strlen(text),
                         (unsigned long)text), 0);
    CU_ASSERT_STRING_EQUAL(harness_console(), "(d3) hello\n(d3) world\n");
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, 6, (unsigned long)"ial\r\n\n"), 0);
    CU_ASSERT_STRING_EQUAL(harness_console(), "(d3) hello\n(d3) world\n(d3) partial\n(d3) \n");
    harness_console_clear();
    /* Control bytes become '?', tabs stay, NULs vanish; a partial line shows at shutdown. */
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, 7,
                         (unsigned long)"a\tb\x1b" "c\0d"), 0);
    CU_ASSERT_STRING_EQUAL(harness_console(), "");
    domain_shutdown(current->domain, SHUTDOWN_poweroff);
    CU_ASSERT(!strncmp(harness_console(), "(d3) a\tb?cd\n", 12));
}

/*
 * The console ring the hypervisor serves: the same filter as console_io
 * (no escape sequence reaches the terminal), and its frame held from map
 * to detach so that it can be neither retyped nor freed meanwhile.
 */
static void test_console_ring(void)
{
    struct domain *d = harness_domain(3, 1, false);
    static const char out[] = "ok\x1b[2J\b\r(HV) x\x9b\n";
    struct xencons_interface *r;
    mfn_t m = frame_alloc(&hv_frames, 1, 1, 3);
    int port;

    harness_set_current(d);
    CU_ASSERT_FATAL(m != INVALID_MFN);
    port = console_ring_attach(d);
    CU_ASSERT_FATAL(port > 0);
    EXPECT_EQ(console_ring_map(d, m), 0);
    EXPECT_EQ(hv_frames.info[m].count, 1);
    EXPECT_EQ(console_ring_map(harness_domain(4, 1, false), m), -EINVAL);   /* not d4's */
    r = hv_mfn_to_virt(m);
    memset(r, 0, sizeof(*r));
    memcpy(r->out, out, sizeof(out) - 1);
    r->out_prod = sizeof(out) - 1;
    harness_console_clear();
    EXPECT_EQ(evtchn_send(d, (evtchn_port_t)port), 0);
    CU_ASSERT_STRING_EQUAL(harness_console(), "(d3) ok?[2J?(HV) x?\n");
    EXPECT_EQ(r->out_cons, sizeof(out) - 1);
    domain_shutdown(d, SHUTDOWN_poweroff);
    EXPECT_EQ(hv_frames.info[m].count, 0);
    CU_ASSERT_PTR_NULL(d->cons);
}

static void test_console_io_long_and_errors(void)
{
    char big[600];

    harness_set_current(harness_domain(2, 1, false));
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(big),
                         (unsigned long)big), 0);
    /* 256-byte lines: 599 x's become 256 + 256 + 87, each prefixed. */
    const char *out = harness_console();
    int lines = 0;
    for (const char *p = out; (p = strstr(p, "(d2) ")); p += 5)
        lines++;
    EXPECT_EQ(lines, 3);
    EXPECT_EQ(strlen(out), 3 * 5 + 599 + 3);
    harness_console_clear();
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, (1UL << 20) + 1,
                         (unsigned long)big), -EINVAL);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, 4, 0xffff800000000000UL),
                    -EFAULT);
    harness_fault_range(big + 200, 1, FAULT_READ);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_write, 300, (unsigned long)big),
                    -EFAULT);
    harness_fault_clear();
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_read, 4, (unsigned long)big), -EPERM);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, 7, 4, (unsigned long)big), -ENOSYS);
    harness_set_current(harness_domain(0, 1, true));
    CU_ASSERT_EQUAL(call(__HYPERVISOR_console_io, CONSOLEIO_read, 4, (unsigned long)big), 0);
}

/* --------------------------------------------------- xen_version, vm_assist */

static void test_xen_version(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };
    xen_extraversion_t extra;

    harness_set_current(harness_domain(1, 1, false));
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_xen_version, XENVER_extraversion, (unsigned long)extra, 0), 0);
    CU_ASSERT_STRING_EQUAL(extra, "-pvhv");
    CU_ASSERT_EQUAL(call(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0), 0);
    CU_ASSERT(fi.submap & (1u << XENFEAT_mmu_pt_update_preserve_ad));
    CU_ASSERT(!(fi.submap & (1u << XENFEAT_dom0)));
    CU_ASSERT(!(fi.submap & (1u << XENFEAT_pae_pgdir_above_4gb)));
    CU_ASSERT_EQUAL(call(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
                         VMASST_TYPE_pae_extended_cr3, 0), 0);
    CU_ASSERT_EQUAL(call(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0), 0);
    CU_ASSERT(fi.submap & (1u << XENFEAT_pae_pgdir_above_4gb));
    fi = (struct xen_feature_info){ .submap_idx = XENFEAT_NR_SUBMAPS, .submap = 0xdead };
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0), -EINVAL);
    EXPECT_EQ(fi.submap, 0xdead);
    fi.submap_idx = 0xffffffffu;
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0), -EINVAL);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_get_features, 0x800000000000UL, 0), -EFAULT);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_commandline, (unsigned long)extra, 0), -EPERM);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, 99, 0, 0), -ENOSYS);

    harness_set_current(harness_domain(0, 1, true));
    fi = (struct xen_feature_info){ .submap_idx = 0 };
    CU_ASSERT_EQUAL(call(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0), 0);
    CU_ASSERT(fi.submap & (1u << XENFEAT_dom0));
}

static void test_vm_assist(void)
{
    struct domain *d = harness_domain(1, 1, false);
    static const struct { const char *what; unsigned long cmd, type; long rc; } cases[] = {
        { "enable writable_pagetables", VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0 },
        { "enable runstate_update_flag", VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0 },
        { "enable m2p_strict", VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0 },
        { "disable m2p_strict", VMASST_CMD_disable, VMASST_TYPE_m2p_strict, 0 },
        { "enable 4gb_segments", VMASST_CMD_enable, VMASST_TYPE_4gb_segments, 0 },
        { "unknown type", VMASST_CMD_enable, 20, -EINVAL },
        { "type just past the known ones", VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag + 1,
          -EINVAL },
        { "type just below m2p_strict", VMASST_CMD_enable, VMASST_TYPE_m2p_strict - 1, -EINVAL },
        { "type past the word", VMASST_CMD_enable, 64, -EINVAL },
        { "huge type", VMASST_CMD_disable, ~0UL, -EINVAL },
        { "unknown command", 2, VMASST_TYPE_m2p_strict, -ENOSYS },
        { "huge command", ~0UL, VMASST_TYPE_m2p_strict, -ENOSYS },
    };

    harness_set_current(d);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        EXPECT_EQ(call(__HYPERVISOR_vm_assist, cases[i].cmd, cases[i].type, 0), cases[i].rc);
    EXPECT_EQ(d->vm_assist, (1UL << VMASST_TYPE_writable_pagetables) |
                            (1UL << VMASST_TYPE_runstate_update_flag) |
                            (1UL << VMASST_TYPE_4gb_segments));
}

/* --------------------------------------------------------------- sched_op */

static void test_sched_op_shutdown(void)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_MAX + 1 };
    struct domain *d = harness_domain(4, 1, false);

    harness_set_current(d);
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x800000000000UL, 0), -EFAULT);
    CU_ASSERT_EQUAL(d->state, DOM_ACTIVE);
    /* Any reason shuts down, its low 8 bits kept (as Xen). */
    sd.reason = 0x1ff;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, 0), 0);
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, 0xff);
    d = harness_domain(5, 1, false);
    harness_set_current(d);
    EXPECT_EQ(call(__HYPERVISOR_sched_op, 99, 0, 0), -ENOSYS);
    sd.reason = SHUTDOWN_reboot;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, 0), 0);
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_reboot);
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "(HV) d4 shutdown: unknown\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "(HV) d5 shutdown: reboot\n"));
    CU_ASSERT_EQUAL(d->vcpus[0]->state, VCPU_DOWN);
    CU_ASSERT(sched_need_resched());
}

static void test_sched_op_block_and_yield(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu *v = d->vcpus[0];

    harness_set_current(d);
    v->state = VCPU_RUNNABLE;
    /* An event already pending: block returns at once, events enabled. */
    v->vcpu_info->evtchn_upcall_pending = 1;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
    EXPECT_EQ(v->vcpu_info->evtchn_upcall_mask, 0);
    CU_ASSERT_EQUAL(v->state, VCPU_RUNNABLE);
    EXPECT_EQ(harness_arch.context_switch, 0);
    /* Nothing pending: the vCPU blocks and the scheduler switches to idle. */
    v->vcpu_info->evtchn_upcall_pending = 0;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
    CU_ASSERT_EQUAL(v->state, VCPU_BLOCKED);
    EXPECT_EQ(harness_arch.context_switch, 1);
    CU_ASSERT_PTR_EQUAL(harness_arch.last_prev, v);
    CU_ASSERT_PTR_NULL(harness_arch.last_next);
    CU_ASSERT_PTR_NULL(current);
    harness_set_current(d);
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
    CU_ASSERT(sched_need_resched());
}

static void test_sched_op_compat(void)
{
    struct domain *d = harness_domain(1, 1, false);

    harness_set_current(d);
    EXPECT_EQ(call(__HYPERVISOR_sched_op_compat, SCHEDOP_shutdown, SHUTDOWN_crash, 0), 0);
    CU_ASSERT_EQUAL(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_crash);
}

static void test_sched_op_poll(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu *v = d->vcpus[0];
    evtchn_port_t ports[3];
    struct sched_poll p = { .nr_ports = 3 };
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };

    harness_set_current(d);
    v->state = VCPU_RUNNABLE;
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d, &ipi), 0);
    ports[0] = 100;
    ports[1] = ipi.port;
    ports[2] = 200;
    set_xen_guest_handle(p.ports, ports);
    /* A pending port, masked or not, returns at once. */
    d->shared_info->evtchn_mask[0] = ~0UL;
    CU_ASSERT_EQUAL(evtchn_send(d, ipi.port), 0);
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), 0);
    CU_ASSERT_EQUAL(v->state, VCPU_RUNNABLE);
    EXPECT_EQ(harness_arch.context_switch, 0);
    /* Errors. */
    ports[0] = EVTCHN_MAX;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), -EINVAL);
    ports[0] = 100;
    p.nr_ports = 129;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), -EINVAL);
    p.nr_ports = 3;
    harness_fault_range(&ports[2], sizeof(ports[2]), FAULT_READ);
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), -EFAULT);
    harness_fault_clear();
    /* A timeout already past returns at once. */
    CU_ASSERT_EQUAL(evtchn_close(d, ipi.port), 0);
    harness_set_tsc(5000);
    p.timeout = 4000;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), 0);
    EXPECT_EQ(harness_arch.context_switch, 0);
    /* Nothing pending: the vCPU blocks (here the switch to idle returns at once). */
    p.timeout = 9000;
    EXPECT_EQ(call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&p, 0), 0);
    EXPECT_EQ(harness_arch.context_switch, 1);
    CU_ASSERT_EQUAL(v->state, VCPU_BLOCKED);
    CU_ASSERT(!v->polling);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);          /* the poll timer was stopped */
    /* While polling, an event on a masked port wakes the vCPU; polling another port, it
     * sleeps on (Xen's evtchn_check_pollers); polling several, any port wakes it. */
    v->polling = true;
    CU_ASSERT_EQUAL(evtchn_bind_ipi(d, &ipi), 0);
    v->poll_port = ipi.port + 1;
    CU_ASSERT_EQUAL(evtchn_send(d, ipi.port), 0);
    CU_ASSERT_EQUAL(v->state, VCPU_BLOCKED);
    __atomic_and_fetch(&d->shared_info->evtchn_pending[ipi.port / 64], ~(1UL << (ipi.port % 64)),
                       __ATOMIC_RELAXED);                /* pending again at the next send */
    v->poll_port = ipi.port;
    CU_ASSERT_EQUAL(evtchn_send(d, ipi.port), 0);
    CU_ASSERT_EQUAL(v->state, VCPU_RUNNABLE);
    v->polling = false;
}

/* ----------------------------------------------------- timers from guests */

static void test_set_timer_op_fires_virq(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };

    harness_set_current(d);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d, &bv), 0);
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, 5000, 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), 5000);
    EXPECT_EQ(harness_timer_deadline, 5000);
    timer_run_due(4999);
    CU_ASSERT(!evtchn_is_pending(d, bv.port));
    timer_run_due(5000);
    CU_ASSERT(evtchn_is_pending(d, bv.port));
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, 9000, 0, 0), 0);
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);   /* 0 cancels */
    EXPECT_EQ(timer_next_deadline(), ~0ULL);
}

static void test_vcpu_op(void)
{
    struct domain *d = harness_domain(1, 2, false);
    struct vcpu_set_periodic_timer per = { .period_ns = 999999 };
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = 777 };
    struct vcpu_runstate_info rs;

    harness_set_current(d);
    harness_set_tsc(1000);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 0);
    d->vcpus[0]->state = VCPU_RUNNABLE;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), -ENOENT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, HV_MAX_VCPUS, 0), -ENOENT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), -EINVAL);
    per.period_ns = 1000000;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), 0);
    EXPECT_EQ(timer_next_deadline(), 1000 + 1000000);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 1, (unsigned long)&ss), -EINVAL);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&ss), 0);
    EXPECT_EQ(timer_next_deadline(), 777);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), 1000 + 1000000);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, (unsigned long)&rs), 0);
    EXPECT_EQ(rs.state, RUNSTATE_offline);               /* created down, never switched in here */
    CU_ASSERT(rs.state_entry_time <= 1000);              /* when it entered the state, not now */
    /* As Xen: the current state's time counts up to now. */
    EXPECT_EQ(rs.time[RUNSTATE_offline], d->vcpus[0]->runstate.time[RUNSTATE_offline] +
                                          (hv_now() - rs.state_entry_time));
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, 0xffff800000000000UL), -EFAULT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, 99, 0, 0), -ENOSYS);
}

/* VCPUOP_up/down (vcpu_updown.c): no context, out of range, and the last vCPU going down. */
static void test_vcpu_up_down(void)
{
    struct domain *d = harness_domain(1, 2, false);

    harness_set_current(d);
    d->vcpus[0]->state = VCPU_RUNNABLE;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), -EINVAL);      /* no context yet */
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_up, 2, 0), -ENOENT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_down, 2, 0), -ENOENT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0xffff800000000000UL), -EFAULT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0), 0);          /* down already: fine */
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
    EXPECT_EQ(d->state, DOM_ACTIVE);
    /* vCPU 0 is the last one up: downing it powers the domain off, as Xen. */
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0), 0);
    EXPECT_EQ(d->state, DOM_SHUTDOWN);
    EXPECT_EQ(d->shutdown_reason, SHUTDOWN_poweroff);
}

/* The review's livelock: a period of 2^64 - 1 wrapped now + period into the past. */
static void test_timer_bounds(void)
{
    struct domain *d = harness_domain(1, 1, false);
    struct vcpu_set_periodic_timer per = { .period_ns = ~0ULL };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };

    harness_set_current(d);
    harness_set_tsc(1000);
    CU_ASSERT_EQUAL(evtchn_bind_virq(d, &bv), 0);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), -EINVAL);
    per.period_ns = STIME_DELTA_MAX + 1;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), -EINVAL);
    EXPECT_EQ(timer_next_deadline(), ~0ULL);
    per.period_ns = STIME_DELTA_MAX;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), 0);
    CU_ASSERT(timer_next_deadline() > 1000);             /* in the future, not wrapped */
    /* A periodic tick that fell far behind re-arms one period after now. */
    per.period_ns = 1000000;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&per), 0);
    harness_set_tsc(50000000);
    EXPECT_EQ(timer_run_due(hv_now()), hv_now() + 1000000);
    CU_ASSERT(evtchn_is_pending(d, bv.port));
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
    /* set_timer_op: negative or > 2^50 ns away fires in 100 ms, as on Xen. */
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, ~0UL, 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), hv_now() + 100000000);
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, hv_now() + (1UL << 50), 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), hv_now() + 100000000);
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, hv_now() + (1UL << 49), 0, 0), 0);
    EXPECT_EQ(timer_next_deadline(), hv_now() + (1UL << 49));
    EXPECT_EQ(call(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);
}

/* A domain that is shutting down runs nothing more (its grant table and
 * event channels are gone): every hypercall is refused. */
static void test_dead_domain_refused(void)
{
    struct domain *d = harness_domain(1, 1, false);

    harness_set_current(d);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_version, 0, 0) > 0, 1);
    domain_shutdown(d, SHUTDOWN_crash);
    EXPECT_EQ(call(__HYPERVISOR_xen_version, XENVER_version, 0, 0), -ESRCH);
    EXPECT_EQ(call(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, 0, 1), -ESRCH);
    EXPECT_EQ(call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0, 0), -ESRCH);
    harness_set_current(NULL);
}

/* VCPUOP_register_vcpu_time_memory_area: a second, guest-VA copy of the
 * time info for the vDSO, same data, a finished (even) version. */
static void test_vcpu_time_area(void)
{
    struct domain *d = harness_domain(1, 2, false);
    struct vcpu *v = d->vcpus[0];
    struct vcpu_time_info copy;
    struct vcpu_register_time_memory_area area = { .addr.p = (unsigned long)&copy };

    harness_set_current(d);
    harness_set_tsc(5000);
    time_update_vcpu_info(&v->vcpu_info->time);
    memset(&copy, 0xaa, sizeof(copy));
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
                   (unsigned long)&area), 0);
    EXPECT_EQ(copy.version % 2, 0);
    EXPECT_EQ(copy.tsc_timestamp, v->vcpu_info->time.tsc_timestamp);
    EXPECT_EQ(copy.system_time, v->vcpu_info->time.system_time);
    EXPECT_EQ(copy.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
    /* Each publish follows the primary. */
    harness_set_tsc(9000);
    time_update_vcpu_info(&v->vcpu_info->time);
    vcpu_time_publish(v);
    EXPECT_EQ(copy.tsc_timestamp, 9000);
    EXPECT_EQ(copy.version, v->vcpu_info->time.version);
    /* Hostile addresses: refused, the registration unchanged. */
    area.addr.p = 0xffff800000001000UL;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
                   (unsigned long)&area), -EFAULT);
    area.addr.p = ~0UL - 8;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
                   (unsigned long)&area), -EFAULT);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
                   0xffff800000000000UL), -EFAULT);
    EXPECT_EQ(v->time_guest, (unsigned long)&copy);
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 5,
                   (unsigned long)&area), -ENOENT);
    /* NULL unregisters: nothing is written any more. */
    area.addr.p = 0;
    EXPECT_EQ(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
                   (unsigned long)&area), 0);
    memset(&copy, 0x55, sizeof(copy));
    vcpu_time_publish(v);
    EXPECT_EQ(copy.version, 0x55555555u);
}

static const struct unit_test tests[] = {
    { "vcpu_time_area", test_vcpu_time_area },
    { "dead_domain_refused", test_dead_domain_refused },
    { "arch_slots", test_arch_slots },
    { "flags_at_dispatcher", test_flags_at_dispatcher },
    { "unknown_numbers", test_unknown_numbers },
    { "trace_logs_calls", test_trace_logs_calls },
    { "multicall_results", test_multicall_results },
    { "multicall_no_nesting", test_multicall_no_nesting },
    { "multicall_faults_and_shutdown", test_multicall_faults_and_shutdown },
    { "console_io_prefix", test_console_io_prefix },
    { "console_io_long_and_errors", test_console_io_long_and_errors },
    { "xen_version", test_xen_version },
    { "vm_assist", test_vm_assist },
    { "sched_op_shutdown", test_sched_op_shutdown },
    { "sched_op_block_and_yield", test_sched_op_block_and_yield },
    { "sched_op_compat", test_sched_op_compat },
    { "counters_per_vcpu", test_counters_per_vcpu },
    { "sched_op_poll", test_sched_op_poll },
    { "set_timer_op_fires_virq", test_set_timer_op_fires_virq },
    { "vcpu_op", test_vcpu_op },
    { "vcpu_up_down", test_vcpu_up_down },
    { "console_ring", test_console_ring },
    { "timer_bounds", test_timer_bounds },
};

void suite_hypercall(void)
{
    ADD_SUITE("hypercall", tests);
}
