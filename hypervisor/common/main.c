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
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>

/* "path args": the guest's command line is everything after the first word. */
static const char *module_args(const char *s)
{
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

static void create_domain(const struct boot_module *m, domid_t id, bool privileged)
{
    u64 mem = privileged ? hv_opts.dom0_mem : hv_opts.domu_mem;
    struct domain *d = domain_create(id, privileged);

    if (!d) {
        hv_err("d%u: cannot create domain\n", id);
        return;
    }
    memcpy(d->cmdline, module_args(m->string), strnlen(module_args(m->string), HV_CMDLINE_MAX - 1));
    if (pv_build_domain(d, hv_mfn_to_virt(m->start >> PAGE_SHIFT), m->end - m->start,
                        d->cmdline, mem >> PAGE_SHIFT)) {
        domain_shutdown(d, SHUTDOWN_crash);
        return;
    }
    time_update_wallclock(d->vcpus[0]);
    sched_add(d->vcpus[0]);
}

static __noreturn void idle_loop(mfn_t baseline_free)
{
    for (;;) {
        asm volatile("cli");
        domain_reap();
        if (!domain_count_alive()) {
            hv_info("no domains left; frames free %lu (at boot %lu)\n",
                    hv_frames.nr_free, baseline_free);
            hv_info("hypercall counts:\n");
            hypercall_dump_stats();
            arch_poweroff(0);
        }
        timer_run_due(hv_now());
        if (sched_need_resched())
            schedule();
        else
            asm volatile("sti; hlt");
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
    for (unsigned int i = 0; i < bi->nr_modules; i++, next_id++)
        create_domain(&bi->modules[i], next_id, hv_opts.first_is_dom0 && i == 0);
    hv_info("%u domain(s) running\n", domain_count_alive());
    idle_loop(baseline);
}
