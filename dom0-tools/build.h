/*
 * build.h: the PV domain builder, in dom0's user space as Xen's libxenguest
 * is: a new paused domain with its memory, kernel, initrd, start_info, p2m,
 * page tables (pinned) and vCPU 0's context. docs/toolstack.md lists its
 * hypercalls in order.
 */
#ifndef PVCTL_BUILD_H
#define PVCTL_BUILD_H
#include <stdint.h>
#include "domctl.h"
#include "kernel.h"

struct build_spec {
    struct pvctl_buf kernel;          /* an ELF (pvctl_kernel_unpack) */
    struct pvctl_buf initrd;          /* len 0: none */
    const char *cmdline;
    uint64_t memory_mb;
    uint32_t vcpus;
    int xenstored;                    /* a xenstored will serve the guest's ring */
    int hvm_kernel_boot;              /* HVM: kernel is a bzImage booted directly (hvm_linux.h) */
    uint8_t handle[16];               /* the domain's uuid (createdomain's handle) */
};

struct build_result {
    domid_t dom;
    uint32_t console_port, store_port;
    xen_pfn_t console_mfn, store_mfn;
    int grants_seeded;                /* the reserved grant entries 0 and 1 are written */
};

/*
 * Builds the domain and leaves it paused. On failure prints why to stderr,
 * destroys whatever domain it made (nothing is left behind) and returns a
 * negative errno.
 */
int pv_build(const struct build_spec *s, struct build_result *r);
/*
 * The HVM builder (build_hvm.c): s->kernel is the firmware image (ELF32),
 * or with hvm_kernel_boot a bzImage with its initrd and cmdline; one vCPU; no console ring or xenstore page (r's are 0). Same
 * contract: paused on success, nothing left behind on failure.
 */
int hvm_build(const struct build_spec *s, struct build_result *r);
#endif
