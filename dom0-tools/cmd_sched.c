/*
 * cmd_sched.c: `pvctl sched-credit` and `pvctl vcpu-pin`, as xl's: the
 * credit scheduler's weight and cap (XEN_DOMCTL_scheduler_op) and a vCPU's
 * hard affinity (XEN_DOMCTL_setvcpuaffinity with an xenctl_bitmap). Its
 * own xencall handle: the arguments live in hypercall-safe buffers.
 */
#include "pvctl.h"
#include "cmd_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xencall.h>

#define MAP_BYTES 8                                   /* 64 CPUs, the hypervisor's limit */

static xencall_handle *sched_xc;

static int sched_domctl(struct xen_domctl *op)
{
    struct xen_domctl *buf;
    int rc;

    if (!sched_xc && !(sched_xc = xencall_open(NULL, 0)))
        return -errno;
    if (!(buf = xencall_alloc_buffer(sched_xc, sizeof(*buf))))
        return -ENOMEM;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    memcpy(buf, op, sizeof(*buf));
    rc = xencall1(sched_xc, __HYPERVISOR_domctl, (uintptr_t)buf) < 0 ? -errno : 0;
    memcpy(op, buf, sizeof(*op));
    xencall_free_buffer(sched_xc, buf);
    return rc;
}

static int credit_get(domid_t dom, struct xen_domctl_sched_credit *c)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_scheduler_op, .domain = dom };
    int rc;

    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
    rc = sched_domctl(&op);
    *c = op.u.scheduler_op.u.credit;
    return rc;
}

static int credit_put(domid_t dom, const struct xen_domctl_sched_credit *c)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_scheduler_op, .domain = dom };

    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    op.u.scheduler_op.u.credit = *c;
    return sched_domctl(&op);
}

static int print_one(domid_t dom)
{
    struct xen_domctl_sched_credit c;
    char name[64];
    int rc = credit_get(dom, &c);

    if (rc) {
        fprintf(stderr, "pvctl: sched-credit: d%u: %s\n", dom, strerror(-rc));
        return 1;
    }
    pvctl_name_of(dom, name, sizeof(name));
    printf("%-33s %4u %6u %4u\n", name, dom, c.weight, c.cap);
    return 0;
}

static int list_all(void)
{
    pv_dominfo_t info;
    int failed = 0;

    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
    for (unsigned int id = 0; !ctl_getdomaininfo((domid_t)id, &info); id = info.domain + 1u)
        failed |= print_one(info.domain);
    return failed;
}

/* A number in [lo, hi], or -1. */
static long bounded(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);

    return *s && !*end && v >= lo && v <= hi ? v : -1;
}

static int set_credit(domid_t dom, long weight, long cap)
{
    struct xen_domctl_sched_credit c;
    int rc = credit_get(dom, &c);

    if (!rc) {
        c.weight = weight >= 0 ? (uint16_t)weight : 0;   /* 0: the hypervisor keeps it */
        if (cap >= 0)
            c.cap = (uint16_t)cap;
        rc = credit_put(dom, &c);
    }
    if (rc) {
        fprintf(stderr, "pvctl: sched-credit: d%u: %s\n", dom, strerror(-rc));
        return 1;
    }
    return 0;
}

int cmd_sched_credit(int argc, char **argv)
{
    const char *d = NULL;
    long weight = -1, cap = -1;
    domid_t dom;
    int opt;

    optind = 1;
    while ((opt = getopt(argc + 1, argv - 1, "d:w:c:")) != -1) {
        if (opt == 'd')
            d = optarg;
        else if (opt == 'w' && (weight = bounded(optarg, 1, 65535)) < 0)
            return fprintf(stderr, "pvctl: sched-credit: weight 1..65535\n"), 2;
        else if (opt == 'c' && (cap = bounded(optarg, 0, 65535)) < 0)
            return fprintf(stderr, "pvctl: sched-credit: cap 0..65535 (percent)\n"), 2;
        else if (opt == '?')
            return 2;
    }
    if (optind != argc + 1 || (!d && (weight >= 0 || cap >= 0)))
        return 2;
    if (pvctl_open_control())
        return 1;
    if (!d)
        return list_all();
    if (pvctl_resolve(d, &dom))
        return 1;
    if (weight < 0 && cap < 0) {
        printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
        return print_one(dom);
    }
    return set_credit(dom, weight, cap);
}

int pvctl_parse_cpus(const char *s, uint64_t *mask)
{
    uint64_t m = 0;

    if (!strcmp(s, "all")) {
        *mask = ~0ULL;
        return 0;
    }
    for (;;) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;

        if (end == s || lo > 63)
            return -1;
        s = end;
        if (*s == '-') {
            hi = strtoul(s + 1, &end, 10);
            if (end == s + 1 || hi > 63 || hi < lo)
                return -1;
            s = end;
        }
        for (unsigned long c = lo; c <= hi; c++)
            m |= 1ULL << c;
        if (!*s)
            break;
        if (*s++ != ',')
            return -1;
    }
    *mask = m;
    return 0;
}

static int pin_one(domid_t dom, uint32_t vcpu, uint64_t mask)
{
    struct xen_domctl op = { .cmd = XEN_DOMCTL_setvcpuaffinity, .domain = dom };
    uint8_t *map;
    int rc;

    if (!sched_xc && !(sched_xc = xencall_open(NULL, 0)))
        return -errno;
    if (!(map = xencall_alloc_buffer(sched_xc, MAP_BYTES)))
        return -ENOMEM;
    for (int i = 0; i < MAP_BYTES; i++)
        map[i] = (uint8_t)(mask >> (8 * i));
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, map);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = MAP_BYTES * 8;
    rc = sched_domctl(&op);
    xencall_free_buffer(sched_xc, map);
    return rc;
}

int cmd_vcpu_pin(int argc, char **argv)
{
    pv_dominfo_t info;
    uint64_t mask;
    long vcpu;
    domid_t dom;
    int failed = 0;

    if (argc != 3)
        return 2;
    vcpu = strcmp(argv[1], "all") ? bounded(argv[1], 0, 127) : -2;
    if (vcpu == -1 || pvctl_parse_cpus(argv[2], &mask))
        return 2;
    if (pvctl_open_control() || pvctl_resolve(argv[0], &dom))
        return 1;
    if (ctl_getdomaininfo(dom, &info) || info.domain != dom)
        return fprintf(stderr, "pvctl: vcpu-pin: no domain %u\n", dom), 1;
    for (uint32_t v = vcpu >= 0 ? (uint32_t)vcpu : 0; v <= (vcpu >= 0 ? (uint32_t)vcpu : info.max_vcpu_id); v++) {
        int rc = pin_one(dom, v, mask);

        if (rc) {
            fprintf(stderr, "pvctl: vcpu-pin: d%u v%u: %s\n", dom, v, strerror(-rc));
            failed = 1;
        }
    }
    return failed;
}
