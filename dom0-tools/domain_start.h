/*
 * domain_start.h: building, recording and starting one domain from its
 * config, shared by `pvctl create` and the lifecycle monitor's restart
 * (monitor.c), and the monitor itself.
 */
#ifndef PVCTL_DOMAIN_START_H
#define PVCTL_DOMAIN_START_H
#include "build.h"
#include "config.h"
#include "xs_domain.h"

/*
 * Reads the kernel (unpacked to an ELF) and the ramdisk of `c` into `s`;
 * prints why and returns -1 if one cannot be read. They are needed only
 * while a domain is built: `create` frees them before the monitor forks,
 * which reads them again for a restart (as xl does), so a monitor does
 * not keep a running guest's kernel (65 MiB unpacked) in dom0's memory.
 */
int domain_images_load(const struct pv_config *c, struct build_spec *s);
void domain_images_free(struct build_spec *s);

/*
 * Builds the domain of `c` from `s` (kernel and initrd in memory), records
 * it (xenstore entries and XS_INTRODUCE, or the name files), and unpauses
 * it unless `paused`. On failure prints why, leaves nothing behind and
 * returns -1; else 0, with xd->dom the new domain. xd->uuid is kept.
 */
int domain_start(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd, int paused);
/* Destroys a domain and removes its records (names_remove). */
void domain_destroy(domid_t dom);

/*
 * The lifecycle monitor (xl's per-domain `xl create` child): forks a
 * background process that watches @releaseDomain and applies the config's
 * on_poweroff / on_reboot / on_crash when the domain shuts down. Needs a
 * xenstored; returns the child's pid, or -1 with a warning.
 */
int monitor_start(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd);
/* The pid of the monitor of the domain named `name`, or -1. */
int monitor_pid(const char *name);
#endif
