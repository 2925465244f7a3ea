/*
 * cmd_list.c: `pvctl list` (xl's columns) and `pvctl info` (the host), both
 * with --json. Domains are walked with getdomaininfo's "next id >= N" rule.
 */
#include "pvctl.h"
#include "names.h"

#include <string.h>
#include <xencall.h>
#include <xen/version.h>
#include <xen/sched.h>

/* xl's six state letters: r b p s c d, '-' where not. */
static void state_of(const pv_dominfo_t *i, char s[7])
{
    unsigned int reason = (i->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shut = !!(i->flags & XEN_DOMINF_shutdown);

    s[0] = i->flags & XEN_DOMINF_running ? 'r' : '-';
    s[1] = i->flags & XEN_DOMINF_blocked ? 'b' : '-';
    s[2] = i->flags & XEN_DOMINF_paused ? 'p' : '-';
    s[3] = shut && reason != SHUTDOWN_crash ? 's' : '-';
    s[4] = shut && reason == SHUTDOWN_crash ? 'c' : '-';
    s[5] = i->flags & XEN_DOMINF_dying ? 'd' : '-';
    s[6] = 0;
}

static void print_one(const pv_dominfo_t *i, int json, int first)
{
    char name[64], st[7];
    double secs = (double)i->cpu_time / 1e9;
    unsigned long mem = (unsigned long)(i->tot_pages >> 8);

    pvctl_name_of(i->domain, name, sizeof(name));
    state_of(i, st);
    if (!json) {
        printf("%-32s %5u %6lu %5u     %s %9.1f\n", name, i->domain, mem, i->nr_online_vcpus, st, secs);
        return;
    }
    printf("%s\n  {\"domid\": %u, \"name\": \"%s\", \"mem_mib\": %lu, \"tot_pages\": %llu, "
           "\"max_pages\": %llu, \"vcpus\": %u, \"state\": \"%s\", \"cpu_time_ns\": %llu, "
           "\"shutdown_reason\": %d, \"type\": \"%s\"}", first ? "" : ",", i->domain, name, mem,
           (unsigned long long)i->tot_pages, (unsigned long long)i->max_pages, i->nr_online_vcpus, st,
           (unsigned long long)i->cpu_time, i->flags & XEN_DOMINF_shutdown ?
           (int)((i->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) : -1,
           i->flags & XEN_DOMINF_hvm_guest ? "hvm" : "pv");
}

/* Whether the domain is one the arguments name (none: all). */
static int wanted(const pv_dominfo_t *i, int argc, char **argv)
{
    char name[64], id[8];

    if (!argc)
        return 1;
    pvctl_name_of(i->domain, name, sizeof(name));
    snprintf(id, sizeof(id), "%u", i->domain);
    for (int a = 0; a < argc; a++)
        if (!strcmp(argv[a], name) || !strcmp(argv[a], id))
            return 1;
    return 0;
}

int cmd_list(int argc, char **argv)
{
    int json = argc && !strcmp(argv[0], "--json"), n = 0;
    pv_dominfo_t info;

    if (json) {
        argc--;
        argv++;
    }
    for (int a = 0; a < argc; a++)
        if (argv[a][0] == '-')
            return 2;
    if (pvctl_open_control())
        return 1;
    if (json)
        printf("[");
    else
        printf("%-32s %5s %6s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (unsigned int id = 0; !ctl_getdomaininfo((domid_t)id, &info); id = info.domain + 1u) {
        if (!wanted(&info, argc, argv))
            continue;
        print_one(&info, json, !n);
        n++;
    }
    if (json)
        printf("\n]\n");
    if (argc && !n) {
        fprintf(stderr, "pvctl: no such domain\n");
        return 1;
    }
    return 0;
}

static long xen_version(void)
{
    xencall_handle *h = xencall_open(NULL, 0);
    long v = h ? xencall2(h, __HYPERVISOR_xen_version, XENVER_version, 0) : -1;

    if (h)
        xencall_close(h);
    return v;
}

int cmd_info(int argc, char **argv)
{
    int json = argc == 1 && !strcmp(argv[0], "--json");
    struct xen_sysctl_physinfo pi;
    long v;
    int rc;

    if (argc > json)
        return 2;
    if (pvctl_open_control())
        return 1;
    if ((rc = ctl_physinfo(&pi))) {
        fprintf(stderr, "pvctl: physinfo: %s\n", strerror(-rc));
        return 1;
    }
    v = xen_version();
    if (json) {
        printf("{\"xen_major\": %ld, \"xen_minor\": %ld, \"nr_cpus\": %u, \"cpu_mhz\": %u, "
               "\"total_pages\": %llu, \"free_pages\": %llu, \"total_memory_mib\": %llu, "
               "\"free_memory_mib\": %llu, \"name_store\": \"%s\"}\n", v >> 16, v & 0xffff, pi.nr_cpus,
               pi.cpu_khz / 1000, (unsigned long long)pi.total_pages, (unsigned long long)pi.free_pages,
               (unsigned long long)pi.total_pages >> 8, (unsigned long long)pi.free_pages >> 8,
               names_where());
        return 0;
    }
    printf("xen_version            : %ld.%ld\n", v >> 16, v & 0xffff);
    printf("nr_cpus                : %u\n", pi.nr_cpus);
    printf("cpu_mhz                : %u\n", pi.cpu_khz / 1000);
    printf("total_memory           : %llu\n", (unsigned long long)pi.total_pages >> 8);
    printf("free_memory            : %llu\n", (unsigned long long)pi.free_pages >> 8);
    printf("free_pages             : %llu\n", (unsigned long long)pi.free_pages);
    printf("name_store             : %s\n", names_where());
    printf("dom0_evtchn_ports      : %d\n", ctl_ports_in_use(DOMID_SELF));
    return 0;
}
