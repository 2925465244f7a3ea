/*
 * hostile: invalid hypercall arguments get the exact error real Xen 4.17 returns, and the
 * guest keeps running: pointers into the hypervisor hole and non-canonical pointers,
 * structures straddling into an unmapped page, bad command/port/vcpu/virq numbers, and
 * hypercall numbers past the table.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "hostile";

#define HV_PTR    0xffff800000001000UL     /* inside the hypervisor hole */
#define HV_PTR2   0xffff87fffffff000UL     /* last page of the hole */
#define NONCANON  0x8000000000000000UL
#define LOW_PTR   0x1000UL                 /* user half, nothing mapped there */

static uint8_t pages[2][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t *edge;                     /* 2 bytes before the unmapped page */

static void expect(const char *what, long got, long want)
{
    check(got == want, what, "rc %ld, want %ld", got, want);
}

static void test_console_io(void)
{
    static const char msg[] = "?x\n";

    expect("console_io(write, hypervisor pointer) = -EFAULT",
           hc_console_io(CONSOLEIO_write, 8, (void *)HV_PTR), -EFAULT);
    expect("console_io(write, last hypervisor page) = -EFAULT",
           hc_console_io(CONSOLEIO_write, 8, (void *)HV_PTR2), -EFAULT);
    expect("console_io(write, non-canonical pointer) = -EFAULT",
           hc_console_io(CONSOLEIO_write, 8, (void *)NONCANON), -EFAULT);
    expect("console_io(write, unmapped user pointer) = -EFAULT",
           hc_console_io(CONSOLEIO_write, 8, (void *)LOW_PTR), -EFAULT);
    expect("console_io(write, buffer running into an unmapped page) = -EFAULT",
           hc_console_io(CONSOLEIO_write, 8, edge), -EFAULT);
    expect("console_io(write, misaligned buffer) = 0",
           hc_console_io(CONSOLEIO_write, 2, msg + 1), 0);
    expect("console_io(unknown cmd 99) = -ENOSYS", hc_console_io(99, 2, msg), -ENOSYS);
}

static void test_evtchn(void)
{
    struct evtchn_send *send = (void *)(edge + 0);
    struct evtchn_status *odd = (void *)(pages[0] + 1);
    struct evtchn_bind_virq bv = { .virq = 999, .vcpu = 0 };
    evtchn_status_t st;

    expect("event_channel_op(send, hypervisor pointer) = -EFAULT",
           hc_event_channel_op(EVTCHNOP_send, (void *)HV_PTR), -EFAULT);
    expect("event_channel_op(send, non-canonical pointer) = -EFAULT",
           hc_event_channel_op(EVTCHNOP_send, (void *)NONCANON), -EFAULT);
    expect("event_channel_op(send, struct straddling an unmapped page) = -EFAULT",
           hc_event_channel_op(EVTCHNOP_send, send), -EFAULT);
    expect("event_channel_op(unknown cmd 99) = -ENOSYS",
           hc_event_channel_op(99, pages[0]), -ENOSYS);
    expect("evtchn send on port 0 (reserved) = -EINVAL", evtchn_send(0), -EINVAL);
    expect("evtchn send on free port 100 = -EINVAL", evtchn_send(100), -EINVAL);
    expect("evtchn send on port 5000 (past 2-level limit) = -EINVAL", evtchn_send(5000), -EINVAL);
    expect("evtchn send on port 0xffffffff = -EINVAL", evtchn_send(0xffffffffu), -EINVAL);
    expect("evtchn close of port 5000 = -EINVAL", evtchn_close(5000), -EINVAL);
    expect("evtchn unmask of port 5000 = -EINVAL", evtchn_unmask_hc(5000), -EINVAL);
    expect("evtchn status of port 5000 = -EINVAL", evtchn_status(DOMID_SELF, 5000, &st), -EINVAL);
    expect("evtchn bind_virq(virq 999) = -EINVAL",
           hc_event_channel_op(EVTCHNOP_bind_virq, &bv), -EINVAL);
    expect("evtchn bind_virq(VIRQ_TIMER, vcpu 99) = -ENOENT",
           evtchn_bind_virq(VIRQ_TIMER, 99, NULL), -ENOENT);
    expect("evtchn bind_interdomain(no such domain 0x3000) = -ESRCH",
           evtchn_bind_interdomain(0x3000, 1, NULL), -ESRCH);
    memset(odd, 0, sizeof(*odd));
    odd->dom = DOMID_SELF;
    odd->port = 0;
    expect("evtchn status via a misaligned struct = 0",
           hc_event_channel_op(EVTCHNOP_status, odd), 0);
}

static void test_trap_table_multicall(void)
{
    struct trap_info bad[2] = { { .vector = 0x30, .cs = FLAT_KERNEL_CS, .address = NONCANON | 1 } };
    multicall_entry_t mc[3];

    expect("set_trap_table(hypervisor pointer) = -EFAULT",
           hc_set_trap_table((void *)HV_PTR), -EFAULT);
    expect("set_trap_table(non-canonical pointer) = -EFAULT",
           hc_set_trap_table((void *)NONCANON), -EFAULT);
    expect("set_trap_table(entry with non-canonical handler) = -EINVAL",
           hc_set_trap_table(bad), -EINVAL);
    expect("multicall(hypervisor pointer, 1) = -EFAULT",
           hc_multicall((void *)HV_PTR, 1), -EFAULT);
    expect("multicall(non-canonical pointer, 1) = -EFAULT",
           hc_multicall((void *)NONCANON, 1), -EFAULT);
    memset(mc, 0, sizeof(mc));
    mc[0].op = 999;
    mc[1].op = __HYPERVISOR_xen_version;
    mc[1].args[0] = XENVER_version;
    mc[2].op = __HYPERVISOR_multicall;        /* nested multicall */
    mc[2].args[0] = (unsigned long)&mc[0];
    mc[2].args[1] = 1;
    expect("multicall of {999, xen_version, nested multicall} returns 0", hc_multicall(mc, 3), 0);
    expect("multicall entry op 999 result = -ENOSYS", (long)mc[0].result, -ENOSYS);
    check(mc[1].result >> 16 >= 3, "multicall entry xen_version result", "%#lx", mc[1].result);
    expect("multicall nested multicall entry = -EINVAL", (long)mc[2].result, -EINVAL);
}

static void test_numbers(void)
{
    expect("hypercall 11 (unused slot, page) = -ENOSYS", hypercall_page_call(11, 0, 0, 0, 0, 0), -ENOSYS);
    expect("hypercall 64 (past table, page) = -ENOSYS", hypercall_page_call(64, 0, 0, 0, 0, 0), -ENOSYS);
    expect("hypercall 127 (last page slot) = -ENOSYS", hypercall_page_call(127, 0, 0, 0, 0, 0), -ENOSYS);
    expect("hypercall 1000 (direct syscall) = -ENOSYS", hypercall_syscall(1000, 0, 0, 0, 0, 0), -ENOSYS);
    expect("hypercall 0xffffffff (direct syscall) = -ENOSYS",
           hypercall_syscall(0xffffffffUL, 0, 0, 0, 0, 0), -ENOSYS);
}

/* hvm_op (34) from a PV guest: set/get_param check the pointer, the domain, that it is HVM. */
static void test_hvm_op(void)
{
    struct { uint16_t domid, pad; uint32_t index; uint64_t value; } prm, *p = &prm;

    prm = (typeof(prm)){ .domid = 0x7ff0 /* DOMID_SELF */, .index = 1 /* STORE_PFN */ };
    expect("hvm_op(get_param, non-canonical pointer) = -EFAULT",
           hypercall_page_call(34, 1, 0x800000000000UL, 0, 0, 0), -EFAULT);
    expect("hvm_op(99) = -ENOSYS", hypercall_page_call(34, 99, (unsigned long)p, 0, 0, 0), -ENOSYS);
    expect("hvm_op(get_param, DOMID_SELF: a PV domain) = -EINVAL",
           hypercall_page_call(34, 1, (unsigned long)p, 0, 0, 0), -EINVAL);
    expect("hvm_op(set_param, DOMID_SELF: a PV domain) = -EINVAL",
           hypercall_page_call(34, 0, (unsigned long)p, 0, 0, 0), -EINVAL);
    p->domid = 0x7000;
    expect("hvm_op(get_param, a domain that does not exist) = -ESRCH",
           hypercall_page_call(34, 1, (unsigned long)p, 0, 0, 0), -ESRCH);
}

/* The vDSO time area: addresses are checked at registration; an area that
 * is not mapped is accepted (as on Xen) and every update to it is lost. */
static void test_time_area(void)
{
    struct vcpu_register_time_memory_area ta = { .addr.p = HV_PTR };

    expect("vcpu_op(register_vcpu_time_memory_area, area in the hole) = -EFAULT",
           hc_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta), -EFAULT);
    expect("vcpu_op(register_vcpu_time_memory_area, argument in the hole) = -EFAULT",
           hc_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, (void *)HV_PTR), -EFAULT);
    ta.addr.p = NONCANON;
    expect("vcpu_op(register_vcpu_time_memory_area, non-canonical area) = -EFAULT",
           hc_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta), -EFAULT);
    ta.addr.p = LOW_PTR;
    expect("vcpu_op(register_vcpu_time_memory_area, unmapped area) = 0",
           hc_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
    ta.addr.p = 0;
    expect("vcpu_op(register_vcpu_time_memory_area, NULL unregisters) = 0",
           hc_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
}

static void test_sched_vcpu(void)
{
    struct vcpu_set_singleshot_timer t = { 0 };

    expect("sched_op(unknown cmd 99) = -ENOSYS", hc_sched_op(99, NULL), -ENOSYS);
    expect("sched_op(shutdown, hypervisor pointer) = -EFAULT",
           hc_sched_op(SCHEDOP_shutdown, (void *)HV_PTR), -EFAULT);
    expect("sched_op(poll, non-canonical pointer) = -EFAULT",
           hc_sched_op(SCHEDOP_poll, (void *)NONCANON), -EFAULT);
    expect("vcpu_op(unknown cmd 99) = -ENOSYS", hc_vcpu_op(99, 0, NULL), -ENOSYS);
    expect("vcpu_op(is_up, vcpu 99) = -ENOENT", hc_vcpu_op(VCPUOP_is_up, 99, NULL), -ENOENT);
    expect("vcpu_op(is_up, vcpu 0) = 1", hc_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    expect("vcpu_op(set_singleshot_timer, hypervisor pointer) = -EFAULT",
           hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)HV_PTR), -EFAULT);
    expect("vcpu_op(set_singleshot_timer, vcpu 99) = -ENOENT",
           hc_vcpu_op(VCPUOP_set_singleshot_timer, 99, &t), -ENOENT);
    test_time_area();
}

static void test_misc(void)
{
    struct callback_register cb = { .type = 99, .address = 0 };
    char ev[sizeof(xen_extraversion_t) + 1];

    expect("xen_version(unknown cmd 99) = -ENOSYS", hc_xen_version(99, NULL), -ENOSYS);
    expect("xen_version(extraversion, hypervisor pointer) = -EFAULT",
           hc_xen_version(XENVER_extraversion, (void *)HV_PTR), -EFAULT);
    expect("xen_version(extraversion, straddling) = -EFAULT",
           hc_xen_version(XENVER_extraversion, edge), -EFAULT);
    expect("xen_version(extraversion, misaligned) = 0",
           hc_xen_version(XENVER_extraversion, ev + 1), 0);
    expect("memory_op(unknown cmd 999) = -ENOSYS", hc_memory_op(999, NULL), -ENOSYS);
    expect("callback_op(register, type 99) = -ENOSYS", hc_callback_op(CALLBACKOP_register, &cb), -ENOSYS);
    expect("callback_op(unknown cmd 99) = -ENOSYS", hc_callback_op(99, &cb), -ENOSYS);
    expect("callback_op(register, hypervisor pointer) = -EFAULT",
           hc_callback_op(CALLBACKOP_register, (void *)HV_PTR), -EFAULT);
    expect("set_segment_base(99) = -EINVAL", hc_set_segment_base(99, 0), -EINVAL);
    expect("set_segment_base(FS, non-canonical) = -EINVAL",
           hc_set_segment_base(SEGBASE_FS, NONCANON), -EINVAL);
    /* Real Xen: -ENODEV for a bad register number (not -EINVAL). */
    expect("set_debugreg(8) = -ENODEV", hc_set_debugreg(8, 0), -ENODEV);
    expect("get_debugreg(8) = -ENODEV", hc_get_debugreg(8), -ENODEV);
    expect("set_debugreg(0, hypervisor address) = -EPERM", hc_set_debugreg(0, HV_PTR), -EPERM);
    expect("update_va_mapping(hypervisor address) = -EINVAL",
           hc_update_va_mapping(HV_PTR, 0, UVMF_INVLPG), -EINVAL);
    expect("vm_assist(unknown cmd 99) = -ENOSYS", hc_vm_assist(99, 0), -ENOSYS);
    expect("vm_assist(enable, type 31) = -EINVAL", hc_vm_assist(VMASST_CMD_enable, 31), -EINVAL);
    expect("grant_table_op(unknown cmd 99) = -ENOSYS", hc_grant_table_op(99, NULL, 1), -ENOSYS);
    expect("mmuext_op(hypervisor pointer) = -EFAULT",
           hc_mmuext_op((void *)HV_PTR, 1, NULL, DOMID_SELF), -EFAULT);
    expect("mmu_update(hypervisor pointer) = -EFAULT",
           hc_mmu_update((void *)HV_PTR, 1, NULL, DOMID_SELF), -EFAULT);
}

static volatile unsigned long loopback_events;
static void on_loopback(evtchn_port_t port, void *arg) { loopback_events++; }

/*
 * After every refused call the guest's own set-up still works: the trap table (refused
 * set_trap_table calls) still bounces int3 to our handler, the event callback (refused
 * callback_op and event_channel_op calls) still delivers a loopback event, and plain
 * hypercalls still answer.
 */
static void test_still_intact(void)
{
    unsigned long traps = last_trap.count;
    evtchn_port_t a, b;
    long v;

    asm volatile("int3" ::: "memory");
    check(last_trap.count == traps + 1 && last_trap.regs.vector == 3,
          "afterwards: int3 still bounces to our handler", "%lu traps, vector %lu",
          last_trap.count - traps, (unsigned long)last_trap.regs.vector);
    events_enable();
    if (check_eq(evtchn_alloc_unbound(DOMID_SELF, &a), 0, "afterwards: alloc_unbound(self)") &&
        check_eq(evtchn_bind_interdomain(DOMID_SELF, a, &b), 0, "afterwards: bind_interdomain(self)")) {
        evtchn_set_handler(b, on_loopback, NULL);
        check_eq(evtchn_send(a), 0, "afterwards: loopback send");
        check(wait_count(&loopback_events, 1, 1000), "afterwards: the loopback event is delivered",
              "%lu events in 1 s", loopback_events);
    }
    v = hc_xen_version(XENVER_version, NULL);
    check(v >> 16 >= 3, "afterwards: xen_version still answers", "%#lx", v);
}

void test_main(void)
{
    long rc;

    edge = pages[1] - 2;
    pages[0][PAGE_SIZE - 1] = 0;
    rc = map_page_at(pages[1], 0, 0);       /* unmap the second page */
    check_eq(rc, 0, "update_va_mapping(unmap a page)");
    test_console_io();
    test_evtchn();
    test_trap_table_multicall();
    test_numbers();
    test_hvm_op();
    test_sched_vcpu();
    test_misc();
    test_still_intact();
}
