/* What the boot loader handed over, in a loader-neutral form (arch/x86/multiboot.c). */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <hv/types.h>

#define BOOT_MAX_MODULES  16
#define BOOT_MAX_RANGES   64

struct boot_module {
    u64 start, end;                    /* physical */
    const char *string;                /* "path args" as the loader gave it */
};

struct boot_range {
    u64 start, end;                    /* usable RAM, physical */
};

struct boot_info {
    const char *cmdline;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned int nr_modules;
    struct boot_range ram[BOOT_MAX_RANGES];
    unsigned int nr_ram;
    const char *loader;
};

/* Common start-of-day after the arch set-up: builds domains, runs the scheduler. */
__noreturn void hv_main(struct boot_info *bi);
/* An application processor, once up: its idle loop (common/main.c). */
__noreturn void hv_ap_main(void);

/* What one domain is built from: a kernel module, maybe an initrd module. */
struct domain_spec {
    const void *kernel;
    size_t kernel_len;
    const void *initrd;                /* NULL: none */
    size_t initrd_len;
    const char *cmdline;               /* the guest's, hypervisor options removed */
    unsigned long nr_pages;
    u32 console_port;                  /* event channel of the PV console ring, 0: none */
    u32 store_port;                    /* unbound port for dom0's xenstored, 0: none */
    bool hvm;                          /* an HVM guest (pvhv.hvm): hvm_build_domain */
};

#endif
