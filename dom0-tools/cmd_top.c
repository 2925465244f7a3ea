/*
 * cmd_top.c: `pvctl top [-b] [-n N] [-d SECS]`, as xentop: one line per
 * domain with its state, CPU time, CPU% over the last interval, memory and
 * vCPUs, refreshed every second (-d). -b: batch (no screen clearing, for
 * scripts), -n: that many refreshes, then end.
 */
#include "pvctl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xen/sched.h>

#define TOP_MAX 1024

struct top_prev {
    uint64_t cpu_ns[TOP_MAX];
    int seen[TOP_MAX];
};

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static char state_letter(const pv_dominfo_t *i)
{
    if (i->flags & XEN_DOMINF_dying)
        return 'd';
    if (i->flags & XEN_DOMINF_shutdown)
        return ((i->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == SHUTDOWN_crash ? 'c' : 's';
    if (i->flags & XEN_DOMINF_paused)
        return 'p';
    return i->flags & XEN_DOMINF_running ? 'r' : 'b';
}

static void frame(struct top_prev *p, double dt, uint64_t total_pages, int batch)
{
    pv_dominfo_t i;
    char name[64];

    if (!batch)
        printf("\033[H\033[2J");
    printf("%-20s %5s %5s %10s %6s %10s %6s %5s\n", "NAME", "ID", "STATE", "CPU(sec)", "CPU(%)",
           "MEM(k)", "MEM(%)", "VCPUS");
    for (unsigned int id = 0; !ctl_getdomaininfo((domid_t)id, &i); id = i.domain + 1u) {
        double pct = 0;

        if (i.domain < TOP_MAX) {
            if (p->seen[i.domain] && dt > 0 && i.cpu_time >= p->cpu_ns[i.domain])
                pct = (double)(i.cpu_time - p->cpu_ns[i.domain]) / 1e9 / dt * 100.0;
            p->cpu_ns[i.domain] = i.cpu_time;
            p->seen[i.domain] = 1;
        }
        pvctl_name_of(i.domain, name, sizeof(name));
        printf("%-20.20s %5u %5c %10.1f %6.1f %10llu %6.1f %5u\n", name, i.domain, state_letter(&i),
               (double)i.cpu_time / 1e9, pct, (unsigned long long)i.tot_pages * 4,
               total_pages ? 100.0 * (double)i.tot_pages / (double)total_pages : 0.0, i.nr_online_vcpus);
    }
    fflush(stdout);
}

int cmd_top(int argc, char **argv)
{
    struct top_prev *p;
    struct xen_sysctl_physinfo pi;
    int batch = 0, n = -1, opt;
    double delay = 1.0, t0, t1;

    optind = 0;
    while ((opt = getopt(argc + 1, argv - 1, "bn:d:")) != -1) {
        if (opt == 'b')
            batch = 1;
        else if (opt == 'n' && (n = atoi(optarg)) > 0)
            continue;
        else if (opt == 'd' && (delay = atof(optarg)) > 0)
            continue;
        else
            return 2;
    }
    if (optind != argc + 1)
        return 2;
    if (pvctl_open_control() || !(p = calloc(1, sizeof(*p))))
        return 1;
    t0 = now_s();
    for (int k = 0; n < 0 || k < n; k++) {
        if (k)
            usleep((useconds_t)(delay * 1e6));
        t1 = now_s();
        pi.total_pages = 0;
        ctl_physinfo(&pi);
        frame(p, t1 - t0, pi.total_pages, batch);
        t0 = t1;
        if (batch && (n < 0 || k + 1 < n))
            printf("\n");
    }
    free(p);
    return 0;
}
