/*
 * sched-ctl: the scheduler's control ABI from dom0 (docs/smp.md "Credit:
 * weights, caps, affinity"), on ours and on the real Xen (both as dom0,
 * -smp 2):
 *   sysctl sched_id is a credit scheduler (ours: CREDIT; Xen 4.17's default
 *   is CREDIT2, same weight/cap record); scheduler_op getinfo on ourselves
 *   gives weight 256, cap 0; putinfo weight 512 reads back; weight 0 keeps
 *   it; another scheduler's id -EINVAL; restored to 256.
 *   getvcpuaffinity (hard) of vCPU 0 has CPUs 0 and 1; setvcpuaffinity to
 *   CPU 1 gives back {1}, and from the next yield getvcpuinfo says vCPU 0
 *   is on CPU 1, every time it is asked (300 yields and a spin); an empty
 *   mask, an offline CPU only (63), no flag, a NULL bitmap, a vCPU past
 *   max -EINVAL, and the affinity is still {1}; back to every CPU.
 * As a domU (ours, tests.conf `sched-ctl`): every one of these -EPERM.
 */
#include "ctl.h"                                     /* first: __XEN_TOOLS__ */

const char test_name[] = "sched-ctl";

static uint8_t map_in[8], map_out[8];
static domid_t self;                                /* our id: 0 as dom0, domid= (default 1) as a domU */

static long sched_op(uint32_t sched_id, uint32_t cmd, struct xen_domctl_sched_credit *c)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_scheduler_op, .domain = self };
    long rc;

    op.u.scheduler_op.sched_id = sched_id;
    op.u.scheduler_op.cmd = cmd;
    op.u.scheduler_op.u.credit = *c;
    rc = ctl_domctl(&op);
    *c = op.u.scheduler_op.u.credit;
    return rc;
}

static uint32_t sched_id(void)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_sched_id };

    check_eq(ctl_sysctl(&op), 0, "sysctl sched_id");
    return op.u.sched_id.sched_id;
}

static void test_weights(void)
{
    uint32_t id = sched_id();
    struct xen_domctl_sched_credit c = { 0 };

    check(id == XEN_SCHEDULER_CREDIT || id == XEN_SCHEDULER_CREDIT2, "a credit scheduler",
          "sched_id %u", id);
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_getinfo, &c), 0, "getinfo");
    check(c.weight == 256 && c.cap == 0, "default weight 256, cap 0", "%u %u", c.weight, c.cap);
    c.weight = 512;
    c.cap = 0;
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_putinfo, &c), 0, "putinfo weight 512");
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_getinfo, &c), 0, "getinfo again");
    check_eq(c.weight, 512, "weight 512 read back");
    c.weight = 0;
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_putinfo, &c), 0, "putinfo weight 0");
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_getinfo, &c), 0, "getinfo after weight 0");
    check_eq(c.weight, 512, "weight 0 keeps the weight");
    check_eq(sched_op(XEN_SCHEDULER_ARINC653, XEN_DOMCTL_SCHEDOP_getinfo, &c), -EINVAL,
             "another scheduler's id = -EINVAL");
    c.weight = 256;
    c.cap = 0;
    check_eq(sched_op(id, XEN_DOMCTL_SCHEDOP_putinfo, &c), 0, "weight back to 256");
}

static long affinity(uint32_t cmd, uint32_t vcpu, uint32_t flags, uint64_t in, uint64_t *out,
                     bool null_map)
{
    struct xen_domctl op = { .cmd = cmd, .domain = self };
    long rc;

    for (int i = 0; i < 8; i++) {
        map_in[i] = (uint8_t)(in >> (8 * i));
        map_out[i] = 0xa5;
    }
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    if (cmd == XEN_DOMCTL_getvcpuaffinity)
        set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, null_map ? NULL : map_out);
    else
        set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, null_map ? NULL : map_in);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    rc = ctl_domctl(&op);
    if (out) {
        const uint8_t *m = cmd == XEN_DOMCTL_getvcpuaffinity ? map_out : map_in;

        *out = 0;
        for (int i = 0; i < 8; i++)
            *out |= (uint64_t)m[i] << (8 * i);
    }
    return rc;
}

static uint32_t my_cpu(void)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_getvcpuinfo, .domain = 0 };

    op.u.getvcpuinfo.vcpu = 0;
    if (ctl_domctl(&op))
        return ~0u;
    return op.u.getvcpuinfo.cpu;
}

static void test_affinity(void)
{
    uint64_t m = 0;
    unsigned int tries = 0, off_cpu1 = 0;

    check_eq(affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0, &m, false), 0,
             "getvcpuaffinity");
    check((m & 3) == 3, "vCPU 0 may run on CPUs 0 and 1", "mask %lx", (unsigned long)m);
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 2, &m, false), 0,
             "setvcpuaffinity to CPU 1");
    check_eq(m, 2, "the effective mask is {1}");
    while (my_cpu() != 1 && tries++ < 100)
        sched_yield();
    check(tries < 100, "vCPU 0 moved to CPU 1", "still on CPU %u", my_cpu());
    for (int i = 0; i < 300; i++) {
        sched_yield();
        off_cpu1 += my_cpu() != 1;
    }
    for (uint64_t end = pvclock_ns() + 300000000ULL; pvclock_ns() < end;)
        off_cpu1 += my_cpu() != 1;
    check_eq(off_cpu1, 0, "on CPU 1 every time it was asked");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0, NULL, false), -EINVAL,
             "an empty mask = -EINVAL");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 1ULL << 63, NULL, false),
             -EINVAL, "an offline CPU only = -EINVAL");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, 0, 1, NULL, false), -EINVAL, "no flag = -EINVAL");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 1, NULL, true), -EINVAL,
             "a NULL bitmap = -EINVAL");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 100, XEN_VCPUAFFINITY_HARD, 1, NULL, false), -EINVAL,
             "a vCPU past max = -EINVAL");
    check_eq(affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0, &m, false), 0,
             "getvcpuaffinity after the refusals");
    check_eq(m, 2, "still {1}");
    check_eq(my_cpu(), 1, "still on CPU 1");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, ~0ULL, NULL, false), 0,
             "back to every CPU");
}

/* A domU: each of them refused, after the checks before privilege (the domain exists). */
static void test_refused(void)
{
    struct xen_domctl_sched_credit c = { 256, 0 };
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_sched_id };
    uint64_t m;

    check_eq(ctl_sysctl(&op), -EPERM, "domU: sysctl sched_id = -EPERM");
    check_eq(sched_op(XEN_SCHEDULER_CREDIT, XEN_DOMCTL_SCHEDOP_getinfo, &c), -EPERM,
             "domU: scheduler_op getinfo = -EPERM");
    check_eq(sched_op(XEN_SCHEDULER_CREDIT, XEN_DOMCTL_SCHEDOP_putinfo, &c), -EPERM,
             "domU: scheduler_op putinfo = -EPERM");
    check_eq(affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 2, &m, false), -EPERM,
             "domU: setvcpuaffinity = -EPERM");
    check_eq(affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0, &m, false), -EPERM,
             "domU: getvcpuaffinity = -EPERM");
}

void test_main(void)
{
    if (!(start_info->flags & SIF_PRIVILEGED)) {
        self = (domid_t)cmdline_int("domid", 1);
        test_refused();
        return;
    }
    test_weights();
    test_affinity();
}
