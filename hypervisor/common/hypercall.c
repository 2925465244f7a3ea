/*
 * The hypercall table: indexed by the Xen hypercall numbers from
 * xen/xen.h. Each handler lives with its subsystem. An empty slot answers
 * -ENOSYS and is counted; hypercall_trace logs every call.
 */
#include <hv/hypercall.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>

#define HC(nr, fn, n) [nr] = { (hypercall_fn_t)(void (*)(void))(fn), &(#fn)[3], n, false }
#define HC_NOMC(nr, fn, n) [nr] = { (hypercall_fn_t)(void (*)(void))(fn), &(#fn)[3], n, true }

static const struct hypercall_desc hypercall_table[HC_NR_SLOTS] = {
    HC(__HYPERVISOR_set_trap_table, do_set_trap_table, 1),
    HC(__HYPERVISOR_set_gdt, do_set_gdt, 2),
    HC(__HYPERVISOR_update_descriptor, do_update_descriptor, 2),
    HC(__HYPERVISOR_mmu_update, do_mmu_update, 4),
    HC(__HYPERVISOR_set_debugreg, do_set_debugreg, 2),
    HC(__HYPERVISOR_get_debugreg, do_get_debugreg, 1),
    HC(__HYPERVISOR_stack_switch, do_stack_switch, 2),
    HC(__HYPERVISOR_set_callbacks, do_set_callbacks, 3),
    HC(__HYPERVISOR_fpu_taskswitch, do_fpu_taskswitch, 1),
    HC(__HYPERVISOR_sched_op_compat, do_sched_op_compat, 2),
    HC(__HYPERVISOR_memory_op, do_memory_op, 2),
    HC_NOMC(__HYPERVISOR_multicall, do_multicall, 2),
    HC(__HYPERVISOR_update_va_mapping, do_update_va_mapping, 3),
    HC(__HYPERVISOR_set_timer_op, do_set_timer_op, 1),
    HC(__HYPERVISOR_xen_version, do_xen_version, 2),
    HC(__HYPERVISOR_console_io, do_console_io, 3),
    HC(__HYPERVISOR_grant_table_op, do_grant_table_op, 3),
    HC(__HYPERVISOR_vm_assist, do_vm_assist, 2),
    HC(__HYPERVISOR_update_va_mapping_otherdomain, do_update_va_mapping_otherdomain, 4),
    HC_NOMC(__HYPERVISOR_iret, do_iret, 0),
    HC(__HYPERVISOR_vcpu_op, do_vcpu_op, 3),
    HC(__HYPERVISOR_set_segment_base, do_set_segment_base, 2),
    HC(__HYPERVISOR_mmuext_op, do_mmuext_op, 4),
    HC(__HYPERVISOR_sched_op, do_sched_op, 2),
    HC(__HYPERVISOR_callback_op, do_callback_op, 2),
    HC(__HYPERVISOR_event_channel_op, do_event_channel_op, 2),
    HC(__HYPERVISOR_physdev_op, do_physdev_op, 2),
    HC(__HYPERVISOR_sysctl, do_sysctl, 1),
    HC(__HYPERVISOR_domctl, do_domctl, 1),
};

struct hypercall_stats hc_stats;
static struct hypercall_record history[HC_HISTORY];
static unsigned int history_next;

const char *hypercall_name(unsigned long nr)
{
    if (nr < HC_NR_SLOTS && hypercall_table[nr].fn)
        return hypercall_table[nr].name;
    return "unknown";
}

static void record(unsigned long nr, const unsigned long args[5], long ret)
{
    struct hypercall_record *r = &history[history_next++ % HC_HISTORY];

    r->domid = current ? current->domain->id : 0xffff;
    r->vcpu = current ? current->id : 0;
    r->nr = (u32)nr;
    for (int i = 0; i < 5; i++)
        r->args[i] = args[i];
    r->ret = ret;
    if (hv_opts.hypercall_trace)
        hv_info("d%u v%u hypercall %s(%lu) %lx %lx %lx %lx %lx -> %ld\n", r->domid, r->vcpu,
                hypercall_name(nr), nr, args[0], args[1], args[2], args[3], args[4], ret);
}

long hypercall_dispatch(unsigned long nr, const unsigned long args[5], bool from_multicall)
{
    const struct hypercall_desc *h;
    long ret;

    /* Unknown numbers first and cheaply, as Xen: counted, and only traced. */
    if (unlikely(nr >= HC_NR_SLOTS || !hypercall_table[nr].fn)) {
        hc_stats.unknown++;
        if (unlikely(hv_opts.hypercall_trace))
            record(nr, args, -ENOSYS);
        return -ENOSYS;
    }
    if (from_multicall && hypercall_table[nr].no_multicall) {
        record(nr, args, -EINVAL);
        return -EINVAL;                              /* no nested multicall, no iret */
    }
    /* Defence in depth: a domain that is shutting down has no grant table
     * or event channels any more, and none of its vCPUs may run. */
    if (current && current->domain->state != DOM_ACTIVE) {
        record(nr, args, -ESRCH);
        return -ESRCH;
    }
    h = &hypercall_table[nr];
    hc_stats.calls[nr]++;
    ret = h->fn(args[0], args[1], args[2], args[3], args[4]);
    record(nr, args, ret);
    return ret;
}

/* Time to yield: a timer is due (the timer interrupt waits while a
 * hypercall runs) or another vCPU should run. */
bool hypercall_preempt_check(void)
{
    return sched_need_resched() || timer_next_deadline() <= hv_now();
}

long hypercall_continue(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                        unsigned long a4, unsigned long a5)
{
    struct hypercall_continuation *c = &current->cont;

    c->pending = true;
    c->nr = nr;
    c->args[0] = a1;
    c->args[1] = a2;
    c->args[2] = a3;
    c->args[3] = a4;
    c->args[4] = a5;
    return -ERESTART;
}

void hypercall_dump_history(void)
{
    hv_err("last hypercalls (oldest first):\n");
    for (unsigned int i = 0; i < HC_HISTORY; i++) {
        const struct hypercall_record *r = &history[(history_next + i) % HC_HISTORY];

        if (r->domid == 0 && r->nr == 0 && r->ret == 0)
            continue;
        hv_err("  d%u v%u %s(%u) %lx %lx %lx -> %ld\n", r->domid, r->vcpu,
               hypercall_name(r->nr), r->nr, r->args[0], r->args[1], r->args[2], r->ret);
    }
}

void hypercall_dump_stats(void)
{
    for (unsigned int i = 0; i < HC_NR_SLOTS; i++)
        if (hc_stats.calls[i])
            hv_info("  %-22s %lu\n", hypercall_name(i), hc_stats.calls[i]);
    hv_info("  %-22s %lu\n", "unknown (-ENOSYS)", hc_stats.unknown);
}
