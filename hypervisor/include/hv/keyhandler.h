/* Debug keys (common/keyhandler.c): XEN_SYSCTL_debug_keys. */
#ifndef HV_KEYHANDLER_H
#define HV_KEYHANDLER_H

struct xen_sysctl_debug_keys;

long sysctl_debug_keys(const struct xen_sysctl_debug_keys *op);

#endif
