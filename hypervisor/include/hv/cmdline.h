/* Hypervisor command line (common/cmdline.c): console=, loglvl=, dom0_mem=, domu_mem=, hypercall_trace. */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/types.h>

struct hv_options {
    char console[16];        /* "com1" (default) or "none" */
    u64  dom0_mem;           /* bytes for the privileged domain (first module, when dom0=1) */
    u64  domu_mem;           /* bytes for every other domain */
    bool hypercall_trace;    /* log every hypercall with its arguments and result */
    bool first_is_dom0;      /* the first module becomes the privileged domain 0 */
    unsigned int timeslice_ms;
    bool debug_panic_teardown; /* debug_panic=teardown: panic once the last domain is reaped */
    bool debug_panic_ap;     /* debug_panic=ap: CPU 1 panics right after bring-up */
    unsigned int maxcpus;    /* maxcpus=N: physical CPUs to bring up at most (0: all) */
    bool smp_selftest;       /* smp_selftest: run the IPI self-test after bring-up */
    unsigned int dom0_max_vcpus; /* dom0_max_vcpus=N: the privileged domain's vCPUs (default 1) */
    bool vcpu_spread;        /* a domain's vCPUs may run on several CPUs at once (vcpu_spread=0: not) */
    bool svm_off;            /* svm=0: SVM left off, HVM domains refused */
};

extern struct hv_options hv_opts;

/* Parses a whole command line into hv_opts; unknown words are logged and ignored. */
void hv_cmdline_parse(const char *cmdline);

#endif
