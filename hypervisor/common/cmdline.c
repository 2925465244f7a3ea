/*
 * Hypervisor command line: space-separated words, "name=value" or "name".
 *   console=com1|none   loglvl=err|warning|info|debug|all
 *   dom0_mem=SIZE       memory of the privileged domain (with dom0=1)
 *   domu_mem=SIZE       memory of every other domain (default 32M)
 *   dom0=1              the first module becomes privileged domain 0
 *   dom0_max_vcpus=N    vCPUs of the privileged domain (default 1; vCPU 0 up, the rest
 *                       down until the guest's VCPUOP_up); a domU's: pvhv.vcpus=N
 *   vcpu_spread=0       a domain's vCPUs share vCPU 0's CPU (default 1: they run on several
 *                       CPUs at once, like separate domains; docs/smp.md "Guest vCPUs")
 *   hypercall_trace     log every hypercall, its arguments and result
 *   timeslice=MS        scheduler time slice (default 10)
 *   debug_mfn=MFN       log every reference change of one frame
 *   debug_panic=teardown  panic after the last domain is reaped (tests the test runner)
 *   debug_panic=ap      CPU 1 panics after bring-up (the NMI stop of the other CPUs)
 *   maxcpus=N           bring up at most N physical CPUs (default: every one the MADT lists)
 *   smp_selftest        after bring-up, test the IPIs (call-function, TLB flush, reschedule)
 *   svm=0               leave AMD SVM off: HVM domains are refused (docs/hvm.md)
 */
#include <hv/errno.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/lib.h>

struct hv_options hv_opts = {
    .console = "com1",
    .dom0_mem = 64UL << 20,
    .domu_mem = 32UL << 20,
    .timeslice_ms = 10,
    .dom0_max_vcpus = 1,
    .vcpu_spread = true,
};

struct option_desc {
    const char *name;
    void (*set)(const char *value);
};

static void set_console(const char *v)
{
    size_t n = MIN(strlen(v), sizeof(hv_opts.console) - 1);

    memcpy(hv_opts.console, v, n);
    hv_opts.console[n] = '\0';
}

static void set_loglvl(const char *v)
{
    if (hv_console_set_loglvl(v))
        hv_warn("cmdline: unknown loglvl '%s'\n", v);
}

static void set_size(u64 *dst, const char *v, const char *what)
{
    u64 sz = hv_parse_size(v, NULL);

    if (sz < (1UL << 20))
        hv_warn("cmdline: %s=%s too small, ignored\n", what, v);
    else
        *dst = sz;
}

static void set_dom0_mem(const char *v) { set_size(&hv_opts.dom0_mem, v, "dom0_mem"); }
static void set_domu_mem(const char *v) { set_size(&hv_opts.domu_mem, v, "domu_mem"); }
static void set_trace(const char *v) { hv_opts.hypercall_trace = !v || strcmp(v, "0"); }
static void set_dom0(const char *v) { hv_opts.first_is_dom0 = !v || strcmp(v, "0"); }

static void set_debug_mfn(const char *v) { frame_debug_mfn = hv_parse_ulong(v, NULL); }

/* A planted panic, so the test runner can prove it fails a boot that dies at the very end. */
static void set_debug_panic(const char *v)
{
    if (!strcmp(v, "teardown"))
        hv_opts.debug_panic_teardown = true;
    else if (!strcmp(v, "ap"))
        hv_opts.debug_panic_ap = true;
    else
        hv_warn("cmdline: unknown debug_panic '%s'\n", v);
}

static void set_maxcpus(const char *v)
{
    u64 n = hv_parse_ulong(v, NULL);

    if (n >= 1)
        hv_opts.maxcpus = (unsigned int)MIN(n, 1000000UL);
    else
        hv_warn("cmdline: maxcpus=%s ignored (at least 1)\n", v);
}

static void set_dom0_max_vcpus(const char *v)
{
    u64 n = hv_parse_ulong(v, NULL);

    if (n >= 1 && n <= HV_MAX_VCPUS)
        hv_opts.dom0_max_vcpus = (unsigned int)n;
    else
        hv_warn("cmdline: dom0_max_vcpus=%s ignored (1..%u)\n", v, HV_MAX_VCPUS);
}

static void set_smp_selftest(const char *v) { hv_opts.smp_selftest = !v || strcmp(v, "0"); }
static void set_vcpu_spread(const char *v) { hv_opts.vcpu_spread = !v || strcmp(v, "0"); }
static void set_svm(const char *v) { hv_opts.svm_off = v && !strcmp(v, "0"); }

static void set_timeslice(const char *v)
{
    u64 ms = v ? hv_parse_ulong(v, NULL) : 0;

    if (ms >= 1 && ms <= 1000)
        hv_opts.timeslice_ms = (unsigned int)ms;
}

static const struct option_desc options[] = {
    { "console", set_console },
    { "loglvl", set_loglvl },
    { "dom0_mem", set_dom0_mem },
    { "domu_mem", set_domu_mem },
    { "hypercall_trace", set_trace },
    { "dom0", set_dom0 },
    { "timeslice", set_timeslice },
    { "debug_mfn", set_debug_mfn },
    { "debug_panic", set_debug_panic },
    { "maxcpus", set_maxcpus },
    { "dom0_max_vcpus", set_dom0_max_vcpus },
    { "vcpu_spread", set_vcpu_spread },
    { "smp_selftest", set_smp_selftest },
    { "svm", set_svm },
};

static void parse_word(char *word)
{
    char *eq = strchr(word, '=');
    const char *value = NULL;

    if (eq) {
        *eq = '\0';
        value = eq + 1;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(options); i++) {
        if (!strcmp(word, options[i].name)) {
            if (value || options[i].set == set_trace || options[i].set == set_dom0 ||
                options[i].set == set_smp_selftest || options[i].set == set_vcpu_spread)
                options[i].set(value);
            return;
        }
    }
    hv_debug("cmdline: ignoring '%s'\n", word);
}

void hv_cmdline_parse(const char *cmdline)
{
    char buf[512], *p = buf;
    size_t len = strnlen(cmdline, sizeof(buf) - 1);

    memcpy(buf, cmdline, len);
    buf[len] = '\0';
    while (*p) {
        while (*p == ' ')
            p++;
        char *word = p;

        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        if (*word)
            parse_word(word);
    }
}
