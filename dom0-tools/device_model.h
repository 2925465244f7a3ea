/*
 * device_model.h: an HVM guest's device model, Debian's QEMU-xen
 * (qemu-system-xen), started with the guest and stopped with it, as libxl
 * runs it (docs/hvm.md "QEMU-xen").
 */
#ifndef PVCTL_DEVICE_MODEL_H
#define PVCTL_DEVICE_MODEL_H
#include "config.h"
#include "domctl.h"

#define DM_DEFAULT_PATH "/usr/libexec/xen-qemu-system-i386"
#define DM_RUN_DIR      "/run/pvctl"
#define DM_LOG_DIR      "/var/log/pvctl"

/*
 * Starts QEMU for the paused HVM domain `dom` (-xen-domid, -machine xenfv,
 * its serial port on a pty) and waits until it serves it: QEMU has
 * daemonized and recorded /local/domain/0/device-model/DOM/state =
 * running. Then writes the pty's path to /local/domain/DOM/serial/0/tty,
 * as libxl does from QMP's query-chardev. 0, or -1 with a message (its log:
 * /var/log/pvctl/qemu-NAME.log); nothing is left running on failure.
 */
int dm_start(const struct pv_config *c, domid_t dom);
/* Stops dom's device model if it has one (SIGTERM, then SIGKILL) and removes its entries. */
void dm_stop(domid_t dom);
#endif
