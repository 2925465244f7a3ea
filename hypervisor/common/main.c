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

/*
 * Copies the guest command line, taking out the options meant for the
 * hypervisor ("pvhv.mem=SIZE": this domain's memory; "pvhv.hvm": an HVM guest).
 */
static void split_args(const char *args, char *cmdline, size_t size, u64 *mem, bool *hvm)
{
    size_t n = 0;

    while (*args) {
        const char *w = args;
        size_t len = 0;

        while (w[len] && w[len] != ' ')
            len++;
        if (!strncmp(w, "pvhv.mem=", 9))
            *mem = hv_parse_size(w + 9, NULL) ?: *mem;
        else if (len == 8 && !strncmp(w, "pvhv.hvm", 8))
            *hvm = true;
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
    u64 mem = privileged ? hv_opts.dom0_mem : hv_opts.domu_mem;
    struct domain *d = domain_create(id, privileged);
    struct domain_spec spec;
    bool hvm = false;

    if (!d) {
        hv_err("d%u: cannot create domain\n", id);
        return;
    }
    split_args(module_args(m->string), d->cmdline, sizeof(d->cmdline), &mem, &hvm);
    /* Dom0's console is console_io on the serial line (console_input.c); a domU's is a
     * ring; an HVM guest's is its debug port (docs/hvm.md). */
    int port = privileged || hvm ? 0 : console_ring_attach(d);

    spec = (struct domain_spec){
        .kernel = hv_mfn_to_virt(m->start >> PAGE_SHIFT), .kernel_len = m->end - m->start,
        .initrd = initrd ? hv_mfn_to_virt(initrd->start >> PAGE_SHIFT) : NULL,
        .initrd_len = initrd ? initrd->end - initrd->start : 0,
        .cmdline = d->cmdline, .nr_pages = mem >> PAGE_SHIFT,
        .console_port = port > 0 ? (u32)port : 0, .hvm = hvm,
        .store_port = hvm ? 0 : store_port_for_dom0(d, privileged),
    };
    if (hvm && privileged) {
        hv_err("d%u: an HVM dom0 is not supported\n", id);
        domain_shutdown(d, SHUTDOWN_crash);
        return;
    }
    if (hvm ? hvm_build_domain(d, &spec) : pv_build_domain(d, &spec)) {
        domain_shutdown(d, SHUTDOWN_crash);
        return;
    }
    if (privileged)
        console_input_start(d);
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
    if (sched_need_resched() || sched_work_elsewhere())
        schedule();
    if (!busy && !sched_need_resched())
        arch_wait_for_interrupt();
}

/* CPU 0 also reaps dead domains and powers off when none is left
 * (a domain's shutdown on another CPU wakes it: domain.c). */
static __noreturn void idle_loop(mfn_t baseline_free)
{
    for (;;) {
        arch_irq_disable();
        bool reaping = domain_reap();                /* unfinished: no sleep, go on after */

        if (!reaping && !domain_count_alive()) {
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
