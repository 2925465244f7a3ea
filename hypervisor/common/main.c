/*
 * Common start of day: one domain per boot module, then the idle loop,
 * which reaps dead domains, powers off when none is left, and otherwise
 * sleeps until a timer or an event makes a vCPU runnable.
 */
#include <hv/errno.h>
#include <hv/boot.h>
#include <hv/arch.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <hv/time.h>

/* "path args": the guest's arguments are everything after the first word. */
static const char *module_args(const char *s)
{
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

/* A module whose arguments are just "initrd" is the ramdisk of the kernel before it. */
static bool module_is_initrd(const struct boot_module *m)
{
    const char *a = module_args(m->string);

    return !strncmp(a, "initrd", 6) && (a[6] == '\0' || a[6] == ' ');
}

/* What a boot module's arguments ask of the hypervisor for its domain. */
struct module_opts {
    u64 mem;                           /* "pvhv.mem=SIZE" */
    bool hvm;                          /* "pvhv.hvm" */
    unsigned int vcpus;                /* "pvhv.vcpus=N" (1..HV_MAX_VCPUS) */
    u16 weight, cap;                   /* "pvhv.weight=W" (1..65535), "pvhv.cap=C" (percent) */
    cpumask_t cpus;                    /* "pvhv.cpus=LIST": every vCPU's hard affinity; none: anywhere */
};

/* pvhv.weight=, pvhv.cap=, pvhv.cpus=: the credit scheduler's settings (docs/smp.md). */
static void module_opt_sched(const char *w, struct module_opts *o)
{
    unsigned long n;

    if (!strncmp(w, "pvhv.cpus=", 10)) {
        if (sched_parse_cpulist(w + 10, &o->cpus))
            hv_warn("%s ignored (a list such as 1 or 0-1,3)\n", w);
        return;
    }
    n = hv_parse_ulong(w + (w[5] == 'w' ? 12 : 9), NULL);
    if (w[5] == 'w' && n >= 1 && n <= CREDIT_WEIGHT_MAX)
        o->weight = (u16)n;
    else if (w[5] == 'c' && n <= 100 * HV_MAX_VCPUS)
        o->cap = (u16)n;
    else
        hv_warn("%s ignored (weight 1..65535, cap 0..%u)\n", w, 100 * HV_MAX_VCPUS);
}

static void apply_sched_opts(struct domain *d, const struct module_opts *o)
{
    cpumask_t online = arch_cpus_online(), usable;

    d->sched_weight = o->weight;
    d->sched_cap = o->cap;
    if (cpumask_empty(&o->cpus))
        return;
    if (sched_affinity_check(&o->cpus, &online, &usable)) {
        hv_warn("d%u: pvhv.cpus names no online CPU; ignored\n", d->id);
        return;
    }
    d->affinity_by_tool = true;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            d->vcpus[i]->hard_affinity = o->cpus;
}

static void module_opt_vcpus(const char *v, struct module_opts *o)
{
    unsigned long n = hv_parse_ulong(v, NULL);

    if (n >= 1 && n <= HV_MAX_VCPUS)
        o->vcpus = (unsigned int)n;
    else
        hv_warn("pvhv.vcpus=%lu ignored (1..%u)\n", n, HV_MAX_VCPUS);
}

/*
 * Copies the guest command line, taking out the options meant for the
 * hypervisor (struct module_opts).
 */
static void split_args(const char *args, char *cmdline, size_t size, struct module_opts *o)
{
    size_t n = 0;

    while (*args) {
        const char *w = args;
        size_t len = 0;

        while (w[len] && w[len] != ' ')
            len++;
        if (!strncmp(w, "pvhv.mem=", 9))
            o->mem = hv_parse_size(w + 9, NULL) ?: o->mem;
        else if (!strncmp(w, "pvhv.vcpus=", 11))
            module_opt_vcpus(w + 11, o);
        else if (!strncmp(w, "pvhv.weight=", 12) || !strncmp(w, "pvhv.cap=", 9) ||
                 !strncmp(w, "pvhv.cpus=", 10))
            module_opt_sched(w, o);
        else if (len == 8 && !strncmp(w, "pvhv.hvm", 8))
            o->hvm = true;
        else if (len && n + len + 1 < size) {
            memcpy(cmdline + n, w, len);
            n += len;
            cmdline[n++] = ' ';
        }
        args = w + len;
        while (*args == ' ')
            args++;
    }
    cmdline[n ? n - 1 : 0] = '\0';
}

/*
 * The vCPUs after vCPU 0, down (as Xen's builder: the guest starts them
 * with VCPUOP_initialise and VCPUOP_up), their events masked.
 */
static int create_more_vcpus(struct domain *d, unsigned int n)
{
    d->max_vcpus = n;
    for (unsigned int i = 1; i < n; i++) {
        struct vcpu *v = vcpu_create(d, i);

        if (!v)
            return -ENOMEM;
        v->vcpu_info->evtchn_upcall_mask = 1;
    }
    return 0;
}

/*
 * With a dom0, a boot-time domU gets what Xen's toolstack gives every domU:
 * an unbound port for dom0's xenstored (the start_info store_evtchn, after
 * the console's) and its store page granted to dom0 (domain_build.c). Dom0
 * finds the port with EVTCHNOP_status (docs/xenstore.md). Without a dom0
 * store_evtchn stays 0, as the guest tests expect.
 */
static u32 store_port_for_dom0(struct domain *d, bool privileged)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };

    if (privileged || !hv_opts.first_is_dom0 || evtchn_alloc_unbound(d, &au))
        return 0;
    return au.port;
}

static void create_domain(const struct boot_module *m, const struct boot_module *initrd,
                          domid_t id, bool privileged)
{
    struct module_opts o = {
        .mem = privileged ? hv_opts.dom0_mem : hv_opts.domu_mem,
        .vcpus = privileged ? hv_opts.dom0_max_vcpus : 1,
        .weight = CREDIT_WEIGHT_DEFAULT,
    };
    struct domain *d = domain_create(id, privileged);
    struct domain_spec spec;

    if (!d) {
        hv_err("d%u: cannot create domain\n", id);
        return;
    }
    split_args(module_args(m->string), d->cmdline, sizeof(d->cmdline), &o);
    bool hvm = o.hvm;
    /* Dom0's console is console_io on the serial line (console_input.c); a domU's is a
     * ring; an HVM guest's is its debug port (docs/hvm.md). */
    int port = privileged || hvm ? 0 : console_ring_attach(d);

    spec = (struct domain_spec){
        .kernel = hv_mfn_to_virt(m->start >> PAGE_SHIFT), .kernel_len = m->end - m->start,
        .initrd = initrd ? hv_mfn_to_virt(initrd->start >> PAGE_SHIFT) : NULL,
        .initrd_len = initrd ? initrd->end - initrd->start : 0,
        .cmdline = d->cmdline, .nr_pages = o.mem >> PAGE_SHIFT,
        .console_port = port > 0 ? (u32)port : 0, .hvm = hvm,
        .store_port = hvm ? 0 : store_port_for_dom0(d, privileged),
    };
    if (hvm && privileged) {
        hv_err("d%u: an HVM dom0 is not supported\n", id);
        domain_shutdown(d, SHUTDOWN_crash);
        return;
    }
    if (hvm && o.vcpus > 1) {
        hv_warn("d%u: an HVM guest has one vCPU here; pvhv.vcpus ignored\n", id);
        o.vcpus = 1;
    }
    if (hvm ? hvm_build_domain(d, &spec) : pv_build_domain(d, &spec) ||
              create_more_vcpus(d, o.vcpus)) {
        domain_shutdown(d, SHUTDOWN_crash);
        return;
    }
    if (privileged)
        console_input_start(d);
    apply_sched_opts(d, &o);
    time_update_wallclock(d->vcpus[0]);
    sched_add(d->vcpus[0]);
}

/*
 * One pass of every CPU's idle loop: due timers, then a vCPU if one is
 * ready here or queued on another CPU (schedule pulls it, if it may), then
 * sleep until an interrupt (the timer, a reschedule IPI) unless `busy` or
 * told to reschedule: a queued vCPU that may not move (docs/smp.md) must
 * not keep this CPU spinning.
 */
static void idle_step(bool busy)
{
    timer_run_due(hv_now());
    /* Back from running vCPUs, what the caller looked at is stale: a domain
     * may have shut down meanwhile on this very CPU, which no IPI tells (a
     * CPU sends none to itself). Look again: sleeping now, CPU 0 would wait
     * for a timer interrupt that need not come before it reaps the domain. */
    if ((sched_need_resched() || sched_work_here() || sched_work_elsewhere()) && schedule())
        return;
    if (!busy && !sched_need_resched() && !sched_work_here())
        arch_wait_for_interrupt();
}

/* CPU 0 also reaps dead domains and powers off when none is left
 * (a domain's shutdown on another CPU wakes it: domain.c). */
static __noreturn void idle_loop(mfn_t baseline_free)
{
    for (;;) {
        arch_irq_disable();
        /* Counted before the scan: a domain that shuts down on another CPU during it was
         * passed over as active, and must not be taken for reaped (it would leak). */
        bool none_alive = !domain_count_alive();
        bool reaping = domain_reap();                /* unfinished: no sleep, go on after */

        if (!reaping && none_alive) {
            hv_info("no domains left; frames free %lu (at boot %lu)\n",
                    hv_frames.nr_free, baseline_free);
            hv_info("hypercall counts:\n");
            hypercall_dump_stats();
            sched_dump_stats();
            if (hv_opts.debug_panic_teardown)
                hv_panic("debug_panic=teardown: planted panic after the last domain was reaped\n");
            arch_poweroff(0);
        }
        idle_step(reaping);
    }
}

__noreturn void hv_ap_main(void)
{
    for (;;) {
        arch_irq_disable();
        idle_step(false);
    }
}

__noreturn void hv_main(struct boot_info *bi)
{
    mfn_t baseline;
    domid_t next_id = hv_opts.first_is_dom0 ? 0 : 1;

    sched_init(hv_opts.timeslice_ms);
    baseline = hv_frames.nr_free;
    if (!bi->nr_modules)
        hv_warn("no guest kernels given as modules; nothing to run\n");
    for (unsigned int i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *initrd = NULL;

        if (module_is_initrd(&bi->modules[i])) {
            hv_warn("module %u: initrd without a kernel before it, ignored\n", i);
            continue;
        }
        if (i + 1 < bi->nr_modules && module_is_initrd(&bi->modules[i + 1]))
            initrd = &bi->modules[i + 1];
        create_domain(&bi->modules[i], initrd, next_id, hv_opts.first_is_dom0 && next_id == 0);
        next_id++;
        if (initrd)
            i++;
    }
    hv_info("%u domain(s) running (hypervisor boot took %lu ms)\n", domain_count_alive(),
            hv_now() / 1000000);
    idle_loop(baseline);
}
