/* console_hvm.h: an HVM guest's debug-port lines, followed in the hypervisor's history. */
#ifndef PVCTL_CONSOLE_HVM_H
#define PVCTL_CONSOLE_HVM_H
#include <stddef.h>
#include "domctl.h"

/* Prints d's "(dN) " lines without the prefix until it shuts down; unpauses it first if asked. 0/1. */
int console_hvm_run(domid_t dom, int unpause);
/* The pty of its emulated serial port, /local/domain/N/serial/0/tty (libxl's, written by pvctl
 * from QEMU's QMP); 0, or -ENOENT without a device model or xenstored. */
int console_hvm_serial_tty(domid_t dom, char *tty, size_t len);
#endif
