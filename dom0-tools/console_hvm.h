/* console_hvm.h: an HVM guest's debug-port lines, followed in the hypervisor's history. */
#ifndef PVCTL_CONSOLE_HVM_H
#define PVCTL_CONSOLE_HVM_H
#include "domctl.h"

/* Prints d's "(dN) " lines without the prefix until it shuts down; unpauses it first if asked. 0/1. */
int console_hvm_run(domid_t dom, int unpause);
#endif
